import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Several stores as top-level folders of one: `stack://NAME/FOLDER/rest` is `rest` in the store
/// mounted as `FOLDER`, with that store's own credentials and refusals (a read-only member answers
/// `EROFS`, others stay writable). What `artifactfs mount --stack` serves.
///
/// The root lists the folders and cannot be changed. An operation joining two folders (rename,
/// hard link, copy) answers `EXDEV`, as between two file systems, so `mv` falls back to copying.
/// The capabilities are what every writable member offers (hard links never: inode numbers of
/// two stores could clash).
public final class FolderUnionStore: ArtifactStore {
    /// One top-level folder and the store behind it.
    public struct Member: Sendable {
        /// The folder's name at the root.
        public var folder: String
        /// The store it shows, from its root.
        public var store: any ArtifactStore

        /// A folder showing `store`.
        public init(folder: String, store: any ArtifactStore) {
            self.folder = folder
            self.store = store
        }
    }

    public let supportedSchemes: Set<String> = ["stack://"]
    public let root: ArtifactPath
    public let capabilities: ArtifactStoreCapabilities
    /// The folders in order, each with its store.
    public let members: [Member]

    /// Joins `members` under `stack://NAME`.
    /// - Throws: ``ArtifactStoreError`` `invalidArgument` naming a folder given twice or a name that is
    ///   not one path component.
    public init(name: String, members: [Member]) throws {
        var seen: Set<String> = []
        for member in members {
            guard !member.folder.isEmpty, !member.folder.contains("/"), member.folder != ".", member.folder != ".."
            else {
                throw ArtifactStoreError(.invalidArgument, path: member.folder, "a top-level folder must be one name")
            }
            guard seen.insert(member.folder).inserted else {
                throw ArtifactStoreError(.invalidArgument, path: member.folder, "two members share this folder name")
            }
        }
        root = ArtifactPath(scheme: "stack", components: [name])
        self.members = members
        let writable = members.map(\.store.capabilities).filter { !$0.readOnly }
        capabilities = ArtifactStoreCapabilities(
            append: writable.allSatisfy(\.append),
            randomWrite: writable.allSatisfy(\.randomWrite),
            atomicRename: writable.allSatisfy(\.atomicRename),
            serverSideCopy: writable.allSatisfy(\.serverSideCopy),
            emptyDirectories: writable.allSatisfy(\.emptyDirectories),
            readOnly: writable.isEmpty,
            metadata: writable.reduce(MetadataCapabilities(rawValue: ~0)) { $0.intersection($1.metadata) }
                .subtracting(.hardLinks)
        )
    }

    /// Where a path of this store leads.
    private enum Place {
        /// The root itself.
        case root
        /// `path` in the member's store (its root for the folder itself).
        case member(Member, path: String, isFolder: Bool)
    }

    private func place(_ path: String) throws -> Place {
        let parsed = try resolve(path)
        guard let relative = root.relativeComponents(of: parsed), let folder = relative.first else { return .root }
        guard let member = members.first(where: { $0.folder == folder }) else {
            throw ArtifactStoreError(.notFound, path: path, "no such folder at the root of '\(root)'")
        }
        let inner = ArtifactPath(
            scheme: member.store.root.scheme,
            components: member.store.root.components + relative.dropFirst()
        )
        return .member(member, path: inner.description, isFolder: relative.count == 1)
    }

    /// The member's path, refusing the root and (unless `folderAllowed`) the top-level folders.
    private func route(_ path: String, _ operation: String, folderAllowed: Bool = false) throws -> (Member, String) {
        switch try place(path) {
        case .member(let member, let inner, let isFolder) where folderAllowed || !isFolder:
            return (member, inner)
        default:
            throw ArtifactStoreError(
                .notPermitted,
                path: path,
                "cannot \(operation): the root's folders are the mounted stores (\(members.map(\.folder).joined(separator: ", ")))"
            )
        }
    }

    /// Both paths in one member, else `EXDEV`.
    private func pair(_ source: String, _ destination: String, _ operation: String) throws -> (Member, String, String) {
        let (from, fromPath) = try route(source, operation)
        let (to, toPath) = try route(destination, operation)
        guard from.folder == to.folder else {
            throw ArtifactStoreError(
                .unsupportedOperation,
                path: destination,
                "cannot \(operation) across '\(from.folder)' and '\(to.folder)': they are different stores",
                cause: SystemCallError(call: operation, errno: EXDEV)
            )
        }
        return (from, fromPath, toPath)
    }

    private var rootInfo: FileInfo {
        FileInfo(path: root.description, kind: .directory, size: 0, permissions: 0o755)
    }

    public func open(_ path: String, mode: OpenMode) throws -> any ArtifactFileHandle {
        let (member, inner) = try route(path, "open a file", folderAllowed: true)
        return try member.store.open(inner, mode: mode)
    }

    public func stat(_ path: String) throws -> FileInfo {
        switch try place(path) {
        case .root: rootInfo
        case .member(let member, let inner, _): try member.store.stat(inner)
        }
    }

    public func lstat(_ path: String) throws -> FileInfo {
        switch try place(path) {
        case .root: rootInfo
        case .member(let member, let inner, _): try member.store.lstat(inner)
        }
    }

    public func scandir(_ path: String) throws -> [DirectoryEntry] {
        switch try place(path) {
        case .root: members.map { DirectoryEntry(name: $0.folder, kind: .directory) }
        case .member(let member, let inner, _): try member.store.scandir(inner)
        }
    }

    public func mkdir(_ path: String) throws {
        let (member, inner) = try route(path, "make a folder at the root")
        try member.store.mkdir(inner)
    }

    public func rmdir(_ path: String) throws {
        let (member, inner) = try route(path, "remove a top-level folder")
        try member.store.rmdir(inner)
    }

    public func remove(_ path: String) throws {
        let (member, inner) = try route(path, "remove a top-level folder")
        try member.store.remove(inner)
    }

    public func rename(_ source: String, _ destination: String, overwrite: Bool) throws {
        let (member, from, to) = try pair(source, destination, "rename")
        try member.store.rename(from, to, overwrite: overwrite)
    }

    public func copyfile(_ source: String, _ destination: String, overwrite: Bool) throws {
        let (member, from, to) = try pair(source, destination, "copy")
        try member.store.copyfile(from, to, overwrite: overwrite)
    }

    public func setPermissions(_ path: String, _ permissions: UInt16) throws {
        let (member, inner) = try route(path, "change the root", folderAllowed: true)
        try member.store.setPermissions(inner, permissions)
    }

    public func setOwner(_ path: String, owner: UInt32?, group: UInt32?) throws {
        let (member, inner) = try route(path, "change the root", folderAllowed: true)
        try member.store.setOwner(inner, owner: owner, group: group)
    }

    public func setTimes(_ path: String, accessed: TimestampChange, modified: TimestampChange) throws {
        let (member, inner) = try route(path, "change the root", folderAllowed: true)
        try member.store.setTimes(inner, accessed: accessed, modified: modified)
    }

    public func symlink(_ target: String, at path: String) throws {
        let (member, inner) = try route(path, "make a link at the root")
        try member.store.symlink(target, at: inner)
    }

    public func link(_ existing: String, at path: String) throws {
        let (member, from, to) = try pair(existing, path, "link")
        try member.store.link(from, at: to)
    }

    public func makeSpecialFile(_ path: String, _ type: SpecialFile, permissions: UInt16) throws {
        let (member, inner) = try route(path, "make a file at the root")
        try member.store.makeSpecialFile(inner, type, permissions: permissions)
    }

    public func extendedAttribute(_ path: String, name: String) throws -> [UInt8] {
        let (member, inner) = try route(path, "read the root's attributes", folderAllowed: true)
        return try member.store.extendedAttribute(inner, name: name)
    }

    public func setExtendedAttribute(_ path: String, name: String, value: [UInt8], mode: AttributeWriteMode) throws {
        let (member, inner) = try route(path, "change the root", folderAllowed: true)
        try member.store.setExtendedAttribute(inner, name: name, value: value, mode: mode)
    }

    public func extendedAttributeNames(_ path: String) throws -> [String] {
        switch try place(path) {
        case .root: []
        case .member(let member, let inner, _): try member.store.extendedAttributeNames(inner)
        }
    }

    public func removeExtendedAttribute(_ path: String, name: String) throws {
        let (member, inner) = try route(path, "change the root", folderAllowed: true)
        try member.store.removeExtendedAttribute(inner, name: name)
    }
}
