/// An artifact store: one storage backend bound to a root, reached through scheme-prefixed paths.
///
/// A flavor implements the primitives (`open`, `stat`, `scandir`, `mkdir`, `rmdir`, `remove`,
/// `rename`, `copyfile`); the rest of the reference framework's operations (`exists`, `isdir`,
/// `listdir`, `makedirs`, `walk`, `glob`, `size`, `rmtree`) have defaults built on them, which a
/// flavor overrides where its backend does better (a recursive listing for `walk`, a batch delete
/// for `rmtree`). Stores are called from many threads at once and must be thread-safe.
///
/// Every method takes paths as the user writes them; ``resolve(_:)`` parses them, checks the
/// scheme and refuses paths outside ``root``. Writing a file creates its missing parent
/// directories, as object stores do, so a step never has to `makedirs` before it writes.
public protocol ArtifactStore: AnyObject, Sendable {
    /// The URI schemes this store serves, with `://` (`"s3://"`); `""` stands for plain local paths.
    var supportedSchemes: Set<String> { get }
    /// The store's root: no path outside it is served.
    var root: ArtifactPath { get }
    /// What the store can do; callers refuse what it cannot before trying.
    var capabilities: ArtifactStoreCapabilities { get }

    /// Parses `path` and checks that this store serves it.
    /// - Throws: ``ArtifactStoreError/Code/invalidPath`` when it is malformed or outside ``root``,
    ///   ``ArtifactStoreError/Code/unsupportedScheme`` when the scheme is not one of ours.
    func resolve(_ path: String) throws -> ArtifactPath

    // MARK: - Primitives

    /// Opens a file for streaming reads or writes.
    /// - Throws: `notFound` (reading a missing file), `isADirectory`, `notADirectory` (a parent is
    ///   a file), `unsupportedOperation` (e.g. append on a store that cannot).
    func open(_ path: String, mode: OpenMode) throws -> any ArtifactFileHandle

    /// The metadata of a file or directory, following symbolic links.
    /// - Throws: `notFound` when nothing is there.
    func stat(_ path: String) throws -> FileInfo

    /// The metadata of a path without following a final symbolic link: a link answers with kind
    /// `.symlink` and its ``FileInfo/linkTarget``, as `lstat(2)` does. The default is ``stat(_:)``,
    /// right for every store that has no links.
    /// - Throws: `notFound` when nothing is there.
    func lstat(_ path: String) throws -> FileInfo

    /// The entries of a directory, with what the listing knows about each.
    /// - Throws: `notFound` for a missing path, `notADirectory` for a file.
    func scandir(_ path: String) throws -> [DirectoryEntry]

    /// Creates one directory; its parent must exist.
    /// - Throws: `alreadyExists`, `notFound` (missing parent), `notADirectory`.
    func mkdir(_ path: String) throws

    /// Removes an empty directory.
    /// - Throws: `directoryNotEmpty`, `notADirectory`, `notFound`.
    func rmdir(_ path: String) throws

    /// Removes a file (or a symbolic link).
    /// - Throws: `isADirectory` for a directory, `notFound`.
    func remove(_ path: String) throws

    /// Moves a file or directory within this store. With `overwrite: false` an existing
    /// destination is refused and both sides are left untouched.
    /// - Throws: `alreadyExists`, `notFound`, `isADirectory`/`notADirectory` for mismatched kinds.
    func rename(_ source: String, _ destination: String, overwrite: Bool) throws

    /// Copies a file within this store. With `overwrite: false` an existing destination is refused.
    /// - Throws: `alreadyExists`, `notFound`, `isADirectory` when the source is a directory.
    func copyfile(_ source: String, _ destination: String, overwrite: Bool) throws

    // MARK: - POSIX metadata (defaults refuse; see ArtifactStore+Metadata.swift)

    /// Sets the permission bits (`chmod`) of a path, not following a final symbolic link.
    /// - Throws: `unsupportedOperation` when the store keeps no modes, `notFound`.
    func setPermissions(_ path: String, _ permissions: UInt16) throws
    /// Sets the owner and/or group (`lchown`); `nil` leaves one as it is.
    /// - Throws: `unsupportedOperation` when the store keeps no owners, `notPermitted`, `notFound`.
    func setOwner(_ path: String, owner: UInt32?, group: UInt32?) throws
    /// Sets the access and modification times (`utimensat` with `AT_SYMLINK_NOFOLLOW`).
    /// - Throws: `unsupportedOperation` when the store cannot set times, `notFound`.
    func setTimes(_ path: String, accessed: TimestampChange, modified: TimestampChange) throws
    /// Creates a symbolic link at `path` holding `target` as given.
    /// - Throws: `unsupportedOperation`, `alreadyExists`, `notFound` (missing parent).
    func symlink(_ target: String, at path: String) throws
    /// Gives the file at `existing` a second name, `path`.
    /// - Throws: `notPermitted` when the store has no hard links, `alreadyExists`, `notFound`.
    func link(_ existing: String, at path: String) throws
    /// Creates a FIFO, socket or device node.
    /// - Throws: `unsupportedOperation`, `notPermitted` (devices without the right), `alreadyExists`.
    func makeSpecialFile(_ path: String, _ type: SpecialFile, permissions: UInt16) throws
    /// The value of an extended attribute.
    /// - Throws: `noSuchAttribute` when it is not set, `unsupportedOperation`, `notFound`.
    func extendedAttribute(_ path: String, name: String) throws -> [UInt8]
    /// Sets an extended attribute; `mode` says whether it must or must not exist already.
    /// - Throws: `alreadyExists`/`noSuchAttribute` against `mode`, `unsupportedOperation`, `notFound`.
    func setExtendedAttribute(_ path: String, name: String, value: [UInt8], mode: AttributeWriteMode) throws
    /// The names of a path's extended attributes.
    /// - Throws: `unsupportedOperation`, `notFound`.
    func extendedAttributeNames(_ path: String) throws -> [String]
    /// Removes an extended attribute.
    /// - Throws: `noSuchAttribute` when it is not set, `unsupportedOperation`, `notFound`.
    func removeExtendedAttribute(_ path: String, name: String) throws
    /// The space the store holds and has free (`statvfs` of a disk); nil when it has no fixed size.
    func capacity() throws -> StoreCapacity?

    // MARK: - Operations with defaults

    /// True when something exists at `path`.
    func exists(_ path: String) throws -> Bool
    /// True when `path` is a directory.
    func isdir(_ path: String) throws -> Bool
    /// The base names in a directory, sorted. Fails on a missing path: never an empty list instead.
    func listdir(_ path: String) throws -> [String]
    /// Creates a directory and its missing parents; an existing directory is fine.
    func makedirs(_ path: String) throws
    /// Removes a directory and everything below it.
    func rmtree(_ path: String) throws
    /// The size of a file, or the sum of the files below a directory.
    func size(_ path: String) throws -> UInt64
    /// The paths matching a pattern with `*`, `?`, `[...]` and `**`, sorted.
    func glob(_ pattern: String) throws -> [String]
    /// Visits a tree as `(dir, subdirs, files)`; see ``WalkEntry``.
    func walk(
        _ top: String,
        topdown: Bool,
        onError: ((ArtifactStoreError) -> Void)?,
        _ visit: (inout WalkEntry) throws -> Void
    ) throws
}

extension ArtifactStore {
    /// Parses the path, then checks scheme and root.
    public func resolve(_ path: String) throws -> ArtifactPath {
        try checkContained(ArtifactPath(parsing: path), original: path)
    }

    /// Checks that an already-parsed path uses one of ``supportedSchemes`` and lies below ``root``.
    public func checkContained(_ parsed: ArtifactPath, original: String) throws -> ArtifactPath {
        guard supportedSchemes.contains(parsed.schemePrefix) else {
            throw ArtifactStoreError(
                .unsupportedScheme,
                path: original,
                "scheme '\(parsed.schemePrefix.isEmpty ? "file://" : parsed.schemePrefix)' is not served by the store at '\(root)' (supported: \(ArtifactPath.describe(schemes: supportedSchemes)))"
            )
        }
        guard root.contains(parsed) else {
            throw ArtifactStoreError(.invalidPath, path: original, "outside the store's root '\(root)'")
        }
        return parsed
    }

    /// Opens a file with a reference-framework mode string (`r`, `rb`, `w`, `wb`, `a`, `ab`).
    public func open(_ path: String, mode: String = "r") throws -> any ArtifactFileHandle {
        try open(path, mode: OpenMode(parsing: mode, path: path))
    }

    /// Copies a file, refusing to overwrite an existing destination.
    public func copyfile(_ source: String, _ destination: String) throws {
        try copyfile(source, destination, overwrite: false)
    }

    /// Moves a file or directory, refusing to overwrite an existing destination.
    public func rename(_ source: String, _ destination: String) throws {
        try rename(source, destination, overwrite: false)
    }

    /// Writes a whole small file at once, replacing it. Stream large content through ``open(_:mode:)``.
    public func write(_ path: String, contents: [UInt8]) throws {
        let handle = try open(path, mode: .write)
        try handle.write(contents)
        try handle.close()
    }

    /// Reads a whole small file at once. Stream large files through ``open(_:mode:)``.
    public func read(_ path: String) throws -> [UInt8] {
        let handle = try open(path, mode: .read)
        defer { try? handle.close() }
        return try handle.readToEnd()
    }

    // MARK: - Defaults

    public func lstat(_ path: String) throws -> FileInfo {
        try stat(path)
    }

    /// Where the symbolic link at `path` points.
    /// - Throws: `invalidArgument` when `path` is not a link, `notFound` when nothing is there.
    public func readlink(_ path: String) throws -> String {
        let info = try lstat(path)
        guard info.kind == .symlink, let target = info.linkTarget else {
            throw ArtifactStoreError(.invalidArgument, path: path, "not a symbolic link")
        }
        return target
    }

    public func exists(_ path: String) throws -> Bool {
        do {
            _ = try stat(path)
            return true
        } catch let error as ArtifactStoreError where error.code == .notFound || error.code == .notADirectory {
            return false
        }
    }

    public func isdir(_ path: String) throws -> Bool {
        do {
            return try stat(path).kind == .directory
        } catch let error as ArtifactStoreError where error.code == .notFound || error.code == .notADirectory {
            return false
        }
    }

    public func listdir(_ path: String) throws -> [String] {
        try scandir(path).map(\.name).sorted()
    }

    public func makedirs(_ path: String) throws {
        let target = try resolve(path)
        var current = root
        for component in root.relativeComponents(of: target) ?? [] {
            current = current.appending(component)
            do {
                try mkdir(current.description)
            } catch let error as ArtifactStoreError where error.code == .alreadyExists {
                guard try stat(current.description).kind == .directory else {
                    throw ArtifactStoreError(.notADirectory, path: path, "'\(current)' is a file, not a directory")
                }
            }
        }
    }

    public func rmtree(_ path: String) throws {
        try Transfer.removeTree(in: self, path)
    }

    public func size(_ path: String) throws -> UInt64 {
        let info = try stat(path)
        guard info.kind == .directory else { return info.size }
        var total: UInt64 = 0
        try walk(path, topdown: true, onError: nil) { entry in
            let dir = try resolve(entry.dir)
            for (name, size) in zip(entry.files, entry.fileSizes) {
                total += try size ?? stat(dir.appending(name).description).size
            }
        }
        return total
    }

    public func glob(_ pattern: String) throws -> [String] {
        try GlobSearch(store: self, pattern: pattern).run()
    }

    public func walk(
        _ top: String,
        topdown: Bool,
        onError: ((ArtifactStoreError) -> Void)?,
        _ visit: (inout WalkEntry) throws -> Void
    ) throws {
        let start = try resolve(top)
        try TreeWalker(store: self, topdown: topdown, onError: onError).walk(start, isTop: true, visit)
    }

    /// Walks a tree and returns every `(dir, subdirs, files)` entry; errors below the top are thrown.
    public func walk(_ top: String, topdown: Bool = true) throws -> [WalkEntry] {
        var entries: [WalkEntry] = []
        try walk(top, topdown: topdown, onError: nil) { entries.append($0) }
        return entries
    }
}
