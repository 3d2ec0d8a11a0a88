import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A server program run for tests under a watchdog: it is stopped by ``stop()``, at process exit,
/// and — should the test process die — by the watchdog shell, which ends it once its parent is gone.
/// Its scratch folder goes with it when the test process ends (normally or not), not on ``stop()``,
/// so a server stopped and started again finds its data.
public final class ServerProcess: Sendable {
    /// A name for messages (`mlflow server`).
    public let name: String
    let program: String
    let arguments: [String]
    let environment: [String: String]
    /// Where the server's output goes.
    public let log: String
    /// The folder of the server's data and log, deleted once the test process is gone.
    let scratch: String?
    /// Seconds the server gets to exit after SIGTERM before it is killed.
    let gracePeriod: Int
    private let process = Mutex<Process?>(nil)

    /// Describes a server; nothing runs until ``start()``.
    public init(
        name: String,
        program: String,
        arguments: [String],
        environment: [String: String],
        log: String,
        scratch: String? = nil,
        gracePeriod: Int = 10
    ) {
        self.scratch = scratch
        self.gracePeriod = gracePeriod
        self.name = name
        self.program = program
        self.arguments = arguments
        self.environment = environment
        self.log = log
    }

    deinit { stop() }

    /// Starts the program (again, after ``stop()``) with its output appended to ``log``.
    /// - Throws: when the watchdog shell cannot be started.
    public func start() throws {
        // The server runs in a process group of its own, so stopping it stops every process it
        // started (MLflow's workers, SeaweedFS's servers); what ignores TERM for the grace period gets KILL.
        // SIGUSR1 (sent at exit) or a vanished parent also deletes the scratch folder once the server is gone.
        let removal = scratch.map { "rm -rf -- '\($0)'" } ?? ":"
        let script = """
            setsid "$0" "$@" >>"\(log)" 2>&1 &
            server=$!
            remove=""
            end() {
                kill -TERM -$server 2>/dev/null
                for _ in $(seq \(gracePeriod * 5)); do kill -0 -$server 2>/dev/null || break; sleep 0.2; done
                kill -KILL -$server 2>/dev/null
                if [ -n "$remove" ]; then \(removal); fi
                exit 0
            }
            trap end TERM INT
            trap 'remove=1; end' USR1
            trap 'kill -KILL -$server 2>/dev/null; wait $server; exit 0' USR2
            while kill -0 \(getpid()) 2>/dev/null && kill -0 $server 2>/dev/null; do sleep 0.5; done
            kill -0 \(getpid()) 2>/dev/null || remove=1
            end
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script, program] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try Self.withSignalsUnblocked { try process.run() }
        self.process.withLock { $0 = process }
        ServerCleanup.shared.add(self)
    }

    /// Whether the server (its watchdog) is still running.
    public var isRunning: Bool { process.withLock { $0?.isRunning ?? false } }

    /// Waits until `ready` holds; stops the server and throws with the log's tail when it does not in time.
    /// - Throws: ``TestServerError`` naming `what` it waited for.
    public func waitUntil(seconds: Double, _ what: String, _ ready: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if ready() { return }
            guard isRunning else { break }
            usleep(200_000)
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        stop()
        throw TestServerError(
            message: "\(name) did not answer on \(what) within \(Int(seconds)) s; log:\n\(output.suffix(2000))"
        )
    }

    /// Stops the server and waits (up to the grace period and 5 s) until its watchdog, and so the
    /// server, has exited.
    public func stop() {
        guard let pid = signalStop() else { return }
        waitForExit(pid)
    }

    /// Kills the server and what it started with SIGKILL, as a crash would, and waits until they are
    /// gone; its scratch folder stays, so ``start()`` brings it back on the same data.
    public func kill() {
        guard let pid = signalStop(SIGUSR2) else { return }
        waitForExit(pid)
    }

    /// Waits (up to the grace period and 5 s) for the watchdog `pid` to exit; then kills it.
    private func waitForExit(_ pid: pid_t) {
        for _ in 0..<(gracePeriod + 5) * 10 where Glibc.kill(pid, 0) == 0 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(100_000)
        }
        Glibc.kill(pid, SIGKILL)
    }

    /// Asks the watchdog to stop the server with `signal` (SIGTERM; SIGUSR1 also deletes the
    /// scratch folder), without waiting; returns the watchdog's process id.
    @discardableResult
    func signalStop(_ signal: Int32 = SIGTERM) -> pid_t? {
        guard
            let process = self.process.withLock({ state -> Process? in
                defer { state = nil }
                return state
            })
        else { return nil }
        let pid = process.processIdentifier
        Glibc.kill(pid, signal)
        return pid
    }

    /// Runs `body` with no signal blocked in this thread, so a program it starts does not inherit
    /// the blocked signals of a test-runner thread (a server that cannot get SIGTERM never stops).
    static func withSignalsUnblocked<T>(_ body: () throws -> T) rethrows -> T {
        var none = sigset_t()
        var previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }

    /// Runs a program to its end and returns its standard output.
    /// - Throws: ``TestServerError`` with its standard error when it exits non-zero.
    @discardableResult
    public static func run(_ program: String, _ arguments: [String], environment: [String: String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let errors = Mutex(Data())
        let reader = Thread { errors.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while reader.isExecuting || !reader.isFinished { usleep(1000) }
        guard process.terminationStatus == 0 else {
            throw TestServerError(
                message: "\(program) failed: \(String(decoding: errors.withLock { $0 }, as: UTF8.self).suffix(2000))"
            )
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Stops every ``ServerProcess`` still running when the test process exits normally.
final class ServerCleanup: Sendable {
    static let shared: ServerCleanup = {
        let cleanup = ServerCleanup()
        atexit { ServerCleanup.shared.stopAll() }
        return cleanup
    }()

    private let servers = Mutex<[ServerProcess]>([])

    func add(_ server: ServerProcess) {
        servers.withLock { list in
            if !list.contains(where: { $0 === server }) { list.append(server) }
        }
    }

    /// Signals every server to stop and its scratch folder to go; their watchdogs finish the job
    /// after this process is gone.
    func stopAll() {
        for server in servers.withLock({ $0 }) { server.signalStop(SIGUSR1) }
    }
}

extension ServerProcess {
    /// The path of `program` on the PATH.
    /// - Throws: ``TestServerError`` when it is not there.
    static func locate(_ program: String) throws -> String {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestServerError(message: "'\(program)' is not on the PATH (run scripts/bootstrap)")
    }

    /// A new, empty folder `artifactfs-LABEL-UUID` under the temporary directory, for one server's
    /// data and log (pass it as the server's `scratch`, so it goes when the test process ends).
    /// - Throws: when the folder cannot be created.
    public static func scratchDirectory(_ label: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "artifactfs-\(label)-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }
}
