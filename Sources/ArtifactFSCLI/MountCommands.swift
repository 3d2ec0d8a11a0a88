import ArgumentParser
import FileIO
import Foundation
import FuseBridge
import Stacks

#if canImport(Glibc)
import Glibc
#endif

extension MountError: OperationError {}

struct Mount: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mount an artifact store as a local directory (FUSE).",
        discussion: """
            STORE_OR_URI is a registered artifact-store component (`default`) or a path or URI \
            (`memory://scratch`, `/data/warehouse`). Returns once the mount is usable; the files stay \
            served by a background process until `artifactfs unmount MOUNTPOINT`. Writes reach the store \
            when the file is closed, and a failed upload fails close(). `.artifactfs/` at the mount root \
            (not listed) holds component.json, stack.json and live stats.
            """)

    @Argument(help: "A registered artifact-store component, or a path or URI.")
    var storeOrURI: String

    @Argument(help: "An existing, empty folder.")
    var mountpoint: String

    @Flag(help: "Refuse every change (EROFS).")
    var readOnly = false

    @Flag(help: "Serve in this process until unmounted or interrupted, instead of in the background.")
    var foreground = false

    @Flag(help: "Let other users see the files (needs user_allow_other in /etc/fuse.conf unless root).")
    var allowOther = false

    @Option(name: .customLong("attr-ttl"), help: "Seconds attributes and names are cached (0 disables caching).")
    var attributeTTL: Double = 1

    @Option(help: "Folder for staging writes into existing files (default: $TMPDIR or /var/tmp).")
    var stagingDir: String?

    @Flag(help: "Log every FUSE request (to the daemon log, or standard error with --foreground).")
    var debug = false

    func validate() throws {
        guard attributeTTL >= 0, attributeTTL.isFinite else { throw ValidationError("--attr-ttl must be a number of seconds >= 0") }
    }

    func run() throws {
        let target = try MountPreflight.check(mountpoint)
        let metadata = try Project.store()
        let store = try MountTarget.resolve(storeOrURI, in: metadata)
        try store.checkReachable(readOnly: readOnly)
        if foreground {
            try serve(store, at: target, metadata: metadata)
        } else {
            try MountDaemon.start(mountpoint: target)
        }
    }

    private func serve(_ store: MountTarget, at mountpoint: String, metadata: MetadataStore) throws {
        var options = MountOptions(mountpoint: mountpoint, root: store.root)
        options.readOnly = readOnly
        options.allowOther = allowOther
        options.attributeTTL = attributeTTL
        options.debug = debug
        options.sourceName = store.sourceName
        options.stagingDirectory = stagingDir ?? ProcessInfo.processInfo.environment["TMPDIR"] ?? "/var/tmp"
        options.controlFiles = [
            "component.json": store.componentJSON(metadata: metadata, options: options),
            "stack.json": store.stackJSON(metadata: metadata),
        ]
        defer { MountTable.remove(mountpoint) }
        try FuseMount.serve(store: store.store, options: options) {
            let state = MountTable.State(
                mountpoint: mountpoint, source: storeOrURI, component: store.component?.name, flavor: store.component?.flavor,
                root: store.root, pid: getpid(), log: MountTable.logFile(for: mountpoint), readOnly: readOnly)
            try? MountTable.write(state)
            Output.error("artifactfs: mounted \(store.sourceName) at \(mountpoint)")
        }
        // A clean end needs no log; after a failure it stays, for `artifactfs mount` to report.
        unlink(MountTable.logFile(for: mountpoint))
    }
}

/// The checks a mountpoint must pass before anything is mounted.
enum MountPreflight {
    /// Returns the mountpoint's canonical absolute path.
    /// - Throws: ``MountError`` for a missing folder, a file, a folder that is not empty or already
    ///   mounted, or a machine without `/dev/fuse`.
    static func check(_ mountpoint: String) throws -> String {
        var info = stat()
        guard stat(mountpoint, &info) == 0 else {
            if errno == ENOTCONN {
                throw MountError("\(mountpoint): a dead mount is still there: run `artifactfs unmount \(mountpoint)` first")
            }
            throw MountError("\(mountpoint): mountpoint does not exist (create it with mkdir)")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw MountError("\(mountpoint): mountpoint is a file, not a folder") }
        guard let resolved = realpath(mountpoint, nil) else { throw MountError("\(mountpoint): cannot resolve the mountpoint") }
        let path = String(cString: resolved)
        free(resolved)
        if MountTable.allKernelMounts().contains(where: { $0.mountpoint == path }) {
            throw MountError("\(path): already a mountpoint (see `artifactfs mounts`; `artifactfs unmount \(path)`)")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        guard entries.isEmpty else { throw MountError("\(path): mountpoint is not empty (\(entries.count) entries): mount onto an empty folder") }
        guard access("/dev/fuse", R_OK | W_OK) == 0 else {
            throw MountError("/dev/fuse is missing or not accessible: load the fuse module (modprobe fuse), or give the container --device /dev/fuse")
        }
        return path
    }
}

/// Runs `artifactfs mount ... --foreground` as a detached background process and waits until the
/// mount is usable, so `artifactfs mount` returns only then.
enum MountDaemon {
    static let startTimeout: Double = 30

    /// - Throws: ``MountError`` with the daemon's own message when it exits before mounting, or
    ///   when the mount does not appear in time.
    static func start(mountpoint: String) throws {
        let log = MountTable.logFile(for: mountpoint)
        let pid = try spawn(arguments: Array(CommandLine.arguments.dropFirst()) + ["--foreground"], log: log)
        let deadline = Date().addingTimeInterval(startTimeout)
        while true {
            // Mounted, and the daemon has recorded itself (so `artifactfs mounts` shows it at once).
            if MountTable.kernelMounts().contains(where: { $0.mountpoint == mountpoint }), MountTable.read(mountpoint)?.pid == pid {
                return
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw MountError(failureMessage(log: log) ?? "the mount process exited before mounting (log: \(log))")
            }
            if Date() > deadline {
                kill(pid, SIGTERM)
                throw MountError("\(mountpoint): not mounted after \(Int(startTimeout)) s (log: \(log))")
            }
            usleep(20_000)
        }
    }

    /// The daemon's last error line, without its `artifactfs: ` prefix.
    private static func failureMessage(log: String) -> String? {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        guard let last = lines.last(where: { $0.hasPrefix("artifactfs: ") }) ?? lines.last else { return nil }
        return last.hasPrefix("artifactfs: ") ? String(last.dropFirst("artifactfs: ".count)) : last
    }

    private static func spawn(arguments: [String], log: String) throws -> pid_t {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        // The daemon outlives this process: it must not hold the caller's pipes and sockets open.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let fd = Int32(name), fd > 2 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // POSIX_SPAWN_SETSID: a session of its own, so closing the terminal does not stop the mount.
        posix_spawnattr_setflags(&attributes, 0x80)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else { throw MountError("cannot start the mount process: \(String(cString: strerror(result)))") }
        return pid
    }
}

struct Unmount: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Unmount an artifactfs mount (also one whose process died).",
        discussion: "Waits for the mount's process to finish; uploads of closed files have completed before close() returned.")

    @Argument(help: "The mountpoint.")
    var mountpoint: String

    func run() throws {
        let path = Self.canonical(mountpoint)
        guard MountTable.kernelMounts().contains(where: { $0.mountpoint == path }) else {
            MountTable.remove(path)
            throw MountError("\(path): not an artifactfs mount (see `artifactfs mounts`)")
        }
        let state = MountTable.read(path)
        if let failure = Self.fusermount(["-u", path]) {
            // A dead daemon leaves "Transport endpoint is not connected"; a busy mount refuses -u:
            // detach it lazily, as `umount -l` does.
            if let lazy = Self.fusermount(["-uz", path]) {
                throw MountError("\(path): unmount failed: \(failure); lazy unmount failed: \(lazy)")
            }
        }
        if let pid = state?.pid {
            let deadline = Date().addingTimeInterval(10)
            while MountTable.isAlive(pid), Date() < deadline { usleep(20_000) }
        }
        MountTable.remove(path)
    }

    /// The absolute path `/proc/mounts` shows; works when the mount's daemon is dead.
    static func canonical(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let parent = (absolute as NSString).deletingLastPathComponent
        guard let resolved = realpath(parent, nil) else { return absolute }
        defer { free(resolved) }
        return (String(cString: resolved) as NSString).appendingPathComponent((absolute as NSString).lastPathComponent)
    }

    /// Runs `fusermount3 ARGS`; nil on success, else what it printed.
    private static func fusermount(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/fusermount3")
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return "cannot run fusermount3 (install the fuse3 package): \(error)"
        }
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus != 0 else { return nil }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
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
        let rows = MountTable.kernelMounts().map { mount in
            let state = MountTable.read(mount.mountpoint)
            let alive = state.map { MountTable.isAlive($0.pid) } ?? false
            return Row(
                mountpoint: mount.mountpoint, source: mount.source, component: state?.component, flavor: state?.flavor,
                root: state?.root, pid: state?.pid, status: alive ? "ok" : "dead",
                readOnly: mount.options.split(separator: ",").contains("ro"))
        }
        if json { return try Output.json(rows) }
        Output.table(
            ["MOUNTPOINT", "COMPONENT", "FLAVOR", "ROOT", "PID", "STATUS"],
            rows.map { [$0.mountpoint, $0.component ?? "-", $0.flavor ?? "-", $0.root ?? "-", $0.pid.map(String.init) ?? "-", $0.status + ($0.readOnly ? " (ro)" : "")] })
    }
}
