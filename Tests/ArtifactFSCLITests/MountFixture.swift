import FileIO
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A backing folder (`data`), an empty mountpoint (`mnt`) and a metadata folder, for mount tests.
/// `cleanUp()` unmounts whatever is still mounted (politely, then lazily, then by killing the
/// daemon) and removes everything, so a failing test leaves nothing behind.
struct MountFixture {
    let path: String
    let cli: CLIRunner
    var data: String { path + "/data" }
    var mountpoint: String { path + "/mnt" }

    init() throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("artifactfs-mount-\(UUID().uuidString)").path
        for folder in ["data", "mnt"] {
            try FileManager.default.createDirectory(atPath: path + "/" + folder, withIntermediateDirectories: true)
        }
        cli = CLIRunner(directory: path, configDirectory: path + "/config")
    }

    /// Mounts `source` (default: the data folder) at the mountpoint; fails the test when it does not.
    func mount(_ source: String? = nil, _ flags: String...) throws -> CLIRunner.Result {
        try cli.run(["mount", source ?? data, mountpoint] + flags)
    }

    /// True when the kernel lists the mountpoint.
    var isMounted: Bool {
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        return mounts.split(separator: "\n").contains {
            $0.split(separator: " ").dropFirst().first.map(String.init) == mountpoint
        }
    }

    /// The daemon's pid, from `artifactfs mounts --json`.
    func daemonPID() throws -> Int32? {
        let listing = try cli.run("mounts", "--json")
        let rows = try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]] ?? []
        return (rows.first { $0["mountpoint"] as? String == mountpoint }?["pid"] as? Int).map(Int32.init)
    }

    /// Runs a shell command in the fixture folder under `timeout`, so a stuck mount cannot hang the run.
    @discardableResult
    func shell(_ command: String, timeout: Int = 120) throws -> CLIRunner.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["-k", "5", String(timeout), "/bin/bash", "-c", "set -o pipefail; " + command]
        process.currentDirectoryURL = URL(fileURLWithPath: path)
        let out = path + "/.out-\(UUID().uuidString)"
        let err = out + ".err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        defer {
            unlink(out)
            unlink(err)
        }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        process.waitUntilExit()
        return CLIRunner.Result(
            status: process.terminationStatus,
            stdout: try String(contentsOfFile: out, encoding: .utf8),
            stderr: try String(contentsOfFile: err, encoding: .utf8)
        )
    }

    /// Waits up to `seconds` for `condition`.
    func wait(seconds: Double = 15, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(50_000)
        }
        return condition()
    }

    func cleanUp() {
        if isMounted {
            let pid = try? daemonPID()
            _ = try? cli.run("unmount", mountpoint)
            if isMounted { _ = try? shell("fusermount3 -uz '\(mountpoint)'", timeout: 20) }
            if let pid { kill(pid, SIGKILL) }
        }
        try? FileManager.default.removeItem(atPath: path)
    }
}

extension MountFixture {
    /// The text of the mount daemon's log, found through the mount table's record of the mountpoint.
    func daemonLog() throws -> String {
        for folder in ["/run/artifactfs", "/var/run/artifactfs"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names where name.hasSuffix(".json") {
                guard let data = FileManager.default.contents(atPath: folder + "/" + name),
                    let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                    record["mountpoint"] as? String == mountpoint, let log = record["log"] as? String
                else { continue }
                return (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            }
        }
        Issue.record("no mount record for \(mountpoint)")
        return ""
    }
}
