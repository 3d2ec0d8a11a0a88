import FileIO
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// POSIX attributes on an object store whose service keeps them (``ObjectBackend/keepsAttributes``).
///
/// A file, symbolic link or special file is one object whose metadata holds its
/// ``POSIXAttributes``; a change is a server-side copy of the object onto itself with new
/// metadata, never a download. An object written by another tool, without them, reads as mode
/// 0644 owned by the mount's user, modified when the service says it was written.
///
/// A directory is a prefix: its attributes live in a hidden empty object below it,
/// ``directoryAttributesName``, which listings, walks and `rmdir` leave out. A marker object
/// (`dir/`) cannot hold them on every server: SeaweedFS drops a marker's metadata and refuses a
/// metadata copy of one, while AWS and moto keep it. So a change is written to both (each a
/// PUT of an empty object), the hidden object is read first, and a marker's metadata (what
/// s3fs-fuse writes) is the fallback; a directory with neither reads as 0755.
extension ObjectArtifactStore {
    /// The name of the hidden object that holds a directory's attributes.
    public static var directoryAttributesName: String { ".artifactfs-dir" }

    /// The key of the hidden object holding the attributes of the directory at `key`.
    static func attributesKey(of key: String) -> String {
        key.isEmpty ? directoryAttributesName : key + "/" + directoryAttributesName
    }

    /// Symbolic links followed before giving up, as Linux's `MAXSYMLINKS`.
    static var maximumLinkHops: Int { 40 }

    // MARK: - Changes

    public func setPermissions(_ path: String, _ permissions: UInt16) throws {
        try changeAttributes(path, "keep permission bits") { attributes in
            attributes.mode = attributes.type | UInt32(permissions & 0o7777)
        }
    }

    public func setOwner(_ path: String, owner: UInt32?, group: UInt32?) throws {
        if let owner, geteuid() != 0, owner != geteuid() {
            throw ArtifactStoreError(.notPermitted, path: path, "only root may give a file to another user")
        }
        try changeAttributes(path, "keep owners") { attributes in
            if let owner { attributes.owner = owner }
            if let group { attributes.group = group }
        }
    }

    public func setTimes(_ path: String, accessed: TimestampChange, modified: TimestampChange) throws {
        try changeAttributes(path, "set timestamps") { attributes in
            if let time = accessed.resolved { attributes.accessed = time }
            if let time = modified.resolved { attributes.modified = time }
        }
    }

    /// Writes an object whose body is `target` and whose mode says it is a link, as s3fs-fuse does.
    public func symlink(_ target: String, at path: String) throws {
        let link = try resolve(path)
        guard backend.keepsAttributes else {
            throw ArtifactStoreError(
                .unsupportedOperation,
                path: path,
                "the store at '\(root)' cannot keep symbolic links"
            )
        }
        try createObject(
            link,
            body: Array(target.utf8),
            attributes: .new(UInt32(S_IFLNK), permissions: 0o777),
            path: path
        )
    }

    /// Writes an empty object whose mode names the special file (and `rdev` the device), as s3fs-fuse does.
    public func makeSpecialFile(_ path: String, _ type: SpecialFile, permissions: UInt16) throws {
        let target = try resolve(path)
        guard backend.keepsAttributes else {
            throw ArtifactStoreError(
                .unsupportedOperation,
                path: path,
                "the store at '\(root)' cannot keep FIFOs, sockets or device nodes"
            )
        }
        var attributes: POSIXAttributes
        switch type {
        case .fifo: attributes = .new(UInt32(S_IFIFO), permissions: permissions)
        case .socket: attributes = .new(UInt32(S_IFSOCK), permissions: permissions)
        case .characterDevice(let device), .blockDevice(let device):
            guard geteuid() == 0 else {
                throw ArtifactStoreError(.notPermitted, path: path, "only root may make device nodes")
            }
            let kind = if case .characterDevice = type { S_IFCHR } else { S_IFBLK }
            attributes = .new(UInt32(kind), permissions: permissions)
            attributes.device = device
        }
        try createObject(target, body: [], attributes: attributes, path: path)
    }

    // MARK: - Reading

    /// What a HEAD of an object says about its path: kind, size, times, mode and owner, and a
    /// link's target (read from its body).
    func fileInfo(_ object: ObjectInfo, target: ArtifactPath, path: String) throws -> FileInfo {
        let attributes = object.attributes
        var info = FileInfo(
            path: target.description,
            kind: attributes?.kind ?? .file,
            size: object.size,
            modified: attributes?.modified ?? object.modified,
            etag: object.version
        )
        guard backend.keepsAttributes else { return info }
        info.permissions = attributes?.permissions ?? 0o644
        info.owner = attributes?.owner
        info.group = attributes?.group
        info.accessed = attributes?.accessed
        info.changed = attributes?.changed ?? info.modified
        info.links = 1
        if info.kind == .symlink {
            info.linkTarget = String(decoding: try body(of: object, path: path), as: UTF8.self)
        } else if info.kind == .other {
            info.special = attributes?.special
        }
        return info
    }

    /// A directory's metadata: from its hidden attributes object, or else from its marker's
    /// metadata when `marker` says there is a marker; defaults otherwise.
    func directoryInfo(_ target: ArtifactPath, key: String, marker: Bool, path: String) throws -> FileInfo {
        guard backend.keepsAttributes else { return FileInfo(path: target.description, kind: .directory, size: 0) }
        if let sidecar = try backend.head(Self.attributesKey(of: key), path: path) {
            return directoryInfo(target, attributes: sidecar.attributes)
        }
        let markerAttributes = marker ? try backend.head(key + "/", path: path)?.attributes : nil
        return directoryInfo(target, attributes: markerAttributes)
    }

    /// A directory's metadata from `attributes` (0755 and the mount's owner where they are nil).
    func directoryInfo(_ target: ArtifactPath, attributes: POSIXAttributes?) -> FileInfo {
        var info = FileInfo(
            path: target.description,
            kind: .directory,
            size: 0,
            modified: attributes?.modified,
            permissions: attributes?.permissions ?? 0o755
        )
        info.owner = attributes?.owner
        info.group = attributes?.group
        info.accessed = attributes?.accessed
        info.changed = attributes?.changed
        return info
    }

    /// The path `path` leads to once every symbolic link at its end is followed; a link's target is
    /// relative to the link's folder, an absolute one to the store's root.
    /// - Throws: `notFound` for a target outside the store, `invalidArgument` after too many links.
    func followLinks(_ path: String) throws -> ArtifactPath {
        var current = try resolve(path)
        for _ in 0..<Self.maximumLinkHops {
            let info = try lstat(current.description)
            guard info.kind == .symlink, let target = info.linkTarget else { return current }
            var components = target.hasPrefix("/") ? root.components : Array(current.parent.components)
            for part in target.split(separator: "/") {
                switch part {
                case ".": continue
                case "..": if components.count > root.components.count { components.removeLast() }
                default: components.append(String(part))
                }
            }
            current = ArtifactPath(scheme: current.scheme, components: components)
        }
        throw ArtifactStoreError(.invalidArgument, path: path, "too many levels of symbolic links")
    }

    // MARK: - Internals

    /// The attributes of a directory mkdir and makedirs make, where the service keeps them.
    var newDirectoryAttributes: POSIXAttributes? {
        backend.keepsAttributes ? .new(UInt32(S_IFDIR), permissions: 0o755) : nil
    }

    /// Refuses the hidden attributes object's name as the last name of a path someone makes.
    func checkName(_ target: ArtifactPath, path: String) throws {
        if backend.keepsAttributes, target.components.last == Self.directoryAttributesName {
            throw ArtifactStoreError(
                .invalidPath,
                path: path,
                "'\(Self.directoryAttributesName)' holds a directory's attributes in this store"
            )
        }
    }

    /// Creates a new object (a link or special file) at `target`, whose parent must be a directory.
    private func createObject(_ target: ArtifactPath, body: [UInt8], attributes: POSIXAttributes, path: String) throws {
        let key = Self.key(of: target)
        try checkName(target, path: path)
        if try key.isEmpty || target == root || exists(path) {
            throw ArtifactStoreError(.alreadyExists, path: path, "already exists")
        }
        if target.parent != root, !Self.key(of: target.parent).isEmpty {
            guard let parent = try? lstat(target.parent.description) else {
                throw ArtifactStoreError(.notFound, path: path, "the parent directory does not exist")
            }
            guard parent.kind == .directory else {
                throw ArtifactStoreError(.notADirectory, path: path, "'\(target.parent)' is not a directory")
            }
        }
        try body.withUnsafeBytes { try backend.create(key, body: $0, attributes: attributes, path: path) }
        published(key, path: path)
    }

    /// Reads a (small) object's whole body, pinned to the version its HEAD saw.
    private func body(of object: ObjectInfo, path: String) throws -> [UInt8] {
        guard object.size > 0 else { return [] }
        guard object.size <= 1 << 20 else {
            throw ArtifactStoreError(.io, path: path, "a symbolic link of \(object.size) bytes")
        }
        return try [UInt8](unsafeUninitializedCapacity: Int(object.size)) { buffer, initialized in
            initialized = try backend.getRange(
                object.key,
                offset: 0,
                into: UnsafeMutableRawBufferPointer(buffer),
                version: object.version,
                path: path
            )
        }
    }

    /// Reads the attributes of `path` (defaults where it has none), lets `change` edit them and,
    /// when they changed, stores them with the change time now: an object by a metadata copy onto
    /// itself, a directory by writing its hidden attributes object and its marker.
    /// - Throws: `unsupportedOperation` naming `what` where the service keeps no attributes, `notFound`.
    private func changeAttributes(_ path: String, _ what: String, _ change: (inout POSIXAttributes) -> Void) throws {
        let target = try resolve(path)
        guard backend.keepsAttributes else {
            _ = try lstat(path)
            throw ArtifactStoreError(.unsupportedOperation, path: path, "the store at '\(root)' cannot \(what)")
        }
        let key = Self.key(of: target)
        let now = Date()
        if !key.isEmpty, let object = try backend.head(key, path: path) {
            let current =
                object.attributes
                ?? POSIXAttributes(mode: UInt32(S_IFREG) | 0o644, modified: object.modified ?? now)
            var changed = current
            if changed.modified == nil { changed.modified = object.modified ?? now }
            change(&changed)
            guard changed != current else { return }
            changed.changed = now
            try backend.replaceAttributes(key, changed, version: object.version, size: object.size, path: path)
            return
        }
        let info = try lstat(path)
        guard info.kind == .directory else { throw ArtifactStoreError(.notFound, path: path, "no such file") }
        let current = POSIXAttributes(
            mode: UInt32(S_IFDIR) | UInt32(info.permissions ?? 0o755),
            owner: info.owner,
            group: info.group,
            modified: info.modified,
            changed: info.changed,
            accessed: info.accessed
        )
        var changed = current
        change(&changed)
        guard changed != current else { return }
        changed.changed = now
        if changed.modified == nil { changed.modified = now }
        try [UInt8]().withUnsafeBytes { empty in
            try backend.put(Self.attributesKey(of: key), body: empty, attributes: changed, path: path)
            if !key.isEmpty { try backend.put(key + "/", body: empty, attributes: changed, path: path) }
        }
    }
}
