import CSystemShims

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The built-in `local` flavor: the machine's own file system, for plain paths and `file://` URIs.
///
/// Writes publish atomically (a temporary file renamed into place), copies run in the kernel
/// (`copy_file_range`), and `rename`/`copyfile` without overwrite use `RENAME_NOREPLACE`, so
/// "refuse an existing destination" holds even against a concurrent writer.
public final class LocalArtifactStore: ArtifactStore {
    /// The reference framework's local scheme set: plain paths, plus `file://` URIs.
    public static let schemes: Set<String> = ["", "file://"]

    public let root: ArtifactPath
    public var supportedSchemes: Set<String> { Self.schemes }
    public let capabilities = ArtifactStoreCapabilities(metadata: .posix)

    /// Creates a store serving everything below `root` (default `/`); a relative root is resolved
    /// against the working directory.
    /// - Throws: ``ArtifactStoreError/Code/unsupportedScheme`` when `root` is not a local path.
    public init(root: String = "/") throws {
        self.root = try ArtifactPath(root: root, supportedSchemes: Self.schemes)
    }

    // MARK: - Files

    public func open(_ path: String, mode: OpenMode) throws -> any ArtifactFileHandle {
        let target = try resolve(path)
        let fsPath = target.description
        switch mode {
        case .read:
            let fd = try POSIXCalls.check("open", path: path) {
                POSIXCalls.at(fsPath) { openat($0, $1, O_RDONLY | O_CLOEXEC) }
            }
            var info = Glibc.stat()
            if fstat(fd, &info) == 0, POSIXCalls.kind(of: info.st_mode) == .directory {
                Glibc.close(fd)
                throw ArtifactStoreError(.isADirectory, path: path, "is a directory")
            }
            return LocalFileHandle(path: fsPath, mode: .read, fd: fd, staging: nil)
        case .write:
            // Like open(2), writing through a symbolic link replaces the file it points at.
            let fsPath = Self.resolvingSymlink(fsPath)
            let target = try ArtifactPath(parsing: fsPath)
            let existing = try POSIXCalls.stat(fsPath)
            if let existing, POSIXCalls.kind(of: existing.st_mode) == .directory {
                throw ArtifactStoreError(.isADirectory, path: path, "is a directory")
            }
            try prepareParent(of: target, for: path)
            let (fd, temporary) = try createTemporary(beside: target, for: path)
            if let existing {
                // A rewritten file keeps its owner and mode (fchown only works for root: else it stays ours).
                _ = fchown(fd, existing.st_uid, existing.st_gid)
                fchmod(fd, existing.st_mode & 0o7777)
            }
            return LocalFileHandle(
                path: fsPath,
                mode: .write,
                fd: fd,
                staging: .init(temporary: temporary, destination: fsPath)
            )
        case .append:
            try prepareParent(of: target, for: path)
            let fd = try POSIXCalls.check("open", path: path) {
                POSIXCalls.at(fsPath) { openat($0, $1, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666) }
            }
            return LocalFileHandle(path: fsPath, mode: .append, fd: fd, staging: nil)
        }
    }

    public func stat(_ path: String) throws -> FileInfo {
        let target = try resolve(path)
        guard let info = try POSIXCalls.stat(target.description) else {
            throw ArtifactStoreError(.notFound, path: path, "no such file or directory")
        }
        return POSIXCalls.fileInfo(info, path: target.description)
    }

    public func lstat(_ path: String) throws -> FileInfo {
        let target = try resolve(path).description
        guard let info = try POSIXCalls.stat(target, followLinks: false) else {
            throw ArtifactStoreError(.notFound, path: path, "no such file or directory")
        }
        let kind = POSIXCalls.kind(of: info.st_mode)
        guard kind == .symlink else { return try stat(path) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = POSIXCalls.at(target) { readlinkat($0, $1, &buffer, buffer.count - 1) }
        guard length >= 0 else { throw POSIXCalls.error(errno, call: "readlink", path: path) }
        return POSIXCalls.fileInfo(
            info,
            path: target,
            linkTarget: String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        )
    }

    public func scandir(_ path: String) throws -> [DirectoryEntry] {
        let fsPath = try resolve(path).description
        let fd = POSIXCalls.at(fsPath) { openat($0, $1, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0, let dir = fdopendir(fd) else {
            let failure = errno
            if fd >= 0 { Glibc.close(fd) }
            throw POSIXCalls.error(failure, call: "opendir", path: path)
        }
        defer { closedir(dir) }
        var entries: [DirectoryEntry] = []
        while true {
            errno = 0
            guard let item = readdir(dir) else {
                if errno != 0 { throw POSIXCalls.error(errno, call: "readdir", path: path) }
                return entries
            }
            let name = withUnsafePointer(to: &item.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            let kind: FileKind =
                switch Int32(item.pointee.d_type) {
                case Int32(DT_REG): .file
                case Int32(DT_DIR): .directory
                case Int32(DT_LNK): .symlink
                case Int32(DT_UNKNOWN): lstatKind(dirfd(dir), name)
                default: .other
                }
            entries.append(DirectoryEntry(name: name, kind: kind, inode: UInt64(item.pointee.d_ino)))
        }
    }

    // MARK: - Directories

    public func mkdir(_ path: String) throws {
        let target = try resolve(path)
        do {
            try POSIXCalls.check("mkdir", path: path) { POSIXCalls.at(target.description) { mkdirat($0, $1, 0o777) } }
        } catch let error as ArtifactStoreError where error.code == .notFound {
            throw ArtifactStoreError(
                .notFound,
                path: path,
                "parent directory '\(target.parent)' does not exist",
                cause: error
            )
        }
    }

    /// `mkdir -p`: creates every missing directory on the way, the store's root included (a new
    /// component's folder need not exist before its first write).
    public func makedirs(_ path: String) throws {
        let target = try resolve(path)
        var current = ArtifactPath(scheme: target.scheme, components: [])
        for component in target.components {
            current = current.appending(component)
            if POSIXCalls.at(current.description, { mkdirat($0, $1, 0o777) }) == 0 || errno == EEXIST {
                if let info = try POSIXCalls.stat(current.description), POSIXCalls.kind(of: info.st_mode) != .directory
                {
                    throw ArtifactStoreError(.notADirectory, path: path, "'\(current)' is a file, not a directory")
                }
                continue
            }
            throw POSIXCalls.error(errno, call: "mkdir", path: path)
        }
    }

    public func rmdir(_ path: String) throws {
        let target = try resolve(path)
        try Transfer.refuseRoot(of: self, target, path)
        if POSIXCalls.at(target.description, { unlinkat($0, $1, AT_REMOVEDIR) }) != 0 {
            // Linux says EEXIST or ENOTEMPTY for a directory with entries.
            if errno == EEXIST { throw ArtifactStoreError(.directoryNotEmpty, path: path, "directory not empty") }
            throw POSIXCalls.error(errno, call: "rmdir", path: path)
        }
    }

    // MARK: - Removing, moving, copying

    public func remove(_ path: String) throws {
        let target = try resolve(path)
        if POSIXCalls.at(target.description, { unlinkat($0, $1, 0) }) != 0 {
            throw POSIXCalls.error(errno, call: "unlink", path: path)
        }
    }

    public func rename(_ source: String, _ destination: String, overwrite: Bool) throws {
        let from = try resolve(source)
        let to = try resolve(destination)
        guard let info = try POSIXCalls.stat(from.description, followLinks: false) else {
            throw ArtifactStoreError(.notFound, path: source, "no such file or directory")
        }
        if from == to { return }
        let isDirectory = POSIXCalls.kind(of: info.st_mode) == .directory
        if isDirectory, from.contains(to) {
            throw ArtifactStoreError(.invalidPath, path: destination, "cannot move directory '\(from)' into itself")
        }
        try prepareParent(of: to, for: destination)
        switch Self.move(from.description, to: to.description, overwrite: overwrite) {
        case 0:
            return
        case EEXIST:
            throw ArtifactStoreError(.alreadyExists, path: destination, "destination exists (overwrite not requested)")
        case EXDEV:
            // Another file system under the same root: copy, then remove the source once the copy is complete.
            try Transfer.move(from: self, source, to: self, destination, overwrite: overwrite)
        case let code:
            throw POSIXCalls.error(code, call: "rename", path: code == ENOENT ? source : destination)
        }
    }

    public func copyfile(_ source: String, _ destination: String, overwrite: Bool) throws {
        let from = try resolve(source)
        let to = try resolve(destination)
        let input = try POSIXCalls.check("open", path: source) {
            POSIXCalls.at(from.description) { openat($0, $1, O_RDONLY | O_CLOEXEC) }
        }
        defer { Glibc.close(input) }
        var info = Glibc.stat()
        try POSIXCalls.check("fstat", path: source) { fstat(input, &info) }
        if POSIXCalls.kind(of: info.st_mode) == .directory {
            throw ArtifactStoreError(
                .isADirectory,
                path: source,
                "is a directory (copy a tree with copytree or `cp -r`)"
            )
        }
        if let existing = try POSIXCalls.stat(to.description) {
            if POSIXCalls.kind(of: existing.st_mode) == .directory {
                throw ArtifactStoreError(.isADirectory, path: destination, "destination is a directory")
            }
            if !overwrite {
                throw ArtifactStoreError(
                    .alreadyExists,
                    path: destination,
                    "destination exists (overwrite not requested)"
                )
            }
            if existing.st_dev == info.st_dev, existing.st_ino == info.st_ino { return }
        }
        try prepareParent(of: to, for: destination)
        let (output, temporary) = try createTemporary(beside: to, for: destination)
        do {
            fchmod(output, info.st_mode & 0o7777)
            try copyContents(from: input, to: output, source: source)
            try POSIXCalls.check("close", path: destination) { Glibc.close(output) }
            switch Self.move(temporary, to: to.description, overwrite: overwrite) {
            case 0: break
            case EEXIST:
                throw ArtifactStoreError(
                    .alreadyExists,
                    path: destination,
                    "destination exists (overwrite not requested)"
                )
            case let code: throw POSIXCalls.error(code, call: "rename", path: destination)
            }
        } catch {
            Glibc.close(output)
            _ = POSIXCalls.at(temporary) { unlinkat($0, $1, 0) }
            throw error
        }
    }

    // MARK: - Helpers

    /// Renames `from` to `to`; without `overwrite`, an existing `to` is refused atomically through
    /// `RENAME_NOREPLACE`, or by a check just before renaming on file systems without it.
    /// - Returns: 0, or the errno of the failure (`EEXIST` for a refused destination).
    private static func move(_ from: String, to: String, overwrite: Bool) -> Int32 {
        let renamed = POSIXCalls.at(from) { fromDirectory, fromName in
            POSIXCalls.at(to) { afs_renameat(fromDirectory, fromName, $0, $1, overwrite ? 0 : 1) }
        }
        if renamed == 0 { return 0 }
        if overwrite { return errno }
        guard errno == EINVAL || errno == ENOSYS else { return errno }
        var info = Glibc.stat()
        if fstatat(AT_FDCWD, to, &info, AT_SYMLINK_NOFOLLOW) == 0 { return EEXIST }
        return Glibc.rename(from, to) == 0 ? 0 : errno
    }

    /// Copies in the kernel when it can, else through a 1 MiB buffer.
    private func copyContents(from input: Int32, to output: Int32, source: String) throws {
        while true {
            let copied = afs_copy_file_range(input, output, 1 << 30)
            if copied > 0 { continue }
            if copied == 0 { return }
            if errno == EINTR { continue }
            if errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP { break }
            throw POSIXCalls.error(errno, call: "copy_file_range", path: source)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let got = try POSIXCalls.check("read", path: source) { Glibc.read(input, buffer.baseAddress, buffer.count) }
            if got == 0 { return }
            try POSIXCalls.writeAll(output, UnsafeRawBufferPointer(rebasing: buffer[..<got]), offset: nil, path: source)
        }
    }

    /// Makes sure the parent of `target` is a directory, creating missing ones.
    private func prepareParent(of target: ArtifactPath, for path: String) throws {
        if let info = try POSIXCalls.stat(target.parent.description), POSIXCalls.kind(of: info.st_mode) == .directory {
            return
        }
        try makedirs(target.parent.description)
    }

    /// Creates a hidden, uniquely named file in the destination's directory, so the final
    /// rename never crosses a file system.
    private func createTemporary(beside target: ArtifactPath, for path: String) throws -> (Int32, String) {
        let stem = String(target.name.utf8.prefix(200)) ?? "artifact"
        while true {
            let candidate = target.parent.appending(
                ".\(stem).\(String(UInt64.random(in: 0...UInt64.max), radix: 36)).afs-tmp"
            )
            let fd = POSIXCalls.at(candidate.description) {
                openat($0, $1, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            }
            if fd >= 0 { return (fd, candidate.description) }
            if errno == EEXIST || errno == EINTR { continue }
            throw POSIXCalls.error(errno, call: "open", path: path)
        }
    }

    /// The file a symbolic link points at, or `path` itself when it is no link (or a dangling one).
    private static func resolvingSymlink(_ path: String) -> String {
        var info = Glibc.stat()
        guard fstatat(AT_FDCWD, path, &info, AT_SYMLINK_NOFOLLOW) == 0, POSIXCalls.kind(of: info.st_mode) == .symlink,
            let resolved = realpath(path, nil)
        else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private func lstatKind(_ dirFD: Int32, _ name: String) -> FileKind {
        var info = Glibc.stat()
        guard fstatat(dirFD, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else { return .other }
        return POSIXCalls.kind(of: info.st_mode)
    }
}
