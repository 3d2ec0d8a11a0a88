import ArtifactFSPlugin
import Foundation

/// An artifact store that keeps every file's content once, named by its SHA-256, in a local folder:
///
///     FOLDER/blobs/<sha256>       the contents, each stored once however many files share it
///     FOLDER/tree/<path>          one small pointer file per file ("<sha256> <size>"), real directories
///     FOLDER/incoming/            writes in progress, hashed while they stream
///
/// Names live in `tree/`, so directories, listings, renames and the errors for them come from a
/// ``LocalArtifactStore`` over that folder; copying a file copies only its pointer. Removing a
/// file leaves its blob (another file may share it), as content-addressed stores do until a sweep.
public final class BlobArtifactStore: ArtifactStore {
    public let root: ArtifactPath
    public var supportedSchemes: Set<String> { ["blob://"] }
    public var capabilities: ArtifactStoreCapabilities {
        ArtifactStoreCapabilities(
            append: true,
            randomWrite: false,
            atomicRename: true,
            serverSideCopy: true,
            emptyDirectories: true
        )
    }

    /// The folder holding `blobs/`, `tree/` and `incoming/`.
    public let folder: String
    /// The name tree: where a path's pointer file or directory lives.
    let tree: LocalArtifactStore
    let blobs: LocalArtifactStore
    let incoming: LocalArtifactStore

    /// A store serving `root` (a `blob://` path) from `folder`, created when missing.
    /// - Throws: ``ArtifactStoreError`` when `root` is not a blob:// path or the folder cannot be made.
    public init(root: String, folder: String) throws {
        self.root = try ArtifactPath(root: root, supportedSchemes: ["blob://"])
        self.folder = folder
        for part in ["blobs", "tree", "incoming"] {
            do {
                try FileManager.default.createDirectory(atPath: folder + "/" + part, withIntermediateDirectories: true)
            } catch {
                throw ArtifactStoreError(
                    .io,
                    path: folder,
                    "cannot create the blob folder: \(error.localizedDescription)"
                )
            }
        }
        tree = try LocalArtifactStore(root: folder + "/tree")
        blobs = try LocalArtifactStore(root: folder + "/blobs")
        incoming = try LocalArtifactStore(root: folder + "/incoming")
        try tree.makedirs(local(self.root))
    }

    // MARK: - Paths

    /// Where `path`'s pointer file (or directory) lives in the name tree.
    func local(_ path: ArtifactPath) -> String {
        ([tree.root.description] + path.components).joined(separator: "/")
    }

    /// Runs a name-tree operation, reporting its errors with blob:// paths instead of the tree's.
    func inTree<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ArtifactStoreError {
            throw ArtifactStoreError(
                error.code,
                path: blobPath(ofLocal: error.path),
                error.message.replacingOccurrences(of: tree.root.description + "/", with: "blob://"),
                cause: error
            )
        }
    }

    /// The blob:// path of a name-tree path.
    func blobPath(ofLocal path: String) -> String {
        let prefix = tree.root.description
        guard path.hasPrefix(prefix) else { return path }
        return "blob://" + path.dropFirst(prefix.count).drop { $0 == "/" }
    }

    /// The blob a file's pointer names, with the file's size.
    func pointer(_ path: String) throws -> (hash: String, size: UInt64) {
        let target = local(try resolve(path))
        let text = try inTree { String(decoding: try tree.read(target), as: UTF8.self) }
        let parts = text.split(separator: " ")
        guard parts.count == 2, let size = UInt64(parts[1].trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ArtifactStoreError(.io, path: path, "damaged pointer file '\(target)'")
        }
        return (String(parts[0]), size)
    }

    func blobPath(_ hash: String) -> String { blobs.root.description + "/" + hash }

    // MARK: - Primitives

    public func open(_ path: String, mode: OpenMode) throws -> any ArtifactFileHandle {
        let target = local(try resolve(path))
        if mode == .read {
            if try inTree({ try tree.stat(target).kind }) == .directory {
                throw ArtifactStoreError(.isADirectory, path: path, "is a directory, not a file")
            }
            let blob = try pointer(path).hash
            return BlobReadHandle(path: path, inner: try blobs.open(blobPath(blob), mode: .read))
        }
        // Opening the pointer now checks the name (a directory, a file as parent) before any byte is written.
        let pointerHandle = try inTree { try tree.open(target, mode: .write) }
        let writer = try BlobWriteHandle(path: path, mode: mode, store: self, pointer: pointerHandle)
        if mode == .append, try inTree({ try tree.exists(target) }) {
            try writer.copyExisting(blobPath(pointer(path).hash))
        }
        return writer
    }

    public func stat(_ path: String) throws -> FileInfo {
        let target = local(try resolve(path))
        let info = try inTree { try tree.stat(target) }
        guard info.kind == .file else {
            return FileInfo(path: try resolve(path).description, kind: info.kind, size: 0, modified: info.modified)
        }
        let (hash, size) = try pointer(path)
        return FileInfo(
            path: try resolve(path).description,
            kind: .file,
            size: size,
            modified: info.modified,
            etag: "sha256:" + hash
        )
    }

    public func scandir(_ path: String) throws -> [DirectoryEntry] {
        let directory = try resolve(path)
        return try inTree { try tree.scandir(local(directory)) }.map { entry in
            guard entry.kind == .file else {
                return DirectoryEntry(name: entry.name, kind: entry.kind, modified: entry.modified)
            }
            let size = try? pointer(directory.appending(entry.name).description).size
            return DirectoryEntry(name: entry.name, kind: .file, size: size, modified: entry.modified)
        }
    }

    public func mkdir(_ path: String) throws {
        let target = local(try resolve(path))
        try inTree { try tree.mkdir(target) }
    }

    public func rmdir(_ path: String) throws {
        let target = local(try resolve(path))
        try inTree { try tree.rmdir(target) }
    }

    public func remove(_ path: String) throws {
        let target = local(try resolve(path))
        try inTree { try tree.remove(target) }
    }

    public func rename(_ source: String, _ destination: String, overwrite: Bool) throws {
        let from = local(try resolve(source))
        let to = local(try resolve(destination))
        try inTree { try tree.rename(from, to, overwrite: overwrite) }
    }

    /// Copies only the pointer: both names share one blob.
    public func copyfile(_ source: String, _ destination: String, overwrite: Bool) throws {
        let from = local(try resolve(source))
        let to = local(try resolve(destination))
        try inTree { try tree.copyfile(from, to, overwrite: overwrite) }
    }
}
