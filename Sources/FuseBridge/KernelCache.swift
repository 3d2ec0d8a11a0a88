import CFuse
import Dispatch
import Synchronization

/// Tells the kernel to forget what it caches of a path (`fuse_invalidate_path`), for changes it
/// cannot see coming: the link count of a file's first name after a second one was made, a mode
/// set through an ACL attribute. Sent after the request that caused it has been answered.
final class KernelCache: Sendable {
    private struct Handle: @unchecked Sendable {
        var fuse: OpaquePointer?
    }

    private let handle = Mutex(Handle())
    private let queue = DispatchQueue(label: "artifactfs.kernel-cache")

    /// Starts (a mounted `struct fuse`) or stops (nil, before it is destroyed) the notifications.
    func attach(_ fuse: OpaquePointer?) {
        handle.withLock { $0.fuse = fuse }
    }

    /// Drops the kernel's attributes and cached pages of a mount-relative path before returning,
    /// for a path other than the one the current request is about (whose inode the kernel may hold).
    func invalidateNow(_ path: String) {
        handle.withLock { handle in
            if let fuse = handle.fuse { _ = fuse_invalidate_path(fuse, path) }
        }
    }

    /// Drops the kernel's attributes and cached pages of a mount-relative path, soon.
    func invalidate(_ path: String) {
        queue.async { [self] in
            handle.withLock { handle in
                if let fuse = handle.fuse { _ = fuse_invalidate_path(fuse, path) }
            }
        }
    }
}
