import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The artifactfs mounts of this machine: the kernel's mounts of type `fuse.artifactfs` joined
/// with a small state file per mount (component, flavor, daemon pid, log), kept in
/// `/run/artifactfs` for root, else `$XDG_RUNTIME_DIR/artifactfs` or `/tmp/artifactfs-<uid>`.
public enum MountTable {
    /// What the daemon of one mount records about it.
    public struct State: Codable, Sendable {
        /// The absolute mountpoint.
        public var mountpoint: String
        /// What the user asked to mount (a component name, a path or a URI).
        public var source: String
        /// The artifact-store component served, when there is one.
        public var component: String?
        /// That component's flavor.
        public var flavor: String?
        /// The store path shown at the mount's root.
        public var root: String
        /// The daemon's process id.
        public var pid: Int32
        /// The daemon's log file.
        public var log: String
        /// Whether the mount refuses changes.
        public var readOnly: Bool

        /// A state record.
        public init(
            mountpoint: String,
            source: String,
            component: String?,
            flavor: String?,
            root: String,
            pid: Int32,
            log: String,
            readOnly: Bool
        ) {
            self.mountpoint = mountpoint
            self.source = source
            self.component = component
            self.flavor = flavor
            self.root = root
            self.pid = pid
            self.log = log
            self.readOnly = readOnly
        }
    }

    /// One artifactfs mount as `artifactfs mounts` shows it: what the kernel has, and what its
    /// daemon recorded (nil when the state file is gone).
    public struct Entry: Sendable {
        /// The kernel's view.
        public var mount: KernelMount
        /// The daemon's record.
        public var state: State?
        /// True while the daemon serving the mount is alive; a dead one leaves a mount that
        /// answers ENOTCONN until `artifactfs unmount`.
        public var isAlive: Bool { state.map { MountTable.isAlive($0.pid) } ?? false }
    }

    /// The folder of the state files and daemon logs, created when missing.
    public static func stateDirectory() -> String {
        let directory: String
        if getuid() == 0 {
            directory = "/run/artifactfs"
        } else if let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            directory = runtime + "/artifactfs"
        } else {
            directory = "/tmp/artifactfs-\(getuid())"
        }
        try? FileManager.default.createDirectory(
            atPath: directory,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        return directory
    }

    /// The state file of a mountpoint (an absolute path).
    static func stateFile(for mountpoint: String) -> String {
        stateDirectory() + "/" + key(mountpoint) + ".json"
    }

    /// The daemon log of a mountpoint.
    public static func logFile(for mountpoint: String) -> String {
        stateDirectory() + "/" + key(mountpoint) + ".log"
    }

    private static func key(_ mountpoint: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        return "mnt"
            + (mountpoint.addingPercentEncoding(withAllowedCharacters: allowed) ?? mountpoint)
            .replacingOccurrences(of: "%", with: "_")
    }

    /// Records a mount's state (atomically replacing an earlier record).
    public static func write(_ state: State) throws {
        let data = try JSONEncoder().encode(state)
        try data.write(to: URL(fileURLWithPath: stateFile(for: state.mountpoint)), options: .atomic)
    }

    /// The recorded state of a mountpoint, if any.
    public static func read(_ mountpoint: String) -> State? {
        guard let data = FileManager.default.contents(atPath: stateFile(for: mountpoint)) else { return nil }
        return try? JSONDecoder().decode(State.self, from: data)
    }

    /// Forgets a mountpoint's state.
    public static func remove(_ mountpoint: String) {
        unlink(stateFile(for: mountpoint))
    }

    /// Every artifactfs mount of this machine, with what its daemon recorded.
    public static func entries() -> [Entry] {
        KernelMount.artifactfs().map { Entry(mount: $0, state: read($0.mountpoint)) }
    }

    /// True when a daemon process with this pid is alive (a zombie nobody reaped is not).
    static func isAlive(_ pid: Int32) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.range(of: ") ", options: .backwards)
        else { return true }
        return stat[end.upperBound...].first != "Z"
    }
}
