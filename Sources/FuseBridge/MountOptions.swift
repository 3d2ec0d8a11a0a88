import Logging

/// How a store is mounted.
public struct MountOptions: Sendable {
    /// The directory the store appears at.
    public var mountpoint: String
    /// The store path shown as the mount's root (the store's root, or a folder below it).
    public var root: String
    /// Refuse every change (`EROFS`), whatever the store allows.
    public var readOnly = false
    /// Let users other than the one who mounted see the files (`-o allow_other`).
    public var allowOther = false
    /// Seconds the kernel and the bridge keep attributes and names before asking the store again.
    public var attributeTTL: Double = 1
    /// Seconds the bridge keeps a folder's listing before listing it again; nil follows
    /// ``attributeTTL``, so names and their attributes go stale together.
    public var listTTL: Double?
    /// Print every FUSE request (libfuse's `-d`) to standard error.
    public var debug = false
    /// The name `/proc/mounts` shows as the mount's source, e.g. `artifactfs:default`.
    public var sourceName = "artifactfs"
    /// Where writes into existing content are staged (anonymous temporary files).
    public var stagingDirectory = "/var/tmp"
    /// The fixed files of `.artifactfs/` (`component.json`, `stack.json`), by name.
    public var controlFiles: [String: String] = [:]
    /// The kernel's read-ahead for the mount, in KiB (its default of 128 KiB caps FUSE reads at
    /// that size); set through `/sys/class/bdi`, which needs root. 0 keeps the kernel's.
    public var kernelReadAheadKiB = 4096
    /// Where to serve `/metrics` (Prometheus text), or nowhere.
    public var metricsAddress: MetricsAddress?
    /// The least severe log line written to standard error: a failed operation logs at `error`
    /// for EIO, `info` for a refusal (EACCES, EPERM, EROFS, ENOSPC, ENOTSUP, EXDEV), `debug` for
    /// the answers lookups expect (ENOENT, EEXIST, ENODATA, ...).
    public var logLevel: Logger.Level = .notice
    /// Worker threads of the multi-threaded loop.
    public var maxThreads: UInt32 = 16

    /// Options for mounting the store path `root` at `mountpoint`, with defaults for the rest.
    public init(mountpoint: String, root: String) {
        self.mountpoint = mountpoint
        self.root = root
    }
}
