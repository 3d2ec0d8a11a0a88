import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `mount.artifactfs STORE MOUNTPOINT [-o OPTIONS]`: the helper mount(8) runs for
/// `mount -t fuse.artifactfs` and for an `/etc/fstab` line of that type, as
/// `/sbin/mount.fuse.artifactfs` (and `/sbin/mount.artifactfs` for `-t artifactfs`).
///
/// It is this same binary under another name, as `mount.rclone` is rclone: the helper turns the
/// `-o` list into `artifactfs mount` flags and runs that, which returns once the mount is usable
/// (served by a background process, as mount(8) expects of a FUSE helper).
enum MountHelper {
    /// Exit status mount(8) documents for a bad invocation.
    static let usageStatus: Int32 = 1
    /// Exit status mount(8) documents for a mount that failed.
    static let failureStatus: Int32 = 32

    /// True when this process was started under a helper name (`mount.artifactfs`, `mount.fuse.artifactfs`).
    static func isInvoked(as argv0: String) -> Bool {
        URL(fileURLWithPath: argv0).lastPathComponent.hasPrefix("mount.")
    }

    /// A helper invocation turned into `artifactfs mount` arguments and the environment they need.
    struct Invocation: Equatable {
        /// `mount STORE MOUNTPOINT --read-only ...`.
        var arguments: [String]
        /// `ARTIFACTFS_CONFIG_DIR` from `config=DIR`, since mount(8) at boot has no working
        /// directory or home to find the project from.
        var configDirectory: String?
        /// `-f` (fake): check the options, mount nothing.
        var fake: Bool
    }

    /// A usage error of the helper, naming the option at fault.
    struct UsageError: Error, CustomStringConvertible {
        var description: String
    }

    /// Options mount(8) and systemd put in an fstab line that concern them, not the filesystem.
    static let mountOptionsIgnored: Set<String> = [
        "rw", "defaults", "auto", "noauto", "user", "nouser", "users", "owner", "group", "nofail", "_netdev",
        "exec", "noexec", "suid", "nosuid", "dev", "nodev", "async", "sync", "atime", "noatime", "relatime",
        "nodiratime", "strictatime", "lazytime", "loud", "silent",
    ]

    /// Parses `STORE MOUNTPOINT [-o OPTIONS] [-t TYPE] [-n] [-s] [-f] [-v] [-N NAMESPACE]`
    /// (mount(8)'s helper calling convention). `-s` (sloppy) ignores options it does not know.
    /// - Throws: ``UsageError`` naming a missing argument or an unknown or malformed option.
    static func parse(_ arguments: [String]) throws -> Invocation {
        var positional: [String] = []
        var options: [String] = []
        var (sloppy, fake) = (false, false)
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "-o", "-t", "-N":
                guard index + 1 < arguments.count else { throw UsageError(description: "\(argument) needs a value") }
                if argument == "-o" { options += arguments[index + 1].split(separator: ",").map(String.init) }
                index += 2
                continue
            case "-s": sloppy = true
            case "-f": fake = true
            case "-n", "-v": break
            default:
                guard !argument.hasPrefix("-") || argument == "-" else {
                    throw UsageError(description: "unknown flag '\(argument)'")
                }
                positional.append(argument)
            }
            index += 1
        }
        guard positional.count == 2 else {
            throw UsageError(description: "usage: mount.artifactfs STORE MOUNTPOINT [-o OPTION[,OPTION]...]")
        }
        var invocation = Invocation(arguments: ["mount", positional[0], positional[1]], fake: fake)
        for option in options {
            try apply(option, to: &invocation, sloppy: sloppy)
        }
        return invocation
    }

    private static func apply(_ option: String, to invocation: inout Invocation, sloppy: Bool) throws {
        let (key, value) = split(option)
        switch (key, value) {
        case ("ro", nil): invocation.arguments.append("--read-only")
        case ("allow_other", nil): invocation.arguments.append("--allow-other")
        case ("debug", nil): invocation.arguments.append("--debug")
        case ("attr_ttl", let value?):
            guard let seconds = Double(value), seconds >= 0, seconds.isFinite else {
                throw UsageError(description: "option attr_ttl=\(value): seconds must be a number >= 0")
            }
            invocation.arguments += ["--attr-ttl", value]
        case ("list_ttl", let value?):
            guard let seconds = Double(value), seconds >= 0, seconds.isFinite else {
                throw UsageError(description: "option list_ttl=\(value): seconds must be a number >= 0")
            }
            invocation.arguments += ["--list-ttl", value]
        case ("memory_cache", let value?):
            guard ByteCount(argument: value) != nil else {
                throw UsageError(description: "option memory_cache=\(value): a size in bytes, K, M or G")
            }
            invocation.arguments += ["--memory-cache", value]
        case ("memory_limit", let value?):
            guard ByteCount(argument: value) != nil else {
                throw UsageError(description: "option memory_limit=\(value): a size in bytes, K, M or G")
            }
            invocation.arguments += ["--memory-limit", value]
        case ("cache_dir", let value?): invocation.arguments += ["--cache-dir", value]
        case ("cache_size", let value?):
            guard ByteCount(argument: value) != nil else {
                throw UsageError(description: "option cache_size=\(value): a size in bytes, K, M or G")
            }
            invocation.arguments += ["--cache-size", value]
        case ("staging_dir", let value?): invocation.arguments += ["--staging-dir", value]
        case ("metrics_address", let value?): invocation.arguments += ["--metrics-address", value]
        case ("log_level", let value?): invocation.arguments += ["--log-level", value]
        case ("config", let value?): invocation.configDirectory = value
        case _ where value == nil && mountOptionsIgnored.contains(key): break
        case _ where key.hasPrefix("x-") || key == "comment": break
        default:
            guard sloppy else {
                throw UsageError(
                    description:
                        "unknown option '\(option)' (known: ro, allow_other, attr_ttl=SECONDS, list_ttl=SECONDS, memory_cache=SIZE, "
                        + "memory_limit=SIZE, cache_dir=DIR, cache_size=SIZE, staging_dir=DIR, metrics_address=HOST:PORT, log_level=LEVEL, config=DIR, debug)"
                )
            }
        }
    }

    private static func split(_ option: String) -> (String, String?) {
        guard let equals = option.firstIndex(of: "=") else { return (option, nil) }
        return (String(option[..<equals]), String(option[option.index(after: equals)...]))
    }

    /// Runs the helper: parses mount(8)'s arguments, runs `artifactfs mount ...` and exits with
    /// mount(8)'s statuses (0 mounted, 1 bad usage, 32 mount failure). Never returns.
    static func main(_ arguments: [String]) -> Never {
        let invocation: Invocation
        do {
            invocation = try parse(arguments)
        } catch {
            Output.error("mount.artifactfs: \(error)")
            Glibc.exit(usageStatus)
        }
        if invocation.fake { Glibc.exit(0) }
        let process = Process()
        process.executableURL = URL(
            fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments[0]
        )
        process.arguments = invocation.arguments
        var environment = ProcessInfo.processInfo.environment
        if let directory = invocation.configDirectory { environment["ARTIFACTFS_CONFIG_DIR"] = directory }
        process.environment = environment
        do {
            try process.run()
        } catch {
            Output.error("mount.artifactfs: cannot run \(process.executableURL?.path ?? "artifactfs"): \(error)")
            Glibc.exit(failureStatus)
        }
        process.waitUntilExit()
        switch process.terminationStatus {
        case 0: Glibc.exit(0)
        case 64: Glibc.exit(usageStatus)
        default: Glibc.exit(failureStatus)
        }
    }
}
