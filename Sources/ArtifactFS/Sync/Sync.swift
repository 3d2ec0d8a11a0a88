import FileIO
import ObjectStore
import Synchronization

/// How `artifactfs sync` runs: the comparison, `--delete`, `--dry-run`, `--jobs` and the filter.
public struct SyncOptions: Sendable {
    /// How files present on both sides are compared.
    public var comparison: SyncComparison
    /// Also remove destination files absent at the source.
    public var delete: Bool
    /// Plan only: change nothing.
    public var dryRun: Bool
    /// Parallel transfers (and checksum reads); at least 1.
    public var jobs: Int
    /// Which relative paths take part.
    public var filter: SyncFilter

    /// Options with `rclone sync`'s defaults: size and time, no deletions, 4 transfers, every file.
    public init(
        comparison: SyncComparison = .sizeAndTime,
        delete: Bool = false,
        dryRun: Bool = false,
        jobs: Int = 4,
        filter: SyncFilter = .all
    ) {
        self.comparison = comparison
        self.delete = delete
        self.dryRun = dryRun
        self.jobs = jobs
        self.filter = filter
    }
}

/// Makes a destination tree match a source tree, within a store or across any two stores:
/// lists both, plans with ``SyncPlanner``, and runs the plan with ``SyncExecutor``. A re-run
/// after an interruption copies only what is still missing or different.
public enum Sync {
    /// Syncs `source` to `destination`, both routed through `registry` (`fileio`'s by default);
    /// `progress` hears of each action done, `observer` of the plan's size and the bytes moving.
    /// - Throws: ``FileIO/ArtifactStoreError`` for bad roots (see
    ///   ``run(from:_:to:_:options:progress:)``); failures of single files go into the report.
    public static func run(
        _ source: String,
        _ destination: String,
        options: SyncOptions,
        registry: FilesystemRegistry = fileio.registry,
        observer: SyncProgress? = nil,
        progress: @escaping @Sendable (SyncAction) -> Void = { _ in }
    ) throws -> SyncReport {
        try run(
            from: registry.store(for: source),
            source,
            to: registry.store(for: destination),
            destination,
            options: options,
            observer: observer,
            progress: progress
        )
    }

    /// Syncs the tree (or file) `sourcePath` of `source` to `destinationPath` of `destination`;
    /// `observer` hears of the plan's size (not in a dry run) and of the copies' bytes.
    /// - Throws: ``FileIO/ArtifactStoreError`` naming the path at fault: `notFound` for a missing
    ///   source, `notADirectory` for a directory synced onto a file, `isADirectory` for a file
    ///   synced onto a directory, `invalidPath` for overlapping roots in one store,
    ///   `invalidArgument` for fewer than one job; or any listing or checksum read that fails.
    public static func run(
        from source: any ArtifactStore,
        _ sourcePath: String,
        to destination: any ArtifactStore,
        _ destinationPath: String,
        options: SyncOptions,
        observer: SyncProgress? = nil,
        progress: @escaping @Sendable (SyncAction) -> Void = { _ in }
    ) throws -> SyncReport {
        guard options.jobs >= 1 else {
            throw ArtifactStoreError(.invalidArgument, path: "", "jobs must be at least 1 (got \(options.jobs))")
        }
        let sourceRoot = try source.resolve(sourcePath)
        let destinationRoot = try destination.resolve(destinationPath)
        let sourceInfo: FileInfo
        do {
            sourceInfo = try source.stat(sourcePath)
        } catch let error as ArtifactStoreError where error.code == .notFound {
            throw ArtifactStoreError(.notFound, path: sourcePath, "no such file or directory (the sync source)")
        }
        let destinationInfo = try statIfPresent(destination, destinationPath)
        try checkKinds(sourceInfo, sourcePath, destinationInfo, destinationPath)
        // Two local stores (the default one and a component's) may hold the same folders.
        let sameFiles = source === destination || (source is LocalArtifactStore && destination is LocalArtifactStore)
        if sameFiles, sourceRoot.contains(destinationRoot) || destinationRoot.contains(sourceRoot) {
            throw ArtifactStoreError(
                .invalidPath,
                path: destinationPath,
                "overlaps the sync source '\(sourcePath)' (one lies inside the other)"
            )
        }
        let filter = sourceInfo.kind == .directory ? options.filter : .all
        var (sourceListing, destinationListing) = try scan(
            (source, sourceRoot),
            destinationInfo == nil ? nil : (destination, destinationRoot),
            filter: filter
        )
        if options.comparison == .checksum {
            let candidates = SyncPlanner.checksumCandidates(source: sourceListing, destination: destinationListing)
            let sums = try checksums(
                of: candidates,
                source: (source, sourceRoot),
                destination: (destination, destinationRoot),
                jobs: options.jobs
            )
            for (index, path) in candidates.enumerated() {
                sourceListing.files[path]?.md5 = sums[2 * index]
                destinationListing.files[path]?.md5 = sums[2 * index + 1]
            }
        }
        let plan = SyncPlanner.plan(
            source: sourceListing,
            destination: destinationListing,
            comparison: options.comparison,
            delete: options.delete
        )
        if options.dryRun {
            return SyncReport(
                source: sourceRoot.description,
                destination: destinationRoot.description,
                dryRun: true,
                copied: plan.copies,
                deleted: plan.deletions,
                unchanged: plan.unchanged.count,
                bytesCopied: plan.copies.reduce(0) { $0 + $1.size },
                failed: [],
                deletionsSkipped: false
            )
        }
        if destinationInfo == nil, sourceInfo.kind == .directory { try destination.makedirs(destinationPath) }
        observer?.planned(plan.copies.count, plan.copies.reduce(0) { $0 + $1.size })
        let executor = SyncExecutor(
            source: source,
            sourceRoot: sourceRoot,
            destination: destination,
            destinationRoot: destinationRoot,
            jobs: options.jobs
        )
        return executor.execute(
            plan,
            sourceFiles: sourceListing.files,
            keepDirectories: sourceListing.directories,
            destinationOccupied: destinationListing.occupied,
            transfer: observer?.transfer,
            done: progress
        )
    }

    private static func statIfPresent(_ store: any ArtifactStore, _ path: String) throws -> FileInfo? {
        do {
            return try store.stat(path)
        } catch let error as ArtifactStoreError where error.code == .notFound {
            return nil
        }
    }

    /// A tree syncs onto a directory (or nothing), a file onto a file (or nothing).
    private static func checkKinds(
        _ source: FileInfo,
        _ sourcePath: String,
        _ destination: FileInfo?,
        _ destinationPath: String
    ) throws {
        guard let destination else { return }
        switch (source.kind == .directory, destination.kind == .directory) {
        case (true, false):
            throw ArtifactStoreError(
                .notADirectory,
                path: destinationPath,
                "is a file, but the sync source '\(sourcePath)' is a directory"
            )
        case (false, true):
            throw ArtifactStoreError(
                .isADirectory,
                path: destinationPath,
                "is a directory, but the sync source '\(sourcePath)' is a file (name the destination file, or use cp)"
            )
        default: return
        }
    }

    /// Lists both sides at once (a missing destination is empty); a failure of the source's
    /// listing is reported before one of the destination's.
    private static func scan(
        _ source: (any ArtifactStore, ArtifactPath),
        _ destination: (any ArtifactStore, ArtifactPath)?,
        filter: SyncFilter
    ) throws -> (SyncListing, SyncListing) {
        guard let destination else {
            return (try SyncListing.scan(source.0, source.1, filter: filter), SyncListing([]))
        }
        let (sourceListing, destinationListing) = Parallel.both(
            { try SyncListing.scan(source.0, source.1, filter: filter) },
            { try SyncListing.scan(destination.0, destination.1, filter: filter) }
        )
        return (try sourceListing.get(), try destinationListing.get())
    }

    /// The MD5s of `paths` on both sides, source then destination for each path, read on `jobs` threads.
    private static func checksums(
        of paths: [String],
        source: (any ArtifactStore, ArtifactPath),
        destination: (any ArtifactStore, ArtifactPath),
        jobs: Int
    ) throws -> [String] {
        let sums = Mutex([String](repeating: "", count: 2 * paths.count))
        try Parallel.forEach(2 * paths.count, concurrency: jobs) { index in
            let (store, root) = index % 2 == 0 ? source : destination
            let sum = try SyncChecksum.md5(store, root.appending(relativePath: paths[index / 2]).description)
            sums.withLock { $0[index] = sum }
        }
        return sums.withLock { $0 }
    }
}
