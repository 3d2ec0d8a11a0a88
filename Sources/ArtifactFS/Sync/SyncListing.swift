import Foundation

/// One file on one side of a sync: its path below the synced root and what its store told about it.
public struct SyncEntry: Sendable, Hashable {
    /// The path below the synced root, components joined by `/` (`runs/1/model.bin`); empty when
    /// the synced root is itself a file.
    public var relativePath: String
    /// Size in bytes.
    public var size: UInt64
    /// Last modification time, when the store keeps one (an object store's upload time).
    public var modified: Date?
    /// The content's MD5 (lowercase hex), known for `--checksum` only.
    public var md5: String?

    /// Creates an entry.
    public init(relativePath: String, size: UInt64, modified: Date? = nil, md5: String? = nil) {
        self.relativePath = relativePath
        self.size = size
        self.modified = modified
        self.md5 = md5
    }
}

/// The files below one synced root that a ``SyncFilter`` admits, keyed by relative path, and the
/// directories seen on the way (so `--delete` keeps the ones the source has).
public struct SyncListing: Sendable {
    /// The admitted files by ``SyncEntry/relativePath``.
    public var files: [String: SyncEntry]
    /// The relative paths of every directory below the root.
    public var directories: Set<String>
    /// The relative path of everything the listing saw, whatever its kind and whether admitted or
    /// not: a path outside it was free when listed, so a copy there may skip asking again.
    public var occupied: Set<String>

    /// A listing of the given files, for planning without a store.
    public init(_ entries: [SyncEntry], directories: Set<String> = []) {
        files = Dictionary(entries.map { ($0.relativePath, $0) }) { first, _ in first }
        self.directories = directories
        occupied = directories.union(files.keys)
    }

    /// Lists the tree below `root` (or the single file `root`), one `scandir` per directory and a
    /// `stat` only for entries whose listing lacks a size or time. Links to files count as files;
    /// links to directories are not followed; staging files of interrupted local writes are ignored.
    /// - Throws: ``FileIO/ArtifactStoreError`` when the root or a directory below it cannot be listed.
    public static func scan(_ store: any ArtifactStore, _ root: ArtifactPath, filter: SyncFilter) throws -> SyncListing
    {
        let top = try store.stat(root.description)
        guard top.kind == .directory else {
            return SyncListing([SyncEntry(relativePath: "", size: top.size, modified: top.modified)])
        }
        var listing = SyncListing([])
        var pending: [(ArtifactPath, String)] = [(root, "")]
        while let (dir, prefix) = pending.popLast() {
            for item in try store.scandir(dir.description) {
                let path = dir.appending(item.name)
                let relative = prefix + item.name
                listing.occupied.insert(relative)
                switch item.kind {
                case .directory:
                    listing.directories.insert(relative)
                    pending.append((path, relative + "/"))
                case .file, .symlink:
                    guard !isStagingFile(item.name), filter.admits(relative) else { continue }
                    if item.kind == .file, let size = item.size, let modified = item.modified {
                        listing.files[relative] = SyncEntry(relativePath: relative, size: size, modified: modified)
                        continue
                    }
                    let info: FileInfo
                    do {
                        info = try store.stat(path.description)
                    } catch let error as ArtifactStoreError where error.code == .notFound {
                        continue  // removed since the listing, or a dangling link
                    }
                    if info.kind == .file {
                        listing.files[relative] = SyncEntry(
                            relativePath: relative,
                            size: info.size,
                            modified: info.modified
                        )
                    }
                case .other:
                    continue
                }
            }
        }
        return listing
    }

    /// The hidden `.NAME.RANDOM.afs-tmp` file a local write stages in before its rename into
    /// place; one left by a killed process is never a file to sync.
    static func isStagingFile(_ name: String) -> Bool {
        name.hasPrefix(".") && name.hasSuffix(".afs-tmp")
    }
}

extension ArtifactPath {
    /// This path with a sync's relative path (`a/b`, or empty for the path itself) appended.
    func appending(relativePath: String) -> ArtifactPath {
        relativePath.split(separator: "/", omittingEmptySubsequences: false).reduce(self) {
            $1.isEmpty ? $0 : $0.appending(String($1))
        }
    }
}
