import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin helpers over the POSIX calls the local store makes: they retry on `EINTR` and turn a
/// failure into an ``ArtifactStoreError`` naming the path.
enum POSIXCalls {
    /// Maps an errno from `call` on `path` to the matching error code and a readable reason.
    static func error(_ errno: Int32, call: String, path: String) -> ArtifactStoreError {
        let cause = SystemCallError(call: call, errno: errno)
        let (code, reason): (ArtifactStoreError.Code, String) =
            switch errno {
            case ENOENT: (.notFound, "no such file or directory")
            case EEXIST: (.alreadyExists, "already exists")
            case ENOTDIR: (.notADirectory, "not a directory (or a parent is a file)")
            case EISDIR: (.isADirectory, "is a directory")
            case ENOTEMPTY: (.directoryNotEmpty, "directory not empty")
            case EACCES: (.permissionDenied, "permission denied")
            case EPERM: (.notPermitted, "operation not permitted")
            case EROFS: (.readOnly, "read-only file system")
            case ENAMETOOLONG: (.nameTooLong, "name too long")
            case ENODATA: (.noSuchAttribute, "no such extended attribute")
            case EINVAL: (.invalidArgument, "invalid argument to \(call)")
            case ENOTSUP: (.unsupportedOperation, "operation not supported by the file system")
            default: (.io, "\(call) failed: \(String(cString: strerror(errno)))")
            }
        return ArtifactStoreError(code, path: path, reason, cause: cause)
    }

    /// Runs a call that returns -1 on failure, retrying on `EINTR`.
    @discardableResult
    static func check<T: BinaryInteger>(_ call: String, path: String, _ body: () -> T) throws -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            if errno == EINTR { continue }
            throw error(errno, call: call, path: path)
        }
    }

    /// Calls `body` with a directory descriptor and a name that reach `path`: `AT_FDCWD` and the
    /// path itself, or, for a path of `PATH_MAX` bytes or more (a deep tree below a long root,
    /// which the kernel refuses whole), its parent opened a piece at a time and its last name.
    /// Returns -1 with `errno` set when the parent cannot be opened.
    static func at<T: BinaryInteger>(_ path: String, _ body: (Int32, String) -> T) -> T {
        guard path.utf8.count >= Int(PATH_MAX) else { return body(AT_FDCWD, path) }
        let names = path.split(separator: "/", omittingEmptySubsequences: true)
        guard let last = names.last, var directory = Optional(Glibc.open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)),
            directory >= 0
        else { return -1 }
        var start = names.startIndex
        while start < names.index(before: names.endIndex) {
            var end = start
            var length = 0
            while end < names.index(before: names.endIndex), length + names[end].utf8.count + 1 < Int(PATH_MAX) {
                length += names[end].utf8.count + 1
                end += 1
            }
            guard end > start else {
                Glibc.close(directory)
                errno = ENAMETOOLONG
                return -1
            }
            let piece = names[start..<end].joined(separator: "/")
            let next = openat(directory, piece, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            let failure = errno
            Glibc.close(directory)
            guard next >= 0 else {
                errno = failure
                return -1
            }
            directory = next
            start = end
        }
        let result = body(directory, String(last))
        let failure = errno
        Glibc.close(directory)
        errno = failure
        return result
    }

    /// `stat(2)` (following links) or `lstat(2)`; nil when the path does not exist.
    static func stat(_ path: String, followLinks: Bool = true) throws -> Glibc.stat? {
        var info = Glibc.stat()
        let result = at(path) { directory, name in
            fstatat(directory, name, &info, followLinks ? 0 : AT_SYMLINK_NOFOLLOW)
        }
        if result == 0 { return info }
        if errno == ENOENT { return nil }
        throw error(errno, call: followLinks ? "stat" : "lstat", path: path)
    }

    /// The kind a `st_mode` describes.
    static func kind(of mode: mode_t) -> FileKind {
        switch mode & S_IFMT {
        case S_IFREG: .file
        case S_IFDIR: .directory
        case S_IFLNK: .symlink
        default: .other
        }
    }

    /// The modification time of a `stat` result.
    static func modified(_ info: Glibc.stat) -> Date {
        POSIXTime.date(info.st_mtim)
    }

    /// Everything a `stat` result says, as the store's metadata of `path`.
    static func fileInfo(_ info: Glibc.stat, path: String, linkTarget: String? = nil) -> FileInfo {
        let kind = kind(of: info.st_mode)
        var result = FileInfo(
            path: path,
            kind: kind,
            size: kind == .directory ? 0 : UInt64(info.st_size),
            modified: modified(info),
            permissions: UInt16(info.st_mode & 0o7777),
            linkTarget: linkTarget
        )
        result.owner = info.st_uid
        result.group = info.st_gid
        result.accessed = POSIXTime.date(info.st_atim)
        result.changed = POSIXTime.date(info.st_ctim)
        result.links = UInt32(truncatingIfNeeded: info.st_nlink)
        result.inode = UInt64(info.st_ino)
        if kind == .other {
            result.special =
                switch info.st_mode & S_IFMT {
                case S_IFIFO: .fifo
                case S_IFSOCK: .socket
                case S_IFCHR: .characterDevice(UInt64(info.st_rdev))
                default: .blockDevice(UInt64(info.st_rdev))
                }
        }
        return result
    }

    /// Writes the whole buffer to `fd` at `offset` (or at the descriptor's position when nil).
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, offset: UInt64?, path: String) throws {
        var done = 0
        while done < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[done...])
            let wrote = try check("write", path: path) {
                if let offset {
                    pwrite(fd, rest.baseAddress, rest.count, off_t(offset) + off_t(done))
                } else {
                    Glibc.write(fd, rest.baseAddress, rest.count)
                }
            }
            done += wrote
        }
    }
}
