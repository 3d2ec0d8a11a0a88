import Foundation

/// What a path is: the kinds every flavor can report.
public enum FileKind: String, Sendable, Codable {
    /// A regular file or object.
    case file
    /// A directory, or an object-store prefix that holds objects.
    case directory
    /// A symbolic link (reported by listings only; `stat` follows links).
    case symlink
    /// Anything else a local file system can hold: a device, a socket, a FIFO (see ``FileInfo/special``).
    case other
}

/// Which special file a path of kind ``FileKind/other`` is, as `mknod(2)` makes them.
public enum SpecialFile: Sendable, Hashable, Codable {
    /// A named pipe.
    case fifo
    /// A UNIX domain socket's name.
    case socket
    /// A character device, with its device number.
    case characterDevice(UInt64)
    /// A block device, with its device number.
    case blockDevice(UInt64)
}

/// The metadata of one path, the same type for every flavor.
public struct FileInfo: Sendable, Hashable, Codable {
    /// The path as the store writes it (`/a/b`, `memory://a/b`, `s3://bucket/key`).
    public var path: String
    /// File, directory, or other.
    public var kind: FileKind
    /// Size in bytes; 0 for directories.
    public var size: UInt64
    /// Last modification time, when the store keeps one.
    public var modified: Date?
    /// The store's entity tag or content checksum (`"md5:…"`, an S3 ETag), when it has one.
    public var etag: String?
    /// POSIX permission bits, when the store keeps them.
    public var permissions: UInt16?
    /// Where a symbolic link points (``kind`` is `.symlink`), as the link holds it; set by `lstat` only.
    public var linkTarget: String?
    /// The owning user id, when the store keeps owners.
    public var owner: UInt32?
    /// The owning group id, when the store keeps owners.
    public var group: UInt32?
    /// Last access time, when the store keeps one.
    public var accessed: Date?
    /// Last change of the metadata (POSIX `ctime`), when the store keeps one.
    public var changed: Date?
    /// How many names the file has (hard links), when the store knows.
    public var links: UInt32?
    /// A number that stays the same for the file's life and differs between files, when the store has one.
    public var inode: UInt64?
    /// What a path of kind ``FileKind/other`` is.
    public var special: SpecialFile?

    /// Creates file metadata.
    public init(
        path: String,
        kind: FileKind,
        size: UInt64,
        modified: Date? = nil,
        etag: String? = nil,
        permissions: UInt16? = nil,
        linkTarget: String? = nil
    ) {
        self.path = path
        self.kind = kind
        self.size = size
        self.modified = modified
        self.etag = etag
        self.permissions = permissions
        self.linkTarget = linkTarget
    }

    /// True for directories.
    public var isDirectory: Bool { kind == .directory }
}

/// One entry of a directory listing: its name and what the listing already told about it, so
/// callers need not `stat` every entry (the slow path of most object-store mounts).
public struct DirectoryEntry: Sendable, Hashable, Codable {
    /// The base name within the listed directory.
    public var name: String
    /// What the entry is; a symlink is reported as such, not followed.
    public var kind: FileKind
    /// Size in bytes when the listing carries it (files), else `nil`.
    public var size: UInt64?
    /// Modification time when the listing carries it.
    public var modified: Date?
    /// The entry's inode number when the listing carries it (a local directory's `d_ino`).
    public var inode: UInt64?
    /// False when the listing could not tell what the entry is and ``kind`` is only a guess: an S3
    /// listing carries no metadata, and a symbolic link or a fifo kept as an object looks like a
    /// small file in it. Ask `lstat` before relying on the kind of such an entry.
    public var kindIsKnown = true

    /// Creates a listing entry.
    public init(name: String, kind: FileKind, size: UInt64? = nil, modified: Date? = nil, inode: UInt64? = nil) {
        self.name = name
        self.kind = kind
        self.size = size
        self.modified = modified
        self.inode = inode
    }

    private enum CodingKeys: String, CodingKey {
        case name, kind, size, modified, inode
    }
}
