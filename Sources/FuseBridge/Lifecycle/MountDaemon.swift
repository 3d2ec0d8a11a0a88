import CSystemShims
import FileIO
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A mount served by a detached background process: started by `artifactfs mount`, which returns
/// only once the mount is usable; recorded in the ``MountTable`` while it serves.
public enum MountDaemon {
    /// Seconds `start` waits for the mount to appear.
    public static let startTimeout: Double = 30

    /// Runs this executable again with `arguments` (which must make it call ``serve(_:options:record:)``)
    /// as a detached process of its own session, logging to the mount's log file, and waits until
    /// the mount is usable and recorded.
    /// - Throws: ``MountError`` with the daemon's own message when it exits before mounting, or
    ///   when the mount does not appear in time.
    public static func start(mountpoint: String, arguments: [String]) throws {
        let log = MountTable.logFile(for: mountpoint)
        let pid = try spawn(arguments: arguments, log: log)
        let deadline = Date().addingTimeInterval(startTimeout)
        while true {
            // Mounted, and the daemon has recorded itself (so `artifactfs mounts` shows it at once).
            if KernelMount.artifactfs().contains(where: { $0.mountpoint == mountpoint }),
                MountTable.read(mountpoint)?.pid == pid
            {
                return
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw MountError(
                    .failed,
                    failureMessage(log: log) ?? "the mount process exited before mounting (log: \(log))"
                )
            }
            if Date() > deadline {
                kill(pid, SIGTERM)
                throw MountError(.failed, "\(mountpoint): not mounted after \(Int(startTimeout)) s (log: \(log))")
            }
            usleep(20_000)
        }
    }

    /// Serves `store` in this process until it is unmounted, recording the mount in the
    /// ``MountTable`` once it is usable (`record` gets this process's pid and log) and removing
    /// the record when it ends. The log is removed after a clean end; after a failure it stays,
    /// for ``start(mountpoint:arguments:)`` to report.
    /// - Throws: what ``FuseMount/serve(store:options:ready:)`` throws.
    public static func serve(
        _ store: any ArtifactStore,
        options: MountOptions,
        record: (_ pid: Int32, _ log: String) -> MountTable.State,
        ready: () -> Void = {}
    ) throws {
        let log = MountTable.logFile(for: options.mountpoint)
        defer { MountTable.remove(options.mountpoint) }
        try FuseMount.serve(store: store, options: options) {
            try? MountTable.write(record(getpid(), log))
            ready()
        }
        unlink(log)
    }

    /// Unmounts an artifactfs mount, also one whose daemon died (lazily, as `umount -l` does, when
    /// a plain unmount is refused), and waits for its daemon to finish its uploads and exit.
    /// - Throws: ``MountError`` when `mountpoint` is no artifactfs mount or both unmounts fail.
    public static func unmount(_ mountpoint: String) throws {
        let path = canonical(mountpoint)
        guard KernelMount.artifactfs().contains(where: { $0.mountpoint == path }) else {
            MountTable.remove(path)
            throw MountError(.notMounted, "\(path): not an artifactfs mount (see `artifactfs mounts`)")
        }
        let state = MountTable.read(path)
        if let failure = fusermount(["-u", path]) {
            // A dead daemon leaves "Transport endpoint is not connected"; a busy mount refuses -u.
            if let lazy = fusermount(["-uz", path]) {
                throw MountError(.failed, "\(path): unmount failed: \(failure); lazy unmount failed: \(lazy)")
            }
        }
        if let pid = state?.pid {
            let deadline = Date().addingTimeInterval(10)
            while MountTable.isAlive(pid), Date() < deadline { usleep(20_000) }
        }
        MountTable.remove(path)
    }

    /// The absolute path the kernel shows for `path`; works when the mount's daemon is dead
    /// (only the parent is resolved, never the mountpoint itself).
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

    /// The daemon's last error line, without its `artifactfs: ` prefix.
    private static func failureMessage(log: String) -> String? {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        guard let last = lines.last(where: { $0.hasPrefix("artifactfs: ") }) ?? lines.last else { return nil }
        return last.hasPrefix("artifactfs: ") ? String(last.dropFirst("artifactfs: ".count)) : last
    }

    private static func spawn(arguments: [String], log: String) throws -> pid_t {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
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
        // A session of its own, so closing the terminal does not stop the mount.
        posix_spawnattr_setflags(&attributes, afs_posix_spawn_setsid())
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw MountError(
                .failed,
                "cannot start the mount process: \(String(cString: strerror(result)))",
                cause: SystemCallError(call: "posix_spawn", errno: result)
            )
        }
        return pid
    }
}
