/// The reference framework's `fileio`: module-level file functions over any scheme.
///
/// Each call finds the store serving its path in ``registry`` and calls it, so
/// `fileio.open("s3://bucket/run/model.bin")`, `fileio.open("/data/x")` and
/// `fileio.open("memory://tmp/a")` all work from any step. Copies and moves between two different
/// stores stream the bytes through a fixed buffer; a move deletes the source only after the
/// destination is complete.
public enum fileio {
    /// The registry every call routes through.
    public static var registry: FilesystemRegistry { .shared }

    /// Opens a file with mode `r`, `rb`, `w`, `wb`, `a` or `ab`.
    /// - Throws: ``ArtifactStoreError`` naming the path; `invalidArgument` for an unknown mode.
    public static func open(_ path: String, mode: String = "r") throws -> any ArtifactFileHandle {
        try registry.store(for: path).open(path, mode: mode)
    }

    /// Copies a file, within a store or across stores. `progress` hears of the bytes as they move
    /// (all at once, after the copy, when the store copies within itself).
    /// - Throws: `alreadyExists` when the destination exists and `overwrite` is false.
    public static func copy(
        _ source: String,
        _ destination: String,
        overwrite: Bool = false,
        progress: TransferProgress? = nil
    ) throws {
        let from = try registry.store(for: source)
        let to = try registry.store(for: destination)
        if from === to {
            let size = try progress.map { _ in try from.stat(source).size } ?? 0
            try from.copyfile(source, destination, overwrite: overwrite)
            progress?.bytesMoved(size)
            progress?.fileCopied()
        } else {
            try Transfer.copyFile(from: from, source, to: to, destination, overwrite: overwrite, progress: progress)
        }
    }

    /// Copies a directory tree, within a store or across stores, merging into an existing directory.
    /// `progress` hears of every file's bytes as they move.
    public static func copyTree(
        _ source: String,
        _ destination: String,
        overwrite: Bool = false,
        progress: TransferProgress? = nil
    ) throws {
        try Transfer.copyTree(
            from: registry.store(for: source),
            source,
            to: registry.store(for: destination),
            destination,
            overwrite: overwrite,
            progress: progress
        )
    }

    /// Moves a file or directory, within a store or across stores. `progress` hears of the bytes a
    /// move across stores copies; a move within a store reports nothing (it moves no bytes here).
    /// - Throws: `alreadyExists` when the destination exists and `overwrite` is false.
    public static func rename(
        _ source: String,
        _ destination: String,
        overwrite: Bool = false,
        progress: TransferProgress? = nil
    ) throws {
        let from = try registry.store(for: source)
        let to = try registry.store(for: destination)
        if from === to {
            try from.rename(source, destination, overwrite: overwrite)
        } else {
            try Transfer.move(from: from, source, to: to, destination, overwrite: overwrite, progress: progress)
        }
    }

    /// True when something exists at `path`.
    public static func exists(_ path: String) throws -> Bool { try registry.store(for: path).exists(path) }

    /// The paths matching a pattern with `*`, `?`, `[...]` and `**`, sorted.
    public static func glob(_ pattern: String) throws -> [String] { try registry.store(for: pattern).glob(pattern) }

    /// True when `path` is a directory.
    public static func isdir(_ path: String) throws -> Bool { try registry.store(for: path).isdir(path) }

    /// The base names in a directory, sorted; fails on a missing path.
    public static func listdir(_ path: String) throws -> [String] { try registry.store(for: path).listdir(path) }

    /// The entries of a directory with their kinds (and sizes where the listing has them).
    public static func scandir(_ path: String) throws -> [DirectoryEntry] {
        try registry.store(for: path).scandir(path)
    }

    /// Creates a directory and its missing parents.
    public static func makedirs(_ path: String) throws { try registry.store(for: path).makedirs(path) }

    /// Creates one directory; its parent must exist.
    public static func mkdir(_ path: String) throws { try registry.store(for: path).mkdir(path) }

    /// Removes a file.
    public static func remove(_ path: String) throws { try registry.store(for: path).remove(path) }

    /// Removes a directory and everything below it.
    public static func rmtree(_ path: String) throws { try registry.store(for: path).rmtree(path) }

    /// The metadata of a path.
    public static func stat(_ path: String) throws -> FileInfo { try registry.store(for: path).stat(path) }

    /// The size of a file, or the sum of the files below a directory.
    public static func size(_ path: String) throws -> UInt64 { try registry.store(for: path).size(path) }

    /// Visits a tree as `(dir, subdirs, files)`; in a top-down walk the visitor may prune `subdirs`.
    /// Errors below `top` go to `onError` when given, else stop the walk.
    public static func walk(
        _ top: String,
        topdown: Bool = true,
        onError: ((ArtifactStoreError) -> Void)? = nil,
        _ visit: (inout WalkEntry) throws -> Void
    ) throws {
        try registry.store(for: top).walk(top, topdown: topdown, onError: onError, visit)
    }

    /// Walks a tree and returns all its entries.
    public static func walk(_ top: String, topdown: Bool = true) throws -> [WalkEntry] {
        try registry.store(for: top).walk(top, topdown: topdown)
    }
}
