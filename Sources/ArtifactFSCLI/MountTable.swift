import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The artifactfs mounts of this machine: `/proc/mounts` (what the kernel has mounted) joined
/// with a small state file per mount (component, flavor, daemon pid, log), kept in
/// `/run/artifactfs` for root, else `$XDG_RUNTIME_DIR/artifactfs` or `/tmp/artifactfs-<uid>`.
enum MountTable {
    /// What the daemon of one mount records about it.
    struct State: Codable {
        var mountpoint: String
        var source: String
        var component: String?
        var flavor: String?
        var root: String
        var pid: Int32
        var log: String
        var readOnly: Bool
    }

    /// One line of `/proc/mounts` of type `fuse.artifactfs`.
    struct KernelMount {
        var source: String
        var mountpoint: String
        var options: String
    }

    /// The folder of the state files and daemon logs, created when missing.
    static func stateDirectory() -> String {
        let directory: String
        if getuid() == 0 {
            directory = "/run/artifactfs"
        } else if let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            directory = runtime + "/artifactfs"
        } else {
            directory = "/tmp/artifactfs-\(getuid())"
        }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return directory
    }

    /// The state file of a mountpoint (an absolute path).
    static func stateFile(for mountpoint: String) -> String {
        stateDirectory() + "/" + key(mountpoint) + ".json"
    }

    /// The daemon log of a mountpoint.
    static func logFile(for mountpoint: String) -> String {
        stateDirectory() + "/" + key(mountpoint) + ".log"
    }

    private static func key(_ mountpoint: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        return "mnt" + (mountpoint.addingPercentEncoding(withAllowedCharacters: allowed) ?? mountpoint)
            .replacingOccurrences(of: "%", with: "_")
    }

    static func write(_ state: State) throws {
        let data = try JSONEncoder().encode(state)
        try data.write(to: URL(fileURLWithPath: stateFile(for: state.mountpoint)), options: .atomic)
    }

    static func read(_ mountpoint: String) -> State? {
        guard let data = FileManager.default.contents(atPath: stateFile(for: mountpoint)) else { return nil }
        return try? JSONDecoder().decode(State.self, from: data)
    }

    static func remove(_ mountpoint: String) {
        unlink(stateFile(for: mountpoint))
    }

    /// The FUSE mounts of `/proc/mounts` with subtype `artifactfs`.
    static func kernelMounts() -> [KernelMount] {
        allKernelMounts().filter { $0.type == "fuse.artifactfs" }.map { KernelMount(source: $0.source, mountpoint: $0.mountpoint, options: $0.options) }
    }

    /// Every line of `/proc/mounts`: source, mountpoint, type, options.
    static func allKernelMounts() -> [(source: String, mountpoint: String, type: String, options: String)] {
        guard let text = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 4 else { return nil }
            return (unescape(fields[0]), unescape(fields[1]), String(fields[2]), String(fields[3]))
        }
    }

    /// True when a daemon process with this pid is alive (a zombie nobody reaped is not).
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.range(of: ") ", options: .backwards)
        else { return true }
        return stat[end.upperBound...].first != "Z"
    }

    /// `/proc/mounts` writes space, tab, newline and backslash as `\ooo` octal escapes.
    private static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var index = field.utf8.startIndex
        let utf8 = field.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "\\"), let end = utf8.index(index, offsetBy: 4, limitedBy: utf8.endIndex),
                let value = UInt8(String(decoding: utf8[utf8.index(after: index)..<end], as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                index = end
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
