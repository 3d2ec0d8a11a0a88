import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The state of a memory store: directories keyed by their components joined with `/` (the empty
/// key is the scheme's root), and every other node — file, symbolic link, FIFO, socket, device —
/// as an inode shared by its names, so a hard link is a second key for the same inode. Not
/// thread-safe on its own; the store guards it with a mutex.
struct MemoryTree {
    /// What every node keeps, as a POSIX file system does.
    struct Attributes {
        var permissions: UInt16
        var owner = geteuid()
        var group = getegid()
        var accessed: Date
        var modified: Date
        var changed: Date
        var extended: [String: [UInt8]] = [:]

        init(permissions: UInt16, at time: Date = Date()) {
            self.permissions = permissions
            accessed = time
            modified = time
            changed = time
        }

        /// The content changed: modification and change times move.
        mutating func touchContent(_ time: Date = Date()) {
            modified = time
            changed = time
        }
    }

    /// What a non-directory node holds.
    enum Content {
        /// A regular file's bytes (copy-on-write: readers keep a snapshot while a writer replaces them).
        case bytes([UInt8])
        /// A symbolic link's target, as given.
        case symlink(String)
        /// A FIFO, socket or device node.
        case special(SpecialFile)
    }

    /// A file and its metadata, shared by all its names.
    final class Inode {
        let number: UInt64
        var content: Content
        var attributes: Attributes
        var links: UInt32 = 0

        init(number: UInt64, content: Content, attributes: Attributes) {
            self.number = number
            self.content = content
            self.attributes = attributes
        }

        var kind: FileKind {
            switch content {
            case .bytes: .file
            case .symlink: .symlink
            case .special: .other
            }
        }

        var size: UInt64 {
            switch content {
            case .bytes(let bytes): UInt64(bytes.count)
            case .symlink(let target): UInt64(target.utf8.count)
            case .special: 0
            }
        }
    }

    struct Directory {
        let number: UInt64
        /// Child name → true for a subdirectory.
        var children: [String: Bool] = [:]
        var attributes: Attributes
    }

    enum Node {
        case inode(Inode)
        case directory(Directory)
    }

    private(set) var files: [String: Inode] = [:]
    private(set) var directories: [String: Directory] = [
        "": Directory(number: 1, attributes: .init(permissions: 0o755))
    ]
    private var lastNumber: UInt64 = 1

    static func key(_ path: ArtifactPath) -> String { path.components.joined(separator: "/") }

    func node(_ path: ArtifactPath) -> Node? {
        let key = Self.key(path)
        if let inode = files[key] { return .inode(inode) }
        if let directory = directories[key] { return .directory(directory) }
        return nil
    }

    /// The node at `path` after following symbolic links in its last component (up to 40, as Linux).
    /// - Throws: `invalidPath` for a loop.
    func following(_ path: ArtifactPath, for original: String) throws -> (ArtifactPath, Node?) {
        var current = path
        for _ in 0..<40 {
            guard case .inode(let inode) = node(current), case .symlink(let target) = inode.content else {
                return (current, node(current))
            }
            current =
                target.hasPrefix("/")
                ? ArtifactPath(scheme: path.scheme, components: target.split(separator: "/").map(String.init))
                : target.split(separator: "/").reduce(current.parent) { directory, name in
                    name == "." ? directory : name == ".." ? directory.parent : directory.appending(String(name))
                }
        }
        throw ArtifactStoreError(.invalidPath, path: original, "too many levels of symbolic links")
    }

    /// The metadata of a node, as the store reports it.
    func info(_ node: Node, path: ArtifactPath) -> FileInfo {
        var info: FileInfo
        let attributes: Attributes
        switch node {
        case .inode(let inode):
            info = FileInfo(path: path.description, kind: inode.kind, size: inode.size)
            if case .symlink(let target) = inode.content { info.linkTarget = target }
            if case .special(let special) = inode.content { info.special = special }
            info.links = inode.links
            info.inode = inode.number
            attributes = inode.attributes
        case .directory(let directory):
            info = FileInfo(path: path.description, kind: .directory, size: 0)
            info.links = 2 + UInt32(directory.children.values.filter { $0 }.count)
            info.inode = directory.number
            attributes = directory.attributes
        }
        info.modified = attributes.modified
        info.accessed = attributes.accessed
        info.changed = attributes.changed
        info.permissions = attributes.permissions
        info.owner = attributes.owner
        info.group = attributes.group
        return info
    }

    /// Changes the attributes of the node at `path`; its change time moves.
    mutating func updateAttributes(_ path: ArtifactPath, _ change: (inout Attributes) throws -> Void) rethrows {
        let key = Self.key(path)
        if let inode = files[key] {
            try change(&inode.attributes)
            inode.attributes.changed = Date()
        } else if directories[key] != nil {
            try change(&directories[key]!.attributes)
            directories[key]!.attributes.changed = Date()
        }
    }

    /// Creates every missing ancestor of `path` as a directory.
    /// - Throws: `notADirectory` when an ancestor is a file.
    mutating func createParents(of path: ArtifactPath, for original: String) throws {
        var current = ArtifactPath(scheme: path.scheme, components: [])
        for component in path.components.dropLast() {
            let child = current.appending(component)
            switch node(child) {
            case .inode:
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
        directories[Self.key(path)] = Directory(number: newNumber(), attributes: .init(permissions: 0o755))
        link(path, isDirectory: true)
    }

    /// Makes a new inode (a file of no bytes unless given content) at a free path whose parent exists.
    @discardableResult
    mutating func insertInode(_ path: ArtifactPath, _ content: Content, permissions: UInt16) -> Inode {
        let inode = Inode(number: newNumber(), content: content, attributes: .init(permissions: permissions))
        insertName(path, for: inode)
        return inode
    }

    /// Gives an existing inode one more name, at a free path whose parent exists.
    mutating func insertName(_ path: ArtifactPath, for inode: Inode) {
        files[Self.key(path)] = inode
        inode.links += 1
        link(path, isDirectory: false)
    }

    /// Sets a regular file's bytes: in place when one is at `path` (its other names see them),
    /// else as a new file.
    mutating func writeFile(_ path: ArtifactPath, _ bytes: [UInt8]) {
        if let inode = files[Self.key(path)], case .bytes = inode.content {
            inode.content = .bytes(bytes)
            inode.attributes.touchContent()
        } else {
            removeNode(path)
            insertInode(path, .bytes(bytes), permissions: 0o644)
        }
    }

    /// Removes a name (the inode goes with its last one) or an empty directory, and its entry in the parent.
    mutating func removeNode(_ path: ArtifactPath) {
        let key = Self.key(path)
        if let inode = files.removeValue(forKey: key) {
            inode.links -= 1
            inode.attributes.changed = Date()
        } else if directories.removeValue(forKey: key) == nil {
            return
        }
        let parentKey = Self.key(path.parent)
        directories[parentKey]?.children[path.name] = nil
        directories[parentKey]?.attributes.touchContent()
    }

    /// Moves a name, or a directory with everything below it, to a free destination whose parent exists.
    mutating func move(_ source: ArtifactPath, to destination: ArtifactPath) {
        switch node(source) {
        case .inode(let inode):
            removeNode(source)
            insertName(destination, for: inode)
            inode.attributes.changed = Date()
        case .directory(var directory):
            removeNode(source)
            directory.attributes.changed = Date()
            directories[Self.key(destination)] = directory
            link(destination, isDirectory: true)
            for (name, isDirectory) in directory.children {
                if isDirectory {
                    move(source.appending(name), to: destination.appending(name))
                } else if let inode = files.removeValue(forKey: Self.key(source.appending(name))) {
                    files[Self.key(destination.appending(name))] = inode
                }
            }
        case nil:
            break
        }
    }

    private mutating func link(_ path: ArtifactPath, isDirectory: Bool) {
        let parentKey = Self.key(path.parent)
        directories[parentKey]?.children[path.name] = isDirectory
        directories[parentKey]?.attributes.touchContent()
    }

    private mutating func newNumber() -> UInt64 {
        lastNumber += 1
        return lastNumber
    }
}
