import Foundation

/// Why `sync` copies a file or deletes one.
public enum SyncReason: String, Sendable, Codable {
    /// The destination has no file at this path.
    case missing
    /// The sizes differ.
    case size
    /// The source is newer than the destination (by whole seconds).
    case newer
    /// The sizes match but the contents' checksums differ (`--checksum`).
    case checksum
    /// The destination file has no counterpart at the source (`--delete`).
    case absentAtSource
}

/// One change a sync makes at the destination.
public struct SyncAction: Sendable, Hashable, Codable {
    /// What is done to the destination file.
    public enum Kind: String, Sendable, Codable {
        /// Copy the source file over it (or create it).
        case copy
        /// Remove it.
        case delete
    }

    /// Copy or delete.
    public var kind: Kind
    /// The path below both roots.
    public var path: String
    /// Why.
    public var reason: SyncReason
    /// The bytes a copy transfers (the source's size); the destination's size for a deletion.
    public var size: UInt64

    /// Creates an action.
    public init(_ kind: Kind, path: String, reason: SyncReason, size: UInt64) {
        self.kind = kind
        self.path = path
        self.reason = reason
        self.size = size
    }
}

/// How a file present on both sides is judged unchanged.
public enum SyncComparison: String, Sendable, Codable {
    /// Same size, and the source not newer than the destination (whole seconds), as `aws s3 sync`
    /// judges: a copy gets the source's time where the destination keeps it (local files), else the
    /// upload time, which is newer; either way the next run leaves it alone.
    case sizeAndTime
    /// Same size and the same content MD5 (from the stores' ETags where they are plain MD5s,
    /// computed from the bytes otherwise).
    case checksum
}

/// What a sync will do: copies, deletions, and how many files already match.
public struct SyncPlan: Sendable, Hashable {
    /// Files to copy, sorted by path.
    public var copies: [SyncAction]
    /// Destination files to remove, sorted by path (empty without `--delete`).
    public var deletions: [SyncAction]
    /// Paths present on both sides that already match, sorted.
    public var unchanged: [String]
}

/// Compares two listings; pure, so every rule is testable without a store.
public enum SyncPlanner {
    /// The plan that makes `destination` match `source`.
    /// - Parameters:
    ///   - comparison: how files on both sides are compared; with `.checksum` the entries of the
    ///     ``checksumCandidates(source:destination:)`` must carry their ``SyncEntry/md5``.
    ///   - delete: also remove destination files absent at the source.
    public static func plan(
        source: SyncListing,
        destination: SyncListing,
        comparison: SyncComparison,
        delete: Bool
    ) -> SyncPlan {
        var plan = SyncPlan(copies: [], deletions: [], unchanged: [])
        for (path, file) in source.files.sorted(by: { $0.key < $1.key }) {
            if let reason = difference(file, destination.files[path], comparison: comparison) {
                plan.copies.append(SyncAction(.copy, path: path, reason: reason, size: file.size))
            } else {
                plan.unchanged.append(path)
            }
        }
        if delete {
            for (path, file) in destination.files.sorted(by: { $0.key < $1.key }) where source.files[path] == nil {
                plan.deletions.append(SyncAction(.delete, path: path, reason: .absentAtSource, size: file.size))
            }
        }
        return plan
    }

    /// The paths on both sides with equal sizes: the only ones `--checksum` needs checksums of.
    public static func checksumCandidates(source: SyncListing, destination: SyncListing) -> [String] {
        source.files.compactMap { path, file in destination.files[path]?.size == file.size ? path : nil }.sorted()
    }

    /// Why `source` must be copied over `destination`, or nil when they match.
    static func difference(_ source: SyncEntry, _ destination: SyncEntry?, comparison: SyncComparison) -> SyncReason? {
        guard let destination else { return .missing }
        if source.size != destination.size { return .size }
        switch comparison {
        case .checksum:
            guard let left = source.md5, let right = destination.md5, left == right else { return .checksum }
            return nil
        case .sizeAndTime:
            guard let sourceTime = source.modified, let destinationTime = destination.modified else { return nil }
            return sourceTime.timeIntervalSince1970.rounded(.down)
                > destinationTime.timeIntervalSince1970.rounded(.down)
                ? .newer : nil
        }
    }
}
