import Foundation

/// The state of a memory store: files and directories keyed by their components joined with `/`
/// (the empty key is the scheme's root). Not thread-safe on its own; the store guards it with a mutex.
struct MemoryTree {
    struct File {
        /// Copy-on-write: readers keep a snapshot while a writer replaces it.
        var bytes: [UInt8]
        var modified: Date
    }

    struct Directory {
        /// Child name → true for a subdirectory.
        var children: [String: Bool] = [:]
        var modified = Date()
    }

    enum Node {
        case file(File)
        case directory(Directory)
    }

    private(set) var files: [String: File] = [:]
    private(set) var directories: [String: Directory] = ["": Directory()]

    static func key(_ path: ArtifactPath) -> String { path.components.joined(separator: "/") }

    func node(_ path: ArtifactPath) -> Node? {
        let key = Self.key(path)
        if let file = files[key] { return .file(file) }
        if let directory = directories[key] { return .directory(directory) }
        return nil
    }

    /// Creates every missing ancestor of `path` as a directory.
    /// - Throws: `notADirectory` when an ancestor is a file.
    mutating func createParents(of path: ArtifactPath, for original: String) throws {
        var current = ArtifactPath(scheme: path.scheme, components: [])
        for component in path.components.dropLast() {
            let child = current.appending(component)
            switch node(child) {
            case .file:
                throw ArtifactStoreError(.notADirectory, path: original, "'\(child)' is a file, not a directory")
            case .directory:
                break
            case nil:
                insertDirectory(child)
            }
            current = child
        }
    }

    /// Adds an empty directory whose parent exists.
    mutating func insertDirectory(_ path: ArtifactPath) {
        directories[Self.key(path)] = Directory()
        link(path, isDirectory: true)
    }

    /// Adds or replaces a file whose parent exists.
    mutating func insertFile(_ path: ArtifactPath, _ file: File) {
        files[Self.key(path)] = file
        link(path, isDirectory: false)
    }

    /// Removes a file or an empty directory and its entry in the parent.
    mutating func removeNode(_ path: ArtifactPath) {
        let key = Self.key(path)
        files[key] = nil
        directories[key] = nil
        let parentKey = Self.key(path.parent)
        directories[parentKey]?.children[path.name] = nil
        directories[parentKey]?.modified = Date()
    }

    /// Moves a file, or a directory with everything below it, to a free destination whose parent exists.
    mutating func move(_ source: ArtifactPath, to destination: ArtifactPath) {
        switch node(source) {
        case .file(let file):
            removeNode(source)
            insertFile(destination, file)
        case .directory(let directory):
            removeNode(source)
            directories[Self.key(destination)] = directory
            link(destination, isDirectory: true)
            for (name, isDirectory) in directory.children {
                if isDirectory {
                    move(source.appending(name), to: destination.appending(name))
                } else if let file = files.removeValue(forKey: Self.key(source.appending(name))) {
                    files[Self.key(destination.appending(name))] = file
                }
            }
        case nil:
            break
        }
    }

    private mutating func link(_ path: ArtifactPath, isDirectory: Bool) {
        let parentKey = Self.key(path.parent)
        directories[parentKey]?.children[path.name] = isDirectory
        directories[parentKey]?.modified = Date()
    }
}
