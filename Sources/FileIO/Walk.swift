/// One directory visited by `walk`: its path, the names of its subdirectories and of its files.
///
/// In a top-down walk the visitor receives the entry `inout`: removing names from ``subdirs``
/// prunes the walk, as assigning to `dirnames` does with Python's `os.walk`.
public struct WalkEntry: Sendable, Hashable {
    /// The directory's path, as the store writes it.
    public var dir: String
    /// Base names of the subdirectories, sorted.
    public var subdirs: [String]
    /// Base names of everything else (files, symbolic links), sorted.
    public var files: [String]
    /// The sizes of ``files`` in the same order, where the listing carried them.
    public var fileSizes: [UInt64?]

    /// Creates a walk entry.
    public init(dir: String, subdirs: [String], files: [String], fileSizes: [UInt64?] = []) {
        self.dir = dir
        self.subdirs = subdirs
        self.files = files
        self.fileSizes = fileSizes
    }
}

/// The default `walk`: one `scandir` per directory, recursing depth-first.
struct TreeWalker<Store: ArtifactStore> {
    let store: Store
    let topdown: Bool
    let onError: ((ArtifactStoreError) -> Void)?

    func walk(_ dir: ArtifactPath, isTop: Bool, _ visit: (inout WalkEntry) throws -> Void) throws {
        let listing: [DirectoryEntry]
        do {
            listing = try store.scandir(dir.description)
        } catch let error as ArtifactStoreError {
            // The top must exist; below it, a directory that vanished or cannot be read goes to onError.
            guard !isTop, let onError else { throw error }
            onError(error)
            return
        }
        var entry = WalkEntry(dir: dir.description, subdirs: [], files: [])
        for item in listing.sorted(by: { $0.name < $1.name }) {
            if item.kind == .directory {
                entry.subdirs.append(item.name)
            } else {
                entry.files.append(item.name)
                entry.fileSizes.append(item.size)
            }
        }
        if topdown { try visit(&entry) }
        for name in entry.subdirs {
            try walk(dir.appending(name), isTop: false, visit)
        }
        if !topdown { try visit(&entry) }
    }
}
