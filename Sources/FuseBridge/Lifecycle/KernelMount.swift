import Foundation

/// One mount the kernel has, as `/proc/self/mountinfo` lists it: the one place this package reads
/// that file (the mount table, the preflight check, the kernel read-ahead of a new mount).
public struct KernelMount: Sendable, Hashable {
    /// The mount's source (`artifactfs:default` for ours).
    public var source: String
    /// Its absolute mountpoint.
    public var mountpoint: String
    /// The file system type, with subtype (`fuse.artifactfs`).
    public var type: String
    /// The per-mount options (`rw,nosuid,...`).
    public var options: String
    /// The device as `MAJOR:MINOR`, which names the mount's entry under `/sys/class/bdi`.
    public var device: String

    /// True when the mount is read-only.
    public var isReadOnly: Bool { options.split(separator: ",").contains("ro") }

    /// Every mount of this process's mount namespace; empty when the file cannot be read.
    public static func all() -> [KernelMount] {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap(parse)
    }

    /// The artifactfs mounts (type `fuse.artifactfs`).
    public static func artifactfs() -> [KernelMount] {
        all().filter { $0.type == "fuse.artifactfs" }
    }

    /// One line: `ID PARENT MAJOR:MINOR ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER-OPTIONS`.
    static func parse(_ line: Substring) -> KernelMount? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count >= 10, let dash = fields[6...].firstIndex(of: "-"), dash + 2 < fields.count else {
            return nil
        }
        return KernelMount(
            source: unescape(fields[dash + 2]),
            mountpoint: unescape(fields[4]),
            type: String(fields[dash + 1]),
            options: String(fields[5]),
            device: String(fields[2])
        )
    }

    /// The kernel writes space, tab, newline and backslash as `\ooo` octal escapes.
    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        let utf8 = field.utf8
        var index = utf8.startIndex
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
