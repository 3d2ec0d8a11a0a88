import Foundation
import Synchronization

/// The `memory` flavor: an in-process, thread-safe tree under `memory://`, for tests and scratch
/// space. Its contents live as long as the store object; `fileio` keeps one for the whole process.
public final class MemoryArtifactStore: ArtifactStore {
    /// The one scheme of the memory flavor.
    public static let schemes: Set<String> = ["memory://"]

    public let root: ArtifactPath
    public var supportedSchemes: Set<String> { Self.schemes }
    public let capabilities = ArtifactStoreCapabilities()
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
        let target = try resolve(path)
        return try tree.withLock { tree in
            switch (tree.node(target), mode) {
            case (.directory, _):
                throw ArtifactStoreError(.isADirectory, path: path, "is a directory")
            case (nil, .read):
                throw ArtifactStoreError(.notFound, path: path, "no such file or directory")
            case (.file(let file), .read):
                return MemoryFileHandle(store: self, target: target, mode: .read, bytes: file.bytes)
            case (let node, _):
                try tree.createParents(of: target, for: path)
                var initial: [UInt8] = []
                if mode == .append, case .file(let file) = node { initial = file.bytes }
                return MemoryFileHandle(store: self, target: target, mode: mode, bytes: initial)
            }
        }
    }

    /// Publishes a closed write handle's bytes.
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
            tree.insertFile(target, .init(bytes: bytes, modified: Date()))
        }
    }

    public func stat(_ path: String) throws -> FileInfo {
        let target = try resolve(path)
        return try tree.withLock { tree in
            switch tree.node(target) {
            case .file(let file):
                FileInfo(path: target.description, kind: .file, size: UInt64(file.bytes.count), modified: file.modified)
            case .directory(let directory):
                FileInfo(path: target.description, kind: .directory, size: 0, modified: directory.modified)
            case nil:
                throw ArtifactStoreError(.notFound, path: path, "no such file or directory")
            }
        }
    }

    public func scandir(_ path: String) throws -> [DirectoryEntry] {
        let target = try resolve(path)
        return try tree.withLock { tree in
            switch tree.node(target) {
            case .directory(let directory):
                return directory.children.map { name, isDirectory in
                    let child = target.appending(name)
                    if !isDirectory, case .file(let file) = tree.node(child) {
                        return DirectoryEntry(
                            name: name,
                            kind: .file,
                            size: UInt64(file.bytes.count),
                            modified: file.modified
                        )
                    }
                    return DirectoryEntry(name: name, kind: isDirectory ? .directory : .file)
                }
            case .file:
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
            if tree.node(target) != nil { throw ArtifactStoreError(.alreadyExists, path: path, "already exists") }
            switch tree.node(target.parent) {
            case .directory: tree.insertDirectory(target)
            case .file:
                throw ArtifactStoreError(.notADirectory, path: path, "'\(target.parent)' is a file, not a directory")
            case nil:
                throw ArtifactStoreError(.notFound, path: path, "parent directory '\(target.parent)' does not exist")
            }
        }
    }

    public func rmdir(_ path: String) throws {
        let target = try resolve(path)
        try Transfer.refuseRoot(of: self, target, path)
        try tree.withLock { tree in
            switch tree.node(target) {
            case .directory(let directory) where directory.children.isEmpty: tree.removeNode(target)
            case .directory: throw ArtifactStoreError(.directoryNotEmpty, path: path, "directory not empty")
            case .file: throw ArtifactStoreError(.notADirectory, path: path, "not a directory")
            case nil: throw ArtifactStoreError(.notFound, path: path, "no such file or directory")
            }
        }
    }

    // MARK: - Removing, moving, copying

    public func remove(_ path: String) throws {
        let target = try resolve(path)
        try tree.withLock { tree in
            switch tree.node(target) {
            case .file: tree.removeNode(target)
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
                case (.file, .directory):
                    throw ArtifactStoreError(.isADirectory, path: destination, "destination is a directory")
                case (.directory, .file):
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
            guard case .file(let file) = tree.node(from) else {
                if tree.node(from) == nil {
                    throw ArtifactStoreError(.notFound, path: source, "no such file or directory")
                }
                throw ArtifactStoreError(
                    .isADirectory,
                    path: source,
                    "is a directory (copy a tree with copyTree or `cp -r`)"
                )
            }
            switch tree.node(to) {
            case .directory: throw ArtifactStoreError(.isADirectory, path: destination, "destination is a directory")
            case .file where !overwrite:
                throw ArtifactStoreError(
                    .alreadyExists,
                    path: destination,
                    "destination exists (overwrite not requested)"
                )
            default: break
            }
            try tree.createParents(of: to, for: destination)
            tree.insertFile(to, .init(bytes: file.bytes, modified: Date()))
        }
    }
}
