import FileIO
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The POSIX attributes an object carries in its user metadata, in s3fs-fuse's fields, so a bucket
/// shared with s3fs shows the same modes, owners, times and links through both: `mode` (decimal
/// `st_mode`, file-type bits included), `uid`, `gid`, and `mtime`/`ctime`/`atime` (decimal
/// seconds, with nine digits of nanoseconds after a point when there are any). Each service adds
/// its own prefix (`x-amz-meta-` for S3); the names and values are the same everywhere.
public struct POSIXAttributes: Sendable, Hashable {
    /// The whole `st_mode`: file type and permission bits.
    public var mode: UInt32
    /// The owning user, when set.
    public var owner: UInt32?
    /// The owning group, when set.
    public var group: UInt32?
    /// The modification time, when set.
    public var modified: Date?
    /// The last change of the metadata (`ctime`), when set.
    public var changed: Date?
    /// The last access, when set.
    public var accessed: Date?
    /// A device node's number (`rdev`), for character and block devices.
    public var device: UInt64?

    /// The field names, without a service's prefix.
    public enum Field {
        public static let mode = "mode"
        public static let owner = "uid"
        public static let group = "gid"
        public static let modified = "mtime"
        public static let changed = "ctime"
        public static let accessed = "atime"
        public static let device = "rdev"
        /// Every field, for services that copy metadata field by field.
        public static let all = [mode, owner, group, modified, changed, accessed, device]
    }

    /// Describes an object's attributes.
    public init(
        mode: UInt32,
        owner: UInt32? = nil,
        group: UInt32? = nil,
        modified: Date? = nil,
        changed: Date? = nil,
        accessed: Date? = nil,
        device: UInt64? = nil
    ) {
        self.mode = mode
        self.owner = owner
        self.group = group
        self.modified = modified
        self.changed = changed
        self.accessed = accessed
        self.device = device
    }

    /// A new object's attributes: `type` with `permissions`, this process's user and group, and
    /// every time now.
    public static func new(_ type: UInt32, permissions: UInt16, now: Date = Date()) -> POSIXAttributes {
        POSIXAttributes(
            mode: type | UInt32(permissions & 0o7777),
            owner: geteuid(),
            group: getegid(),
            modified: now,
            changed: now,
            accessed: now
        )
    }

    /// Reads the attributes from an object's metadata; `field` returns the value of a name (without
    /// prefix). Nil when the object carries no `mode`, as objects written by other tools do not.
    public init?(field: (String) -> String?) {
        guard let text = field(Field.mode), let mode = UInt32(text.trimmingCharacters(in: .whitespaces)) else {
            return nil
        }
        self.mode = mode
        owner = field(Field.owner).flatMap { UInt32($0.trimmingCharacters(in: .whitespaces)) }
        group = field(Field.group).flatMap { UInt32($0.trimmingCharacters(in: .whitespaces)) }
        modified = field(Field.modified).flatMap(Self.parseTime)
        changed = field(Field.changed).flatMap(Self.parseTime)
        accessed = field(Field.accessed).flatMap(Self.parseTime)
        device = field(Field.device).flatMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
    }

    /// Reads the attributes from metadata headers named by the service's `prefix` and the field
    /// (`x-amz-meta-mode`, `x-ms-meta-mode`).
    public init?(headerPrefix prefix: String, header: (String) -> String?) {
        self.init { header(prefix + $0) }
    }

    /// The headers (`prefix` and the field's name) that carry `attributes`; none for nil.
    public static func headers(_ attributes: POSIXAttributes?, prefix: String) -> [(String, String)] {
        attributes?.fields.map { (prefix + $0.name, $0.value) } ?? []
    }

    /// The metadata fields (names without prefix) holding these attributes.
    public var fields: [(name: String, value: String)] {
        var fields = [(name: Field.mode, value: String(mode))]
        if let owner { fields.append((Field.owner, String(owner))) }
        if let group { fields.append((Field.group, String(group))) }
        if let modified { fields.append((Field.modified, Self.format(modified))) }
        if let changed { fields.append((Field.changed, Self.format(changed))) }
        if let accessed { fields.append((Field.accessed, Self.format(accessed))) }
        if let device { fields.append((Field.device, String(device))) }
        return fields
    }

    /// The file-type bits of ``mode``.
    public var type: UInt32 { mode & UInt32(S_IFMT) }

    /// The permission bits of ``mode``.
    public var permissions: UInt16 { UInt16(mode & 0o7777) }

    /// What the type bits make of an object (an object is never a directory: those are prefixes).
    public var kind: FileKind {
        switch type {
        case UInt32(S_IFLNK): .symlink
        case UInt32(S_IFIFO), UInt32(S_IFSOCK), UInt32(S_IFCHR), UInt32(S_IFBLK): .other
        default: .file
        }
    }

    /// The special file the type bits name, for kind ``FileIO/FileKind/other``.
    public var special: SpecialFile? {
        switch type {
        case UInt32(S_IFIFO): .fifo
        case UInt32(S_IFSOCK): .socket
        case UInt32(S_IFCHR): .characterDevice(device ?? 0)
        case UInt32(S_IFBLK): .blockDevice(device ?? 0)
        default: nil
        }
    }

    /// A time as s3fs writes it: seconds, then `.` and nine digits when the nanoseconds are not 0.
    public static func format(_ date: Date) -> String {
        let time = POSIXTime.timespec(date)
        guard time.tv_nsec != 0 else { return String(time.tv_sec) }
        let nanoseconds = String(time.tv_nsec)
        return "\(time.tv_sec).\(String(repeating: "0", count: 9 - nanoseconds.count))\(nanoseconds)"
    }

    /// Parses `seconds[.fraction]`; nil for anything else.
    public static func parseTime(_ text: String) -> Date? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let seconds = Int64(parts[0]) else { return nil }
        var nanoseconds = 0
        if parts.count == 2 {
            let digits = parts[1].prefix(9)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let value = Int(digits) else { return nil }
            nanoseconds = value
            for _ in digits.count..<9 { nanoseconds *= 10 }
        }
        var time = timespec()
        time.tv_sec = Int(seconds)
        time.tv_nsec = nanoseconds
        return POSIXTime.date(time)
    }
}
