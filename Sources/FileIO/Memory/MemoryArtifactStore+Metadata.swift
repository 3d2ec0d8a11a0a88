import Foundation
import Synchronization

/// The memory store keeps every POSIX attribute in its tree; changes move the change time, as on a disk.
extension MemoryArtifactStore {
    public func setPermissions(_ path: String, _ permissions: UInt16) throws {
        try update(path) { $0.permissions = permissions & 0o7777 }
    }

    public func setOwner(_ path: String, owner: UInt32?, group: UInt32?) throws {
        try update(path) { attributes in
            attributes.owner = owner ?? attributes.owner
            attributes.group = group ?? attributes.group
        }
    }

    public func setTimes(_ path: String, accessed: TimestampChange, modified: TimestampChange) throws {
        try update(path) { attributes in
            attributes.accessed = accessed.resolved ?? attributes.accessed
            attributes.modified = modified.resolved ?? attributes.modified
        }
    }

    public func symlink(_ target: String, at path: String) throws {
        let link = try resolve(path)
        try tree.withLock { tree in
            try checkFree(tree, link, path)
            tree.insertInode(link, .symlink(target), permissions: 0o777)
        }
    }

    public func link(_ existing: String, at path: String) throws {
        let source = try resolve(existing)
        let target = try resolve(path)
        try tree.withLock { tree in
            switch tree.node(source) {
            case .inode(let inode):
                try checkFree(tree, target, path)
                tree.insertName(target, for: inode)
                inode.attributes.changed = Date()
            case .directory:
                throw ArtifactStoreError(.notPermitted, path: existing, "a directory cannot have a second name")
            case nil:
                throw ArtifactStoreError(.notFound, path: existing, "no such file or directory")
            }
        }
    }

    public func makeSpecialFile(_ path: String, _ type: SpecialFile, permissions: UInt16) throws {
        let target = try resolve(path)
        try tree.withLock { tree in
            try checkFree(tree, target, path)
            tree.insertInode(target, .special(type), permissions: permissions & 0o7777)
        }
    }

    public func extendedAttribute(_ path: String, name: String) throws -> [UInt8] {
        let target = try resolve(path)
        return try tree.withLock { tree in
            guard let node = tree.node(target) else {
                throw ArtifactStoreError(.notFound, path: path, "no such file or directory")
            }
            guard let value = Self.attributes(of: node).extended[name] else {
                throw ArtifactStoreError(.noSuchAttribute, path: path, "no extended attribute '\(name)'")
            }
            return value
        }
    }

    public func setExtendedAttribute(_ path: String, name: String, value: [UInt8], mode: AttributeWriteMode) throws {
        try Self.checkNamespace(name, path: path)
        try update(path) { attributes in
            switch (mode, attributes.extended[name]) {
            case (.create, .some):
                throw ArtifactStoreError(.alreadyExists, path: path, "extended attribute '\(name)' is set already")
            case (.replace, nil):
                throw ArtifactStoreError(.noSuchAttribute, path: path, "no extended attribute '\(name)'")
            default:
                attributes.extended[name] = value
            }
        }
    }

    public func extendedAttributeNames(_ path: String) throws -> [String] {
        let target = try resolve(path)
        return try tree.withLock { tree in
            guard let node = tree.node(target) else {
                throw ArtifactStoreError(.notFound, path: path, "no such file or directory")
            }
            return Self.attributes(of: node).extended.keys.sorted()
        }
    }

    public func removeExtendedAttribute(_ path: String, name: String) throws {
        try update(path) { attributes in
            guard attributes.extended.removeValue(forKey: name) != nil else {
                throw ArtifactStoreError(.noSuchAttribute, path: path, "no extended attribute '\(name)'")
            }
        }
    }

    // MARK: - Helpers

    /// Changes the attributes of the node at `path` (not following a final link); `notFound` when none.
    private func update(_ path: String, _ change: @Sendable (inout MemoryTree.Attributes) throws -> Void) throws {
        let target = try resolve(path)
        try tree.withLock { tree in
            guard tree.node(target) != nil else {
                throw ArtifactStoreError(.notFound, path: path, "no such file or directory")
            }
            try tree.updateAttributes(target, change)
        }
    }

    private static func attributes(of node: MemoryTree.Node) -> MemoryTree.Attributes {
        switch node {
        case .inode(let inode): inode.attributes
        case .directory(let directory): directory.attributes
        }
    }

    /// Only the `user.` and `trusted.` namespaces are kept; the kernel's own (`system.`, which
    /// holds ACLs, and `security.`) are refused, so a tool falls back to plain modes.
    private static func checkNamespace(_ name: String, path: String) throws {
        guard name.hasPrefix("user.") || name.hasPrefix("trusted.") else {
            throw ArtifactStoreError(
                .unsupportedOperation,
                path: path,
                "extended attribute '\(name)': the memory store keeps only user.* and trusted.*"
            )
        }
    }
}
