import ArgumentParser
import ArtifactFS
import Foundation
import FuseBridge
import Logging

#if canImport(Glibc)
import Glibc
#endif

struct Mount: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mount an artifact store as a local directory (FUSE).",
        discussion: """
            STORE_OR_URI is a registered artifact-store component (`default`) or a path or URI \
            (`memory://scratch`, `/data/warehouse`). Returns once the mount is usable; the files stay \
            served by a background process until `artifactfs unmount MOUNTPOINT`. Writes reach the store \
            when the file is closed, and a failed upload fails close(). `.artifactfs/` at the mount root \
            (not listed) holds component.json, stack.json and live stats. With --stack, the only \
            argument is the mountpoint (the active stack) or the stack's name and the mountpoint: every \
            artifact-store component is a top-level folder named after it, and models/ the stack's model \
            registry; a rename from one folder to another answers EXDEV, so mv copies.
            """
    )

    @Argument(help: "A registered artifact-store component, or a path or URI.", completion: Completion.mountSources)
    var storeOrURI: String

    @Argument(help: ArgumentHelp("An existing, empty folder.", valueName: "mountpoint"), completion: .directory)
    var mountpointArgument: String?

    @Flag(help: "Mount every artifact-store component as a folder, and models/ for the stack's model registry.")
    var stack = false

    @Flag(help: "Refuse every change (EROFS).")
    var readOnly = false

    @Flag(
        help: ArgumentHelp(
            "Serve in this process until unmounted or interrupted, instead of in the background.",
            discussion: "Under systemd (Type=notify), readiness is sent to NOTIFY_SOCKET once the mount is usable."
        )
    )
    var foreground = false

    @Flag(help: "Let other users see the files (needs user_allow_other in /etc/fuse.conf unless root).")
    var allowOther = false

    @Option(name: .customLong("attr-ttl"), help: "Seconds attributes and names are cached (0 disables caching).")
    var attributeTTL: Double = 1

    @Option(
        name: .customLong("list-ttl"),
        help: ArgumentHelp(
            "Seconds a folder's listing is cached (default: --attr-ttl; 0 lists every time).",
            discussion: "Changes made through this mount show at once; changes made elsewhere show after the TTL."
        )
    )
    var listTTL: Double?

    @Option(
        help: ArgumentHelp(
            "Bytes of object blocks kept in memory for re-reads, e.g. 2G (default: 512M; 0 keeps none).",
            discussion: "Shared by every open file; keyed by object version, so a replaced object is never read stale.",
            valueName: "size"
        )
    )
    var memoryCache = ByteCount(bytes: 512 << 20)

    @Option(
        help: ArgumentHelp(
            "Most bytes of data the mount holds at once: --memory-cache, reads ahead and uploads in flight (default: --memory-cache + 512M).",
            discussion:
                "At the limit a read fetches only what it asks for and a file being written waits for its own parts; about 50M of code and libraries come on top.",
            valueName: "size"
        )
    )
    var memoryLimit: ByteCount?

    /// The smallest room for reads and uploads beside the memory cache that `--memory-limit` may leave.
    static let leastWorkingMemory = 64 << 20

    /// The bytes reads ahead and uploads in flight may hold: the limit less the memory cache.
    var workingMemory: Int { (memoryLimit?.bytes ?? memoryCache.bytes + 512 << 20) - memoryCache.bytes }

    @Option(
        help: ArgumentHelp(
            "Folder keeping object blocks on disk too, so re-reads outlive memory and a remount (made 0700; one mount at a time).",
            discussion:
                "Blocks are keyed by object version and checksummed; a full disk drops the oldest blocks, never fails a read.",
            valueName: "dir"
        )
    )
    var cacheDir: String?

    @Option(
        help: ArgumentHelp(
            "Most bytes of blocks kept in --cache-dir, e.g. 20G (default: 10G).",
            valueName: "size"
        )
    )
    var cacheSize: ByteCount?

    @Option(help: "Folder for staging writes into existing files (default: $TMPDIR or /var/tmp).")
    var stagingDir: String?

    @Flag(help: "Log every FUSE request (to the daemon log, or standard error with --foreground).")
    var debug = false

    @Option(
        help: ArgumentHelp(
            "Serve Prometheus metrics at http://HOST:PORT/metrics (e.g. 127.0.0.1:9464).",
            valueName: "host:port"
        )
    )
    var metricsAddress: String?

    @Option(
        help: ArgumentHelp(
            "Least severe log line: trace, debug, info, notice, warning, error or critical (default: $ARTIFACTFS_LOG_LEVEL, else notice).",
            discussion:
                "Failed operations log at error for EIO, info for refusals (EACCES, EPERM, ENOTSUP, ...), debug for the rest."
        )
    )
    var logLevel: String?

    /// The folder to mount on: the last argument.
    var mountpoint: String { mountpointArgument ?? storeOrURI }

    /// The stack to mount with `--stack`: nil for the active one.
    var stackName: String? { mountpointArgument == nil ? nil : storeOrURI }

    func validate() throws {
        guard stack || mountpointArgument != nil else {
            throw ValidationError("Missing expected argument '<mountpoint>' (or --stack MOUNTPOINT)")
        }
        guard attributeTTL >= 0, attributeTTL.isFinite else {
            throw ValidationError("--attr-ttl must be a number of seconds >= 0")
        }
        if let listTTL, !(listTTL >= 0 && listTTL.isFinite) {
            throw ValidationError("--list-ttl must be a number of seconds >= 0")
        }
        _ = try parsedMetricsAddress()
        _ = try parsedLogLevel()
        if let cacheSize {
            guard cacheDir != nil else {
                throw ValidationError("--cache-size needs --cache-dir (the folder to keep blocks in)")
            }
            guard cacheSize.bytes > 0 else { throw ValidationError("--cache-size must be more than 0 bytes") }
        }
        if cacheDir?.isEmpty == true { throw ValidationError("--cache-dir must name a folder") }
        if let memoryLimit, workingMemory < Self.leastWorkingMemory {
            throw ValidationError(
                "--memory-limit \(memoryLimit.bytes >> 20)M leaves \(max(0, workingMemory) >> 20)M beside "
                    + "--memory-cache \(memoryCache.bytes >> 20)M for reads and uploads: "
                    + "give at least \(Self.leastWorkingMemory >> 20)M more than --memory-cache"
            )
        }
    }

    /// `--metrics-address`, checked.
    func parsedMetricsAddress() throws -> MetricsAddress? {
        do {
            return try metricsAddress.map(MetricsAddress.init(parsing:))
        } catch let error as MountError {
            throw ValidationError(error.message)
        }
    }

    /// `--log-level`, else `ARTIFACTFS_LOG_LEVEL`, else notice (debug with --debug).
    func parsedLogLevel() throws -> Logger.Level {
        let environment = ProcessInfo.processInfo.environment["ARTIFACTFS_LOG_LEVEL"]
        guard let text = logLevel ?? environment else { return debug ? .debug : .notice }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            let source = logLevel == nil ? "ARTIFACTFS_LOG_LEVEL" : "--log-level"
            let known = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("\(source) '\(text)' is not a log level (\(known))")
        }
        return level
    }

    func run() throws {
        let target = try MountPreflight.checkMountpoint(mountpoint)
        if let cacheDir { _ = try MountPreflight.checkCacheFolder(cacheDir, option: "--cache-dir", mountpoint: target) }
        let metadata = try Project.store()
        let store: MountTarget
        if stack {
            store = try MountTarget.stack(stackName, in: metadata, readOnly: readOnly)
        } else {
            store = try MountTarget.resolve(storeOrURI, in: metadata)
            try MountPreflight.checkRoot(store.root, of: store.store, readOnly: readOnly)
        }
        if foreground {
            try serve(store, at: target, metadata: metadata)
        } else {
            // Only a process systemd started may tell it the unit is ready: not the detached daemon.
            unsetenv("NOTIFY_SOCKET")
            try MountDaemon.start(
                mountpoint: target,
                arguments: Array(CommandLine.arguments.dropFirst()) + ["--foreground"]
            )
        }
    }

    private func serve(_ store: MountTarget, at mountpoint: String, metadata: MetadataStore) throws {
        var options = MountOptions(mountpoint: mountpoint, root: store.root)
        options.readOnly = readOnly
        options.allowOther = allowOther
        options.attributeTTL = attributeTTL
        options.listTTL = listTTL
        BlockCache.shared.capacity = memoryCache.bytes
        MemoryBudget.shared.limit = workingMemory
        MemoryBudget.returnLargeBuffersWhenFreed()
        if let cacheDir {
            BlockCache.shared.disk = try DiskBlockCache(
                directory: MountPreflight.checkCacheFolder(cacheDir, option: "--cache-dir", mountpoint: mountpoint),
                capacity: cacheSize?.bytes ?? 10 << 30
            )
        }
        options.debug = debug
        options.metricsAddress = try parsedMetricsAddress()
        options.logLevel = try parsedLogLevel()
        options.sourceName = store.sourceName
        options.stagingDirectory = stagingDir ?? ProcessInfo.processInfo.environment["TMPDIR"] ?? "/var/tmp"
        options.controlFiles = [
            "component.json": store.componentJSON(metadata: metadata, options: options),
            "stack.json": store.stackJSON(metadata: metadata),
        ]
        try MountDaemon.serve(store.store, options: options) { pid, log in
            MountTable.State(
                mountpoint: mountpoint,
                source: stack ? store.root : storeOrURI,
                component: store.component?.name,
                flavor: store.component?.flavor,
                root: store.root,
                pid: pid,
                log: log,
                readOnly: readOnly
            )
        } ready: {
            Output.error("artifactfs: mounted \(store.sourceName) at \(mountpoint)")
            SystemdNotify.send("READY=1\nSTATUS=serving \(store.sourceName) at \(mountpoint)")
        }
    }
}

struct Unmount: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Unmount an artifactfs mount (also one whose process died).",
        discussion:
            "Waits for the mount's process to finish; uploads of closed files have completed before close() returned."
    )

    @Argument(help: "The mountpoint.", completion: Completion.mountpoints)
    var mountpoint: String

    func run() throws {
        try MountDaemon.unmount(mountpoint)
    }
}

struct Mounts: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the artifactfs mounts of this machine.")

    @Flag(help: "Print JSON.")
    var json = false

    struct Row: Encodable {
        var mountpoint: String
        var source: String
        var component: String?
        var flavor: String?
        var root: String?
        var pid: Int32?
        var status: String
        var readOnly: Bool
    }

    func run() throws {
        let rows = MountTable.entries().map { entry in
            Row(
                mountpoint: entry.mount.mountpoint,
                source: entry.mount.source,
                component: entry.state?.component,
                flavor: entry.state?.flavor,
                root: entry.state?.root,
                pid: entry.state?.pid,
                status: entry.isAlive ? "ok" : "dead",
                readOnly: entry.mount.isReadOnly
            )
        }
        if json { return try Output.json(rows) }
        Output.table(
            ["MOUNTPOINT", "COMPONENT", "FLAVOR", "ROOT", "PID", "STATUS"],
            rows.map {
                [
                    $0.mountpoint, $0.component ?? "-", $0.flavor ?? "-", $0.root ?? "-",
                    $0.pid.map(String.init) ?? "-", $0.status + ($0.readOnly ? " (ro)" : ""),
                ]
            }
        )
    }
}
