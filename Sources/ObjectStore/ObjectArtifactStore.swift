import CurlHTTP
import FileIO
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An artifact store over an object service (S3, Cloud Storage, Azure Blob): objects in one
/// bucket or container, below an optional prefix; each flavor brings only its protocol, an
/// ``ObjectBackend`` its ``ObjectStoreConfiguration`` makes.
///
/// Directories are key prefixes, as in every mature object-store file layer: a directory exists
/// while some key lies below it, and `mkdir`/`makedirs` write a zero-byte marker `dir/` so an empty
/// directory exists too (directories without markers, made by other tools, read the same). Files
/// appear only when their write handle closes (one request, or an upload in parts completed at
/// close and aborted on failure). `rename` is copy-then-delete, so it is not atomic.
///
/// Where the service keeps them (``ObjectBackend/keepsAttributes``), objects carry their POSIX
/// attributes in s3fs-fuse's metadata fields (see ``POSIXAttributes``), symbolic links are objects
/// whose body is the target, and a directory's attributes live in a hidden empty object below
/// it, ``directoryAttributesName`` (and in its marker, where the server keeps a marker's
/// metadata); see `ObjectArtifactStore+Attributes.swift`.
public final class ObjectArtifactStore<Configuration: ObjectStoreConfiguration>: ArtifactStore {
    public let root: ArtifactPath
    public let supportedSchemes: Set<String>
    public var capabilities: ArtifactStoreCapabilities {
        ArtifactStoreCapabilities(
            append: false,
            randomWrite: false,
            atomicRename: false,
            serverSideCopy: true,
            emptyDirectories: true,
            metadata: backend.keepsAttributes
                ? [.permissions, .ownership, .timestamps, .symbolicLinks, .specialFiles] : []
        )
    }
    /// The bucket or container every path of this store lives in.
    public var bucket: String { backend.container }
    /// The protocol of the service.
    public let backend: any ObjectBackend

    /// How many of an object's first bytes opening it for reading fetches with its metadata: a
    /// small file arrives whole in that one request, a large one costs a little more than a HEAD.
    static var leadingBytes: Int { 256 << 10 }

    /// Prefixes this process saw as directories; a write below them skips the "is a parent a
    /// file?" HEADs. Anything removed or written over is dropped from it.
    let knownDirectories = Mutex<Set<String>>([])

    /// Creates a store rooted at the configuration's root (`scheme://container[/prefix]`) over the
    /// backend it makes for the root's container. Nothing is sent until the first operation.
    /// - Throws: ``FileIO/ArtifactStoreError`` when the root is malformed or names no bucket or
    ///   container, or the configuration cannot make a backend (a malformed endpoint).
    public init(configuration: Configuration) throws {
        root = try ArtifactPath(
            root: configuration.root,
            supportedSchemes: Configuration.schemes,
            keepEmptyComponents: true
        )
        guard let first = root.components.first, let backend = try configuration.makeBackend(rootComponent: first)
        else {
            throw ArtifactStoreError(.invalidPath, path: configuration.root, Configuration.rootRequirement)
        }
        supportedSchemes = Configuration.schemes
        self.backend = backend
    }

    public func resolve(_ path: String) throws -> ArtifactPath {
        try checkContained(ArtifactPath(parsing: path, keepEmptyComponents: true), original: path)
    }

    // MARK: - Files

    public func open(_ path: String, mode: OpenMode) throws -> any ArtifactFileHandle {
        let target = try resolve(path)
        let key = Self.key(of: target)
        switch mode {
        case .append:
            throw ArtifactStoreError(
                .unsupportedOperation,
                path: path,
                "\(backend.serviceName) objects cannot be appended to (open with 'w' to replace)"
            )
        case .read:
            guard !key.isEmpty, let opening = try backend.open(key, leading: Self.leadingBytes, path: path) else {
                if try key.isEmpty || hasChildren(key, path: path) {
                    throw ArtifactStoreError(.isADirectory, path: path, "is a directory")
                }
                throw ArtifactStoreError(.notFound, path: path, "no such file")
            }
            if opening.info.attributes?.kind == .symlink {
                return try open(followLinks(path).description, mode: .read)
            }
            return ObjectReadHandle(
                backend: backend,
                path: path,
                key: key,
                opening: opening,
                info: try fileInfo(opening.info, target: target, path: path)
            )
        case .write:
            return try openWrite(target, key: key, path: path, listedAbsent: false)
        }
    }

    /// Opens for writing. Told a listing just found nothing at `path`, it sends no request before
    /// the upload: no check for a directory of that name (the listing had none), no look for the
    /// mode and owner a rewrite keeps (a new file gets 0644 and the mount's owner); ancestors are
    /// still checked where this store has not seen them as directories.
    private func openWrite(
        _ target: ArtifactPath,
        key: String,
        path: String,
        listedAbsent: Bool
    ) throws -> any ArtifactFileHandle {
        try checkName(target, path: path)
        if listedAbsent {
            if key.isEmpty || target == root { throw ArtifactStoreError(.isADirectory, path: path, "is a directory") }
            try checkAncestors(of: target, path: path)
        } else {
            try prepareWrite(target, path: path)
        }
        guard backend.keepsAttributes else { return ObjectWriteHandle(store: self, path: path, key: key) }
        let existing = listedAbsent ? nil : try backend.head(key, path: path)?.attributes
        if existing?.kind == .symlink { return try open(followLinks(path).description, mode: .write) }
        return ObjectWriteHandle(
            store: self,
            path: path,
            key: key,
            attributes: existing ?? .new(UInt32(S_IFREG), permissions: 0o644)
        )
    }

    /// The metadata of a path, following symbolic links (up to 40, as Linux does).
    public func stat(_ path: String) throws -> FileInfo {
        let info = try lstat(path)
        guard info.kind == .symlink else { return info }
        var followed = try lstat(followLinks(path).description)
        followed.path = info.path
        return followed
    }

    public func lstat(_ path: String) throws -> FileInfo {
        let target = try resolve(path)
        let key = Self.key(of: target)
        if key.isEmpty {
            _ = try backend.list(prefix: "", delimiter: "/", maxKeys: 1, token: nil, path: path)
            return try directoryInfo(target, key: key, marker: false, path: path)
        }
        if let object = try backend.head(key, path: path) {
            return try fileInfo(object, target: target, path: path)
        }
        let below = try backend.list(prefix: key + "/", delimiter: nil, maxKeys: 1, token: nil, path: path)
        return try folderInfo(target, key: key, below: below, path: path)
    }

    /// What a path that is no object is: a folder when a key lies below it (`below` lists one
    /// key under `key/`) or when it is the root, else nothing.
    private func folderInfo(_ target: ArtifactPath, key: String, below: ObjectListPage, path: String) throws -> FileInfo
    {
        if target == root || !below.objects.isEmpty || !below.prefixes.isEmpty {
            return try directoryInfo(target, key: key, marker: below.objects.first?.key == key + "/", path: path)
        }
        throw ArtifactStoreError(.notFound, path: path, "no such file or directory")
    }

    public func scandir(_ path: String) throws -> [DirectoryEntry] {
        let target = try resolve(path)
        let key = Self.key(of: target)
        let prefix = key.isEmpty ? "" : key + "/"
        var entries: [DirectoryEntry] = []
        var sawAnything = false
        try backend.listAll(prefix: prefix, delimiter: "/", path: path) { page in
            for object in page.objects {
                sawAnything = true
                let name = String(object.key.dropFirst(prefix.count))
                if !name.isEmpty, name != Self.directoryAttributesName {
                    entries.append(entry(name, object))
                }
            }
            for common in page.prefixes {
                sawAnything = true
                let name = String(common.dropFirst(prefix.count).dropLast())
                if !name.isEmpty { entries.append(DirectoryEntry(name: name, kind: .directory)) }
            }
            return true
        }
        if !sawAnything, !key.isEmpty, target != root {
            if try backend.head(key, path: path) != nil {
                throw ArtifactStoreError(.notADirectory, path: path, "not a directory")
            }
            throw ArtifactStoreError(.notFound, path: path, "no such directory")
        }
        remember(directoriesAbove: target, including: true)
        knownDirectories.withLock { known in
            for entry in entries where entry.kind == .directory { known.insert(prefix + entry.name) }
        }
        return entries
    }

    /// The listing entry of an object: a link or a special file where its listed attributes say
    /// so. Without them the kind is known only for objects of `PATH_MAX` bytes or more, since a
    /// link's target is shorter and a special file is empty.
    private func entry(_ name: String, _ object: ObjectInfo) -> DirectoryEntry {
        var entry = DirectoryEntry(
            name: name,
            kind: object.attributes?.kind ?? .file,
            size: object.size,
            modified: object.attributes?.modified ?? object.modified
        )
        entry.kindIsKnown = !backend.keepsAttributes || backend.listsAttributes || object.size >= UInt64(PATH_MAX)
        return entry
    }

    public func remove(_ path: String) throws {
        let target = try resolve(path)
        let key = Self.key(of: target)
        guard !key.isEmpty, try backend.head(key, path: path) != nil else {
            if try key.isEmpty || hasChildren(key, path: path) {
                throw ArtifactStoreError(.isADirectory, path: path, "is a directory (remove it with rmtree)")
            }
            throw ArtifactStoreError(.notFound, path: path, "no such file")
        }
        try backend.delete(key, path: path)
    }

    // MARK: - Directories

    public func mkdir(_ path: String) throws {
        let target = try resolve(path)
        let key = Self.key(of: target)
        if try key.isEmpty || target == root || exists(path) {
            throw ArtifactStoreError(.alreadyExists, path: path, "already exists")
        }
        if target.parent != root, Self.key(of: target.parent).count > 0 {
            let parent = try? stat(target.parent.description)
            guard let parent else {
                throw ArtifactStoreError(.notFound, path: path, "the parent directory does not exist")
            }
            guard parent.kind == .directory else {
                throw ArtifactStoreError(.notADirectory, path: path, "'\(target.parent)' is a file, not a directory")
            }
        }
        try checkName(target, path: path)
        // Create-only, so of two concurrent mkdirs exactly one succeeds.
        try [UInt8]().withUnsafeBytes {
            try backend.create(key + "/", body: $0, attributes: newDirectoryAttributes, path: path)
        }
        remember(directoriesAbove: target, including: true)
    }

    /// Checks that no level is a file, then writes one marker for the deepest directory.
    public func makedirs(_ path: String) throws {
        let target = try resolve(path)
        let key = Self.key(of: target)
        guard !key.isEmpty, target != root else { return }
        try checkAncestors(of: target, path: path)
        if try backend.head(key, path: path) != nil {
            throw ArtifactStoreError(.notADirectory, path: path, "'\(target)' is a file, not a directory")
        }
        if try !hasChildren(key, path: path) { try putMarker(key, path: path) }
        remember(directoriesAbove: target, including: true)
    }

    public func rmdir(_ path: String) throws {
        let target = try resolve(path)
        let key = Self.key(of: target)
        guard !key.isEmpty, target != root else {
            throw ArtifactStoreError(.invalidPath, path: path, "the store's root cannot be removed")
        }
        let own: Set = [key + "/", Self.attributesKey(of: key)]
        let page = try backend.list(prefix: key + "/", delimiter: nil, maxKeys: 3, token: nil, path: path)
        if page.objects.contains(where: { !own.contains($0.key) }) || !page.prefixes.isEmpty {
            throw ArtifactStoreError(.directoryNotEmpty, path: path, "directory not empty")
        }
        if page.objects.isEmpty {
            if try backend.head(key, path: path) != nil {
                throw ArtifactStoreError(.notADirectory, path: path, "not a directory")
            }
            // A directory this process saw, emptied since: a server that keeps implied folders
            // (SeaweedFS) drops one with its last key, so it is already gone, as asked.
            let wasSeen = knownDirectories.withLock { $0.contains(key) }
            forget(prefix: key)
            guard wasSeen else { throw ArtifactStoreError(.notFound, path: path, "no such directory") }
            return
        }
        forget(prefix: key)
        if page.objects.contains(where: { $0.key == Self.attributesKey(of: key) }) {
            try backend.delete(Self.attributesKey(of: key), path: path)
        }
        try backend.delete(key + "/", path: path)
    }

    /// Lists every key below the directory (one recursive listing) and deletes them in batches of 1,000.
    public func rmtree(_ path: String) throws {
        let target = try resolve(path)
        let key = Self.key(of: target)
        guard !key.isEmpty, target != root else {
            throw ArtifactStoreError(.invalidPath, path: path, "refusing to remove the store's root '\(root)'")
        }
        guard try stat(path).kind == .directory else {
            throw ArtifactStoreError(.notADirectory, path: path, "not a directory (remove a file with remove)")
        }
        forget(prefix: key)
        try deleteTree(allKeys(below: key + "/", path: path), path: path)
    }

    /// One recursive listing of the whole tree instead of one listing per directory (what makes
    /// `find`, `size` and `glob("**")` fast on object stores); the visits then run in memory, in
    /// the same order and with the same pruning as the default walk. The listing succeeds or fails
    /// as a whole, so `onError` is never called below the top.
    public func walk(
        _ top: String,
        topdown: Bool,
        onError: ((ArtifactStoreError) -> Void)?,
        _ visit: (inout WalkEntry) throws -> Void
    ) throws {
        let start = try resolve(top)
        let key = Self.key(of: start)
        let prefix = key.isEmpty ? "" : key + "/"
        let tree = WalkNode()
        var sawAnything = false
        try backend.listAll(prefix: prefix, delimiter: nil, path: top) { page in
            for object in page.objects {
                sawAnything = true
                var node = tree
                let parts = object.key.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
                for directory in parts.dropLast() where !directory.isEmpty {
                    node = node.child(String(directory))
                }
                if let name = parts.last, !name.isEmpty, name != Self.directoryAttributesName {
                    node.files.append((String(name), object.size))
                }
            }
            return true
        }
        if !sawAnything { _ = try scandir(top) }
        try tree.visit(start, topdown: topdown, visit)
    }

    // MARK: - Copies and moves

    public func copyfile(_ source: String, _ destination: String, overwrite: Bool) throws {
        let from = try resolve(source)
        let to = try resolve(destination)
        let (info, destinationFree) = try probeFileTransfer(source, to: to, as: destination, overwrite: overwrite)
        guard info.kind != .directory else {
            throw ArtifactStoreError(
                .isADirectory,
                path: source,
                "is a directory (copy a tree with copyTree or `cp -r`)"
            )
        }
        try destinationFree.get()
        try backend.copy(
            from: Self.key(of: from),
            version: info.etag,
            to: Self.key(of: to),
            size: info.size,
            exclusive: !overwrite,
            path: destination
        )
    }

    public func rename(_ source: String, _ destination: String, overwrite: Bool) throws {
        let from = try resolve(source)
        let to = try resolve(destination)
        let (info, destinationFree) = try probeFileTransfer(source, to: to, as: destination, overwrite: overwrite)
        let sourceKey = Self.key(of: from)
        let destinationKey = Self.key(of: to)
        if info.kind != .directory {
            try destinationFree.get()
            try backend.copy(
                from: sourceKey,
                version: info.etag,
                to: destinationKey,
                size: info.size,
                exclusive: !overwrite,
                path: destination
            )
            // Only the version that was copied is deleted: a source replaced meanwhile is a new file, kept.
            if let version = info.etag {
                _ = try backend.delete(sourceKey, version: version, path: source)
            } else {
                try backend.delete(sourceKey, path: source)
            }
            return
        }
        guard !from.contains(to), !sourceKey.isEmpty, from != root else {
            throw ArtifactStoreError(.invalidPath, path: destination, "cannot move directory '\(from)' into itself")
        }
        if let existing = try? lstat(destination) {
            guard existing.kind == .directory else {
                throw ArtifactStoreError(.notADirectory, path: destination, "cannot replace a file with a directory")
            }
            guard overwrite else { throw ArtifactStoreError(.alreadyExists, path: destination, "already exists") }
            guard try scandir(destination).isEmpty else {
                throw ArtifactStoreError(.directoryNotEmpty, path: destination, "cannot replace a non-empty directory")
            }
        }
        try checkAncestors(of: to, path: destination)
        let objects = try allObjects(below: sourceKey + "/", path: source)
        let sourcePrefix = sourceKey + "/"
        let destinationPrefix = destinationKey + "/"
        try Parallel.forEach(objects.count, concurrency: backend.concurrency) { [self] index in
            let object = objects[index]
            let target = destinationPrefix + object.key.dropFirst(sourcePrefix.count)
            if object.key.hasSuffix("/"), object.size == 0 {
                // A directory marker: some servers (SeaweedFS) keep it as a folder, not a copyable object.
                try putMarker(String(target.dropLast()), path: destination)
            } else {
                try backend.copy(
                    from: object.key,
                    version: object.version,
                    to: target,
                    size: object.size,
                    exclusive: false,
                    path: destination
                )
            }
        }
        forget(prefix: sourceKey)
        try deleteTree(objects.map(\.key), path: source)
    }

    // MARK: - Internals

    /// The object key of a path: the components after the bucket.
    static func key(of path: ArtifactPath) -> String {
        path.components.dropFirst().joined(separator: "/")
    }

    /// True when at least one key lies below `key/` (a directory, with or without a marker).
    func hasChildren(_ key: String, path: String) throws -> Bool {
        let page = try backend.list(
            prefix: key.isEmpty ? "" : key + "/",
            delimiter: nil,
            maxKeys: 1,
            token: nil,
            path: path
        )
        return !page.objects.isEmpty || !page.prefixes.isEmpty
    }

    /// Refuses to write a file where a directory is or below a file.
    private func prepareWrite(_ target: ArtifactPath, path: String) throws {
        let key = Self.key(of: target)
        if try key.isEmpty || target == root || hasChildren(key, path: path) {
            throw ArtifactStoreError(.isADirectory, path: path, "is a directory")
        }
        try checkAncestors(of: target, path: path)
    }

    /// Fails with `notADirectory` when a level above `target` (below the bucket) is a file.
    func checkAncestors(of target: ArtifactPath, path: String) throws {
        let known = knownDirectories.withLock { $0 }
        var level = target.components.count - 1
        while level >= 2 {
            let ancestor = ArtifactPath(scheme: target.scheme, components: Array(target.components[..<level]))
            let key = Self.key(of: ancestor)
            if known.contains(key) { return }
            if try backend.head(key, path: path) != nil {
                throw ArtifactStoreError(.notADirectory, path: path, "'\(ancestor)' is a file, not a directory")
            }
            level -= 1
        }
    }

    /// Called once a file is published: its parents are directories, and it is not one.
    func published(_ key: String, path: String) {
        guard let target = try? resolve(path) else { return }
        remember(directoriesAbove: target, including: false)
        knownDirectories.withLock { _ = $0.remove(key) }
    }

    func remember(directoriesAbove target: ArtifactPath, including: Bool) {
        knownDirectories.withLock { known in
            var level = including ? target.components.count : target.components.count - 1
            while level >= 2 {
                known.insert(target.components[1..<level].joined(separator: "/"))
                level -= 1
            }
        }
    }

    private func forget(prefix key: String) {
        knownDirectories.withLock { known in known = known.filter { $0 != key && !$0.hasPrefix(key + "/") } }
    }

    /// Deletes the keys of a tree, its directory markers last and deepest first: a server that
    /// keeps directories as folders (SeaweedFS) does not remove one that still holds keys, and would
    /// leave it behind, empty, listed but gone for `rmdir`.
    private func deleteTree(_ keys: [String], path: String) throws {
        let markers = keys.filter { $0.hasSuffix("/") }.sorted { $0.count > $1.count }
        for batch in [keys.filter { !$0.hasSuffix("/") }, markers] where !batch.isEmpty {
            try backend.deleteAll(batch, path: path)
        }
    }

    private func putMarker(_ key: String, path: String) throws {
        try [UInt8]().withUnsafeBytes {
            try backend.put(key + "/", body: $0, attributes: newDirectoryAttributes, path: path)
        }
    }

    /// Refuses an existing destination without `overwrite`, and a directory as a file's destination.
    private func checkDestination(_ target: ArtifactPath, path: String, overwrite: Bool) throws {
        let key = Self.key(of: target)
        guard !key.isEmpty else { throw ArtifactStoreError(.isADirectory, path: path, "is a directory") }
        if !overwrite, try backend.head(key, path: path) != nil {
            throw ArtifactStoreError(.alreadyExists, path: path, "already exists (pass overwrite to replace it)")
        }
    }

    /// What a copy or rename of a file needs to know before it starts, asked at once: the source's
    /// metadata and whether `target` (the path `destination`) may take a file (nothing there, or a
    /// file when `overwrite`). That second answer only matters when the source is a file, so it is
    /// handed back for the caller to check.
    /// - Throws: the source's lookup error, or `invalidPath` for a name the store keeps for itself.
    private func probeFileTransfer(
        _ source: String,
        to target: ArtifactPath,
        as destination: String,
        overwrite: Bool
    ) throws -> (FileInfo, destinationFree: Result<Void, any Error>) {
        let (info, free) = Parallel.both({ try lstat(source) }) { [self] in
            try checkDestination(target, path: destination, overwrite: overwrite)
            try prepareWrite(target, path: destination)
        }
        let found = try info.get()
        try checkName(target, path: destination)
        return (found, free)
    }

    private func allObjects(below prefix: String, path: String) throws -> [ObjectInfo] {
        var objects: [ObjectInfo] = []
        try backend.listAll(prefix: prefix, delimiter: nil, path: path) { page in
            objects += page.objects
            return true
        }
        return objects
    }

    private func allKeys(below prefix: String, path: String) throws -> [String] {
        try allObjects(below: prefix, path: path).map(\.key)
    }
}

extension ObjectArtifactStore: ParallelLookup {
    public func lstatAtOnce(_ path: String) throws -> FileInfo {
        let target = try resolve(path)
        let key = Self.key(of: target)
        guard !key.isEmpty else { return try lstat(path) }
        let (object, below) = Parallel.both({ try backend.head(key, path: path) }) { [backend] in
            try backend.list(prefix: key + "/", delimiter: nil, maxKeys: 1, token: nil, path: path)
        }
        if let object = try object.get() { return try fileInfo(object, target: target, path: path) }
        return try folderInfo(target, key: key, below: try below.get(), path: path)
    }

    public func lstatListed(_ paths: [String]) -> [FileInfo?] {
        let found = Mutex([FileInfo?](repeating: nil, count: paths.count))
        try? Parallel.forEach(paths.count, concurrency: backend.concurrency) { [self] index in
            let info = try? lstat(paths[index])
            found.withLock { $0[index] = info }
        }
        return found.withLock { $0 }
    }
}

extension ObjectArtifactStore: ListedAbsentWriting {
    public func openForWrite(listedAbsent path: String) throws -> any ArtifactFileHandle {
        let target = try resolve(path)
        return try openWrite(target, key: Self.key(of: target), path: path, listedAbsent: true)
    }
}

extension ObjectArtifactStore: CrossStoreCopying {
    /// Copies from another store of the same service and account (another bucket or container)
    /// on the server side, as ``copyfile(_:_:overwrite:)`` does within one.
    public func copyFile(
        from source: any ArtifactStore,
        _ sourcePath: String,
        size: UInt64,
        to destinationPath: String
    ) throws -> Bool {
        guard let source = source as? ObjectArtifactStore<Configuration>, backend.canCopy(from: source.backend) else {
            return false
        }
        let from = try source.resolve(sourcePath)
        let to = try resolve(destinationPath)
        try prepareWrite(to, path: destinationPath)
        try backend.copy(
            from: source.backend,
            key: Self.key(of: from),
            to: Self.key(of: to),
            size: size,
            path: destinationPath
        )
        return true
    }
}

/// A directory of a tree listed in one go, for ``ObjectArtifactStore/walk(_:topdown:onError:_:)``.
private final class WalkNode {
    var directories: [String: WalkNode] = [:]
    var files: [(name: String, size: UInt64)] = []

    func child(_ name: String) -> WalkNode {
        if let existing = directories[name] { return existing }
        let node = WalkNode()
        directories[name] = node
        return node
    }

    func visit(_ path: ArtifactPath, topdown: Bool, _ body: (inout WalkEntry) throws -> Void) throws {
        let sortedFiles = files.sorted { $0.name < $1.name }
        var entry = WalkEntry(
            dir: path.description,
            subdirs: directories.keys.sorted(),
            files: sortedFiles.map(\.name),
            fileSizes: sortedFiles.map { $0.size }
        )
        if topdown { try body(&entry) }
        for name in entry.subdirs {
            try directories[name]?.visit(path.appending(name), topdown: topdown, body)
        }
        if !topdown { try body(&entry) }
    }
}
