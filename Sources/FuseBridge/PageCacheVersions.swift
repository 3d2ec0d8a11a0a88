import Synchronization

/// The version each file had when it was last opened for reading, so the kernel keeps the file's
/// cached pages from one open to the next (`keep_cache`) while the version is the same, and a
/// re-read comes from memory; a new version, or none known, makes the kernel drop them at the open.
/// Writes through the mount keep the pages right as they go, and end in a new version. A version
/// is an object's ETag or generation, or a file's modification time, size and inode.
final class PageCacheVersions: Sendable {
    /// Past this many files the record starts over: a forgotten file loses its pages once.
    private static let capacity = 100_000

    private let versions = Mutex<[String: String]>([:])

    /// True when `path` was last opened at `version`; remembers `version` for the next open.
    func keepsPages(of path: String, version: String?) -> Bool {
        versions.withLock { versions in
            guard let version else {
                versions[path] = nil
                return false
            }
            if versions[path] == version { return true }
            if versions.count >= Self.capacity { versions.removeAll(keepingCapacity: true) }
            versions[path] = version
            return false
        }
    }
}
