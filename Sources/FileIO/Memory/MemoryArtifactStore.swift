import Foundation
import Synchronization

/// The `memory` flavor: an in-process, thread-safe tree under `memory://`, for tests and scratch
/// space. Its contents live as long as the store object; `fileio` keeps one for the whole process.
/// It keeps every POSIX attribute (modes, owners, times, symbolic and hard links, special files,
/// extended attributes), so a mounted memory store behaves as a RAM disk.
public final class MemoryArtifactStore: ArtifactStore {
    /// The one scheme of the memory flavor.
    public static let schemes: Set<String> = ["memory://"]

    public let root: ArtifactPath
    public var supportedSchemes: Set<String> { Self.schemes }
    public let capabilities = ArtifactStoreCapabilities(metadata: .posix)
    let tree = Mutex(MemoryTree())

    /// Creates an empty store rooted at `root` (default `memory://`); the root exists from the start.
    /// - Throws: ``ArtifactStoreError/Code/unsupportedScheme`` when `root` is not a `memory://` URI.
    public init(root: String = "memory://") throws {
        let parsed = try ArtifactPath(root: root, supportedSchemes: Self.schemes)
        self.root = parsed
        tree.withLock { tree in
            var current = ArtifactPath(scheme: parsed.scheme, components: [])
            for component in parsed.components {
                current = current.appending(component)
                tree.insertDirectory(current)
            }
        }
    }

    // MARK: - Files

    public func open(_ path: String, mode: OpenMode) throws -> any ArtifactFileHandle {
        let named = try resolve(path)
        return try tree.withLock { tree in
            let (target, node) = try tree.following(named, for: path)
            _ = try checkContained(target, original: path)
            switch (node, mode) {
            case (.directory, _):
                throw ArtifactStoreError(.isADirectory, path: path, "is a directory")
            case (nil, .read):
                throw ArtifactStoreError(.notFound, path: path, "no such file or directory")
            case (.inode(let inode), .read):
                guard case .bytes(let bytes) = inode.content else {
                    throw ArtifactStoreError(.unsupportedOperation, path: path, "not a regular file")
                }
                return MemoryFileHandle(store: self, target: target, mode: .read, bytes: bytes)
            case (let node, _):
                try tree.createParents(of: target, for: path)
                var initial: [UInt8] = []
                if mode == .append, case .inode(let inode) = node, case .bytes(let bytes) = inode.content {
                    initial = bytes
                }
                return MemoryFileHandle(store: self, target: target, mode: mode, bytes: initial)
            }
        }
    }

    /// Publishes a closed write handle's bytes; a file already there keeps its inode (and names).
    func commit(_ bytes: [UInt8], to target: ArtifactPath) throws {
        try tree.withLock { tree in
            if case .directory = tree.node(target) {
                throw ArtifactStoreError(
                    .isADirectory,
                    path: target.description,
                    "a directory appeared at this path while writing"
                )
            }
            try tree.createParents(of: target, for: target.description)
            tree.writeFile(target, bytes)
        }
    }

    public func stat(_ path: String) throws -> FileInfo {
        let named = try resolve(path)
        return try tree.withLock { tree in
            let (target, node) = try tree.following(named, for: path)
            guard let node else { throw ArtifactStoreError(.notFound, path: path, "no such file or directory") }
            var info = tree.info(node, path: target)
            info.path = named.description
            return info
        }
    }

    public func lstat(_ path: String) throws -> FileInfo {
        let target = try resolve(path)
        return try tree.withLock { tree in
            guard let node = tree.node(target) else {
                throw ArtifactStoreError(.notFound, path: path, "no such file or directory")
            }
            return tree.info(node, path: target)
        }
    }

    public func scandir(_ path: String) throws -> [DirectoryEntry] {
        let target = try resolve(path)
        return try tree.withLock { tree in
            switch tree.node(target) {
            case .directory(let directory):
                return directory.children.map { name, isDirectory in
                    guard !isDirectory, case .inode(let inode) = tree.node(target.appending(name)) else {
                        return DirectoryEntry(name: name, kind: .directory)
                    }
                    return DirectoryEntry(
                        name: name,
                        kind: inode.kind,
                        size: inode.size,
                        modified: inode.attributes.modified,
                        inode: inode.number
                    )
                }
            case .inode:
                throw ArtifactStoreError(.notADirectory, path: path, "not a directory")
            case nil:
                throw ArtifactStoreError(.notFound, path: path, "no such file or directory")
            }
        }
    }

    // MARK: - Directories

    public func mkdir(_ path: String) throws {
        let target = try resolve(path)
        try tree.withLock { tree in
            try checkFree(tree, target, path)
            tree.insertDirectory(target)
        }
    }

    public func rmdir(_ path: String) throws {
        let target = try resolve(path)
        try Transfer.refuseRoot(of: self, target, path)
        try tree.withLock { tree in
            switch tree.node(target) {
            case .directory(let directory) where directory.children.isEmpty: tree.removeNode(target)
            case .directory: throw ArtifactStoreError(.directoryNotEmpty, path: path, "directory not empty")
            case .inode: throw ArtifactStoreError(.notADirectory, path: path, "not a directory")
            case nil: throw ArtifactStoreError(.notFound, path: path, "no such file or directory")
            }
        }
    }

    // MARK: - Removing, moving, copying

    public func remove(_ path: String) throws {
        let target = try resolve(path)
        try tree.withLock { tree in
            switch tree.node(target) {
            case .inode: tree.removeNode(target)
            case .directory: throw ArtifactStoreError(.isADirectory, path: path, "is a directory (use rmtree)")
            case nil: throw ArtifactStoreError(.notFound, path: path, "no such file or directory")
            }
        }
    }

    public func rename(_ source: String, _ destination: String, overwrite: Bool) throws {
        let from = try resolve(source)
        let to = try resolve(destination)
        try tree.withLock { tree in
            guard let moving = tree.node(from) else {
                throw ArtifactStoreError(.notFound, path: source, "no such file or directory")
            }
            if from == to { return }
            if case .directory = moving, from.contains(to) {
                throw ArtifactStoreError(.invalidPath, path: destination, "cannot move directory '\(from)' into itself")
            }
            if let existing = tree.node(to) {
                guard overwrite else {
                    throw ArtifactStoreError(
                        .alreadyExists,
                        path: destination,
                        "destination exists (overwrite not requested)"
                    )
                }
                switch (moving, existing) {
                case (.inode(let a), .inode(let b)) where a === b:
                    // Two names of one file: rename(2) does nothing.
                    return
                case (.inode, .directory):
                    throw ArtifactStoreError(.isADirectory, path: destination, "destination is a directory")
                case (.directory, .inode):
                    throw ArtifactStoreError(.notADirectory, path: destination, "destination is not a directory")
                case (.directory, .directory(let target)) where !target.children.isEmpty:
                    throw ArtifactStoreError(.directoryNotEmpty, path: destination, "destination directory not empty")
                default:
                    tree.removeNode(to)
                }
            }
            try tree.createParents(of: to, for: destination)
            tree.move(from, to: to)
        }
    }

    public func copyfile(_ source: String, _ destination: String, overwrite: Bool) throws {
        let from = try resolve(source)
        let to = try resolve(destination)
        try tree.withLock { tree in
            let (_, node) = try tree.following(from, for: source)
            guard case .inode(let inode) = node, case .bytes(let bytes) = inode.content else {
                if node == nil { throw ArtifactStoreError(.notFound, path: source, "no such file or directory") }
                throw ArtifactStoreError(
                    .isADirectory,
                    path: source,
                    "is a directory (copy a tree with copyTree or `cp -r`)"
                )
            }
            switch tree.node(to) {
            case .directory: throw ArtifactStoreError(.isADirectory, path: destination, "destination is a directory")
            case .inode where !overwrite:
                throw ArtifactStoreError(
                    .alreadyExists,
                    path: destination,
                    "destination exists (overwrite not requested)"
                )
            default: break
            }
            try tree.createParents(of: to, for: destination)
            tree.removeNode(to)
            tree.insertInode(to, .bytes(bytes), permissions: inode.attributes.permissions)
        }
    }

    /// Refuses a name that is taken, or whose parent is missing or a file.
    func checkFree(_ tree: MemoryTree, _ target: ArtifactPath, _ path: String) throws {
        if tree.node(target) != nil { throw ArtifactStoreError(.alreadyExists, path: path, "already exists") }
        switch tree.node(target.parent) {
        case .directory: return
        case .inode:
            throw ArtifactStoreError(.notADirectory, path: path, "'\(target.parent)' is a file, not a directory")
        case nil:
            throw ArtifactStoreError(.notFound, path: path, "parent directory '\(target.parent)' does not exist")
        }
    }
}
