import Foundation

/// How one timestamp changes in ``ArtifactStore/setTimes(_:accessed:modified:)``, as `utimensat(2)`
/// takes it: left as it is (`UTIME_OMIT`), the store's current time (`UTIME_NOW`), or a given time.
public enum TimestampChange: Sendable, Hashable {
    /// Leave it unchanged.
    case keep
    /// Set it to the current time.
    case now
    /// Set it to this time.
    case set(Date)

    /// The time to store, or nil for ``keep``.
    public var resolved: Date? {
        switch self {
        case .keep: nil
        case .now: Date()
        case .set(let date): date
        }
    }
}

/// Whether ``ArtifactStore/setExtendedAttribute(_:name:value:mode:)`` may create or replace,
/// as `XATTR_CREATE` and `XATTR_REPLACE` say.
public enum AttributeWriteMode: Sendable, Hashable {
    /// Create it or replace it.
    case either
    /// Refuse with `alreadyExists` when it is set.
    case create
    /// Refuse with `noSuchAttribute` when it is not set.
    case replace
}

/// What a store's `statfs` reports: its size and free space in blocks, and its inode counts.
public struct StoreCapacity: Sendable, Hashable {
    /// The fragment size every block count is in.
    public var blockSize: UInt64
    /// The size in blocks.
    public var blocks: UInt64
    /// Free blocks.
    public var freeBlocks: UInt64
    /// Free blocks an unprivileged user may take.
    public var availableBlocks: UInt64
    /// Inodes in all.
    public var files: UInt64
    /// Free inodes.
    public var freeFiles: UInt64
    /// The longest name the store takes, in bytes.
    public var nameMax: UInt64

    /// Describes a store's capacity.
    public init(
        blockSize: UInt64,
        blocks: UInt64,
        freeBlocks: UInt64,
        availableBlocks: UInt64,
        files: UInt64,
        freeFiles: UInt64,
        nameMax: UInt64
    ) {
        self.blockSize = blockSize
        self.blocks = blocks
        self.freeBlocks = freeBlocks
        self.availableBlocks = availableBlocks
        self.files = files
        self.freeFiles = freeFiles
        self.nameMax = nameMax
    }
}

/// The defaults for stores that keep no POSIX metadata: each refuses, after checking the path
/// exists, so a caller never sees success for something that was not kept.
extension ArtifactStore {
    public func setPermissions(_ path: String, _ permissions: UInt16) throws {
        throw try refusal(path, "keep permission bits")
    }

    public func setOwner(_ path: String, owner: UInt32?, group: UInt32?) throws {
        throw try refusal(path, "keep owners")
    }

    public func setTimes(_ path: String, accessed: TimestampChange, modified: TimestampChange) throws {
        throw try refusal(path, "set timestamps")
    }

    public func symlink(_ target: String, at path: String) throws {
        _ = try resolve(path)
        throw ArtifactStoreError(.unsupportedOperation, path: path, "the store at '\(root)' cannot keep symbolic links")
    }

    public func link(_ existing: String, at path: String) throws {
        _ = try resolve(path)
        _ = try lstat(existing)
        throw ArtifactStoreError(.notPermitted, path: path, "the store at '\(root)' has no hard links")
    }

    public func makeSpecialFile(_ path: String, _ type: SpecialFile, permissions: UInt16) throws {
        _ = try resolve(path)
        throw ArtifactStoreError(
            .unsupportedOperation,
            path: path,
            "the store at '\(root)' cannot keep FIFOs, sockets or device nodes"
        )
    }

    public func extendedAttribute(_ path: String, name: String) throws -> [UInt8] {
        throw try refusal(path, "keep extended attributes")
    }

    public func setExtendedAttribute(_ path: String, name: String, value: [UInt8], mode: AttributeWriteMode) throws {
        throw try refusal(path, "keep extended attributes")
    }

    public func extendedAttributeNames(_ path: String) throws -> [String] {
        throw try refusal(path, "keep extended attributes")
    }

    public func removeExtendedAttribute(_ path: String, name: String) throws {
        throw try refusal(path, "keep extended attributes")
    }

    public func capacity() throws -> StoreCapacity? { nil }

    /// The error for metadata this store does not keep: `notFound` when nothing is at `path`.
    private func refusal(_ path: String, _ what: String) throws -> ArtifactStoreError {
        _ = try lstat(path)
        return ArtifactStoreError(.unsupportedOperation, path: path, "the store at '\(root)' cannot \(what)")
    }
}
