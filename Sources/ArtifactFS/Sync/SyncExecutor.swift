import Foundation
import ObjectStore
import Synchronization

/// A file a sync could not copy or delete, and why.
public struct SyncFailure: Sendable, Hashable, Codable {
    /// The destination path (or URI) at fault.
    public var path: String
    /// What was being done.
    public var action: SyncAction.Kind
    /// The error's code (`notFound`, `io`, ...).
    public var code: String
    /// The error's message.
    public var message: String
}

/// What a sync did (or, with `--dry-run`, would do): the `--json` document of `artifactfs sync`.
public struct SyncReport: Sendable, Codable {
    /// The source root, as the store writes it.
    public var source: String
    /// The destination root, as the store writes it.
    public var destination: String
    /// True when nothing was changed and the actions are the plan.
    public var dryRun: Bool
    /// Files copied (or to copy), sorted by path.
    public var copied: [SyncAction]
    /// Destination files deleted (or to delete), sorted by path.
    public var deleted: [SyncAction]
    /// How many files already matched.
    public var unchanged: Int
    /// The bytes of the files copied.
    public var bytesCopied: UInt64
    /// The copies and deletions that failed.
    public var failed: [SyncFailure]
    /// True when `--delete` removed nothing because a copy failed (as `rclone sync` holds back).
    public var deletionsSkipped: Bool
}

/// Carries out a ``SyncPlan``: copies on up to `jobs` threads through the same path as `cp`
/// (``FileIO/Transfer/copyFile(from:_:to:_:overwrite:)``, so each file appears at its destination
/// path only once complete), then the deletions, unless a copy failed.
public struct SyncExecutor: Sendable {
    /// The source store and root.
    public var source: any ArtifactStore
    /// The synced source path.
    public var sourceRoot: ArtifactPath
    /// The destination store and root.
    public var destination: any ArtifactStore
    /// The synced destination path.
    public var destinationRoot: ArtifactPath
    /// Parallel transfers.
    public var jobs: Int

    /// Creates an executor over two roots.
    public init(
        source: any ArtifactStore,
        sourceRoot: ArtifactPath,
        destination: any ArtifactStore,
        destinationRoot: ArtifactPath,
        jobs: Int
    ) {
        self.source = source
        self.sourceRoot = sourceRoot
        self.destination = destination
        self.destinationRoot = destinationRoot
        self.jobs = jobs
    }

    /// Runs the plan, copies then deletions each on up to ``jobs`` threads; `done` hears of each
    /// action as it completes and `transfer` of the copies' bytes as they move (from worker threads).
    /// - Parameters:
    ///   - sourceFiles: the source listing, whose times copies to a local destination keep.
    ///   - keepDirectories: relative paths of the source's directories, never pruned after deletions.
    ///   - destinationOccupied: what the destination listing saw (``SyncListing/occupied``); a copy
    ///     to a path outside it opens without asking the store again. Nil: nothing is known.
    public func execute(
        _ plan: SyncPlan,
        sourceFiles: [String: SyncEntry],
        keepDirectories: Set<String>,
        destinationOccupied: Set<String>? = nil,
        transfer: TransferProgress? = nil,
        done: @escaping @Sendable (SyncAction) -> Void
    ) -> SyncReport {
        let copied = Mutex<[SyncAction]>([])
        let failed = Mutex<[SyncFailure]>([])
        let copies = plan.copies
        // The body records its own failures, so nothing is thrown and every copy is attempted.
        try? Parallel.forEach(copies.count, concurrency: jobs) { index in
            let action = copies[index]
            let target = destinationRoot.appending(relativePath: action.path)
            do {
                try copy(
                    action,
                    to: target,
                    modified: sourceFiles[action.path]?.modified,
                    listedAbsent: destinationOccupied.map { !$0.contains(action.path) } ?? false,
                    transfer: transfer
                )
                copied.withLock { $0.append(action) }
                done(action)
            } catch {
                failed.withLock { $0.append(SyncFailure(target.description, .copy, error)) }
            }
        }
        let deleted = Mutex<[SyncAction]>([])
        let deletions = plan.deletions
        let holdBack = !failed.withLock(\.isEmpty) && !deletions.isEmpty
        if !holdBack {
            try? Parallel.forEach(deletions.count, concurrency: jobs) { index in
                let action = deletions[index]
                let target = destinationRoot.appending(relativePath: action.path)
                do {
                    try destination.remove(target.description)
                    deleted.withLock { $0.append(action) }
                    done(action)
                } catch {
                    failed.withLock { $0.append(SyncFailure(target.description, .delete, error)) }
                }
            }
        }
        let allDeleted = deleted.withLock { $0.sorted { $0.path < $1.path } }
        pruneDirectories(emptiedBy: allDeleted, keeping: keepDirectories)
        let allCopied = copied.withLock { $0.sorted { $0.path < $1.path } }
        return SyncReport(
            source: sourceRoot.description,
            destination: destinationRoot.description,
            dryRun: false,
            copied: allCopied,
            deleted: allDeleted,
            unchanged: plan.unchanged.count,
            bytesCopied: allCopied.reduce(0) { $0 + $1.size },
            failed: failed.withLock { $0.sorted { $0.path < $1.path } },
            deletionsSkipped: holdBack
        )
    }

    /// Copies one file as `fileio.copy` does, giving it the source's modification time where
    /// the destination keeps times (``FileIO/MetadataCapabilities/timestamps``): across stores in the
    /// upload itself where it can (``FileIO/Transfer/copyFile(from:_:to:_:overwrite:modified:progress:)``).
    /// A failure to set it needs no report: the copy then keeps its own, newer time, which the next
    /// run also leaves alone. A copy within one store moves no bytes through here: `transfer` hears
    /// of its size once done.
    private func copy(
        _ action: SyncAction,
        to target: ArtifactPath,
        modified: Date?,
        listedAbsent: Bool,
        transfer: TransferProgress?
    ) throws {
        let from = sourceRoot.appending(relativePath: action.path).description
        if source === destination {
            try source.copyfile(from, target.description, overwrite: true)
            if let modified, destination.capabilities.metadata.contains(.timestamps) {
                try? destination.setTimes(target.description, accessed: .keep, modified: .set(modified))
            }
            transfer?.bytesMoved(action.size)
            transfer?.fileCopied()
        } else {
            try Transfer.copyFile(
                from: source,
                from,
                to: destination,
                target.description,
                overwrite: true,
                modified: modified,
                destinationListedAbsent: listedAbsent,
                progress: transfer
            )
        }
    }

    /// Removes the destination directories that deletions left empty, deepest first, except those
    /// the source has; a directory that still holds something stays.
    private func pruneDirectories(emptiedBy deleted: [SyncAction], keeping: Set<String>) {
        var candidates = Set<String>()
        for action in deleted {
            var components = action.path.split(separator: "/").dropLast()
            while !components.isEmpty {
                candidates.insert(components.joined(separator: "/"))
                components = components.dropLast()
            }
        }
        for relative in candidates.subtracting(keeping).sorted(by: { $0.count > $1.count }) {
            let path = destinationRoot.appending(relativePath: relative).description
            if (try? destination.scandir(path).isEmpty) == true { try? destination.rmdir(path) }
        }
    }
}

extension SyncFailure {
    init(_ path: String, _ action: SyncAction.Kind, _ error: any Error) {
        let storeError = error as? ArtifactStoreError
        self.init(
            path: path,
            action: action,
            code: storeError?.code.description ?? "io",
            message: storeError?.message ?? "\(error)"
        )
    }
}
