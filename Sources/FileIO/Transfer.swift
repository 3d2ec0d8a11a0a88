import Foundation

/// Tree and cross-store algorithms built only on the ``ArtifactStore`` primitives, shared by the
/// protocol's defaults, `fileio`'s cross-store `copy`/`rename`, and flavors' fallbacks.
///
/// Bytes always stream through one fixed buffer, so copying a file of any size runs in bounded memory.
public enum Transfer {
    /// The buffer size for streamed copies.
    public static let chunkSize = 4 << 20

    /// Streams one file from one store to another (or the same one), unless the destination copies
    /// it on the server side (``CrossStoreCopying``). The destination appears only once the whole
    /// file is written; on failure it is left as it was.
    /// `progress` hears of each chunk as it is written. Given `modified`, a streamed copy gets that
    /// modification time where the destination keeps times: in the request that publishes it where
    /// the handle can, otherwise set after; a store that refuses it leaves the copy its own, newer time.
    /// `destinationListedAbsent` passes on that a listing made just before found nothing at the
    /// destination (``ListedAbsentWriting``).
    /// - Throws: `isADirectory` for a directory on either side, `alreadyExists` without `overwrite`.
    public static func copyFile(
        from source: any ArtifactStore,
        _ sourcePath: String,
        to destination: any ArtifactStore,
        _ destinationPath: String,
        overwrite: Bool,
        modified: Date? = nil,
        destinationListedAbsent: Bool = false,
        progress: TransferProgress? = nil
    ) throws {
        let directory = ArtifactStoreError(
            .isADirectory,
            path: sourcePath,
            "is a directory (copy a tree with copyTree or `cp -r`)"
        )
        // With `overwrite`, only a directory at the destination stops the copy, and opening it
        // for writing refuses that (every flavor's contract), so no request is spent on asking first.
        if !overwrite {
            try checkDestination(destination, destinationPath, overwrite: overwrite, sourceIsDirectory: false)
        }
        if let target = destination as? any CrossStoreCopying {
            let info = try source.stat(sourcePath)
            if info.kind == .directory { throw directory }
            if try target.copyFile(from: source, sourcePath, size: info.size, to: destinationPath) {
                progress?.bytesMoved(info.size)
                progress?.fileCopied()
                return
            }
        }
        // Opening the source is what finds it missing or a directory: nothing asks before the read.
        let input: any ArtifactFileHandle
        do {
            input = try source.open(sourcePath, mode: .read)
        } catch let error as ArtifactStoreError where error.code == .isADirectory {
            throw directory
        }
        defer { try? input.close() }
        let output =
            try destinationListedAbsent
            ? (destination as? any ListedAbsentWriting)?.openForWrite(listedAbsent: destinationPath)
                ?? destination.open(destinationPath, mode: .write)
            : destination.open(destinationPath, mode: .write)
        let modified = destination.capabilities.metadata.contains(.timestamps) ? modified : nil
        let timeSetOnClose = modified.map(output.setModificationTimeOnClose) ?? false
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let got = try input.read(into: buffer)
            if got == 0 { break }
            try output.write(UnsafeRawBufferPointer(rebasing: buffer[..<got]))
            progress?.bytesMoved(UInt64(got))
        }
        try output.close()
        if let modified, !timeSetOnClose {
            try? destination.setTimes(destinationPath, accessed: .keep, modified: .set(modified))
        }
        progress?.fileCopied()
    }

    /// Copies a directory tree, empty directories included, merging into an existing destination
    /// directory; each file follows the `overwrite` rule. `progress` hears of every file's bytes.
    /// - Throws: `notADirectory` when the source is a file or the destination is one.
    public static func copyTree(
        from source: any ArtifactStore,
        _ sourcePath: String,
        to destination: any ArtifactStore,
        _ destinationPath: String,
        overwrite: Bool,
        progress: TransferProgress? = nil
    ) throws {
        let sourceRoot = try source.resolve(sourcePath)
        let destinationRoot = try destination.resolve(destinationPath)
        if try source.stat(sourcePath).kind != .directory {
            throw ArtifactStoreError(.notADirectory, path: sourcePath, "not a directory")
        }
        if source === destination, sourceRoot.contains(destinationRoot) {
            throw ArtifactStoreError(
                .invalidPath,
                path: destinationPath,
                "cannot copy directory '\(sourceRoot)' into itself"
            )
        }
        try source.walk(sourcePath, topdown: true, onError: nil) { entry in
            let dir = try source.resolve(entry.dir)
            var target = destinationRoot
            for component in sourceRoot.relativeComponents(of: dir) ?? [] { target = target.appending(component) }
            try destination.makedirs(target.description)
            for name in entry.files {
                try copyFile(
                    from: source,
                    dir.appending(name).description,
                    to: destination,
                    target.appending(name).description,
                    overwrite: overwrite,
                    progress: progress
                )
            }
        }
    }

    /// Moves a file or tree by copying it, then removing the source once the copy is complete.
    /// Follows `rename(2)`'s rules for an existing destination: a directory may replace only an
    /// empty directory, a file only a file. `progress` hears of the copy's bytes.
    public static func move(
        from source: any ArtifactStore,
        _ sourcePath: String,
        to destination: any ArtifactStore,
        _ destinationPath: String,
        overwrite: Bool,
        progress: TransferProgress? = nil
    ) throws {
        let isDirectory = try source.stat(sourcePath).kind == .directory
        try checkDestination(destination, destinationPath, overwrite: overwrite, sourceIsDirectory: isDirectory)
        if isDirectory {
            if try destination.exists(destinationPath) { try destination.rmdir(destinationPath) }
            try copyTree(
                from: source,
                sourcePath,
                to: destination,
                destinationPath,
                overwrite: false,
                progress: progress
            )
            try source.rmtree(sourcePath)
        } else {
            try copyFile(
                from: source,
                sourcePath,
                to: destination,
                destinationPath,
                overwrite: true,
                progress: progress
            )
            try source.remove(sourcePath)
        }
    }

    /// Removes a directory and everything below it, deepest first. Refuses the store's root.
    public static func removeTree(in store: some ArtifactStore, _ path: String) throws {
        try refuseRoot(of: store, store.resolve(path), path)
        if try store.stat(path).kind != .directory {
            throw ArtifactStoreError(.notADirectory, path: path, "not a directory (use remove for files)")
        }
        try store.walk(path, topdown: false, onError: nil) { entry in
            let dir = try store.resolve(entry.dir)
            for file in entry.files { try store.remove(dir.appending(file).description) }
            try store.rmdir(entry.dir)
        }
    }

    /// Refuses to remove a store's root: `rm -r` of a whole store is never one slip away.
    public static func refuseRoot(of store: some ArtifactStore, _ target: ArtifactPath, _ path: String) throws {
        if target == store.root {
            throw ArtifactStoreError(.permissionDenied, path: path, "refusing to remove the store's root")
        }
    }

    /// Applies the overwrite and kind rules to a destination before anything is written.
    private static func checkDestination(
        _ store: any ArtifactStore,
        _ path: String,
        overwrite: Bool,
        sourceIsDirectory: Bool
    ) throws {
        let existing: FileInfo
        do {
            existing = try store.stat(path)
        } catch let error as ArtifactStoreError where error.code == .notFound {
            return
        }
        if !overwrite {
            throw ArtifactStoreError(.alreadyExists, path: path, "destination exists (overwrite not requested)")
        }
        switch (sourceIsDirectory, existing.kind == .directory) {
        case (false, true): throw ArtifactStoreError(.isADirectory, path: path, "destination is a directory")
        case (true, false): throw ArtifactStoreError(.notADirectory, path: path, "destination is not a directory")
        case (true, true):
            if try !store.scandir(path).isEmpty {
                throw ArtifactStoreError(.directoryNotEmpty, path: path, "destination directory not empty")
            }
        case (false, false): break
        }
    }
}
