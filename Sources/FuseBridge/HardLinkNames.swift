import FileIO
import Synchronization

/// The names the mount has seen for each file that has more than one (by inode). The kernel
/// caches attributes per name, so a change made through one name (a mode, a link count) must
/// be pushed to its cache of the others.
final class HardLinkNames: Sendable {
    private struct Table {
        var names: [UInt64: Set<String>] = [:]
        var inodes: [String: UInt64] = [:]
    }

    private let table = Mutex(Table())

    /// Notes what `getattr` found at a mount-relative path.
    func saw(_ path: String, _ info: FileInfo) {
        guard let inode = info.inode else { return }
        table.withLock { table in
            if (info.links ?? 1) > 1 {
                if let previous = table.inodes[path], previous != inode { table.names[previous]?.remove(path) }
                table.inodes[path] = inode
                table.names[inode, default: []].insert(path)
            } else if let previous = table.inodes.removeValue(forKey: path) {
                table.names[previous]?.remove(path)
                if table.names[previous]?.isEmpty == true { table.names[previous] = nil }
            }
        }
    }

    /// The other names of the file at `path`, as far as the mount has seen them.
    func others(of path: String) -> [String] {
        table.withLock { table in
            guard let inode = table.inodes[path] else { return [] }
            return table.names[inode, default: []].filter { $0 != path }
        }
    }

    /// Forgets a name that no longer exists (unlinked, or renamed away).
    func forget(_ path: String) {
        table.withLock { table in
            guard let inode = table.inodes.removeValue(forKey: path) else { return }
            table.names[inode]?.remove(path)
            if table.names[inode]?.isEmpty == true { table.names[inode] = nil }
        }
    }
}
