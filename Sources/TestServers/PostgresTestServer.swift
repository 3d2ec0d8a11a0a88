import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server on 127.0.0.1 for tests: Debian's `postgresql` package, a cluster made
/// by `initdb` in a fresh temporary folder and served on a free port, with password (SCRAM)
/// authentication over TCP, so clients exercise the password path a team's server takes.
///
/// PostgreSQL refuses to run as root: under root the cluster belongs to, and the server runs as,
/// the `postgres` user (`runuser`). The server runs as a ``ServerProcess``, so it is stopped by
/// ``stop()``, at process exit, and by its watchdog should the test process die — a failing test
/// leaves none behind. One server serves a whole test process (``shared()``), each test in a
/// database of its own (``createDatabase(_:)``): a database is made in milliseconds, a cluster in seconds.
public final class PostgresTestServer: Sendable {
    /// The superuser the cluster was made with.
    public let user = "postgres"
    /// The superuser's password (a test server's, not a secret).
    public let password = "artifactfs-test-password"
    /// The TCP port on 127.0.0.1.
    public let port: Int
    /// The server's data and log folder.
    public let directory: String
    private let server: ServerProcess

    private static let instance = Mutex<PostgresTestServer?>(nil)

    /// The server of this test process, started on first use.
    /// - Throws: ``TestServerError`` when PostgreSQL is not installed or does not start.
    public static func shared() throws -> PostgresTestServer {
        try instance.withLock { instance in
            if let instance { return instance }
            let server = try PostgresTestServer()
            instance = server
            return server
        }
    }

    /// Makes a cluster and starts its server.
    /// - Throws: ``TestServerError`` when PostgreSQL is not installed, or the cluster cannot be
    ///   made, or the server does not answer within 60 s.
    public init() throws {
        let bin = try Self.binaries()
        directory = try ServerProcess.scratchDirectory("postgres")
        let data = directory + "/data"
        let passwordFile = directory + "/password"
        try Data(password.utf8).write(to: URL(fileURLWithPath: passwordFile))
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: false)
        let runner = try Self.runner(owning: [directory, data, passwordFile])
        chmod(data, 0o700)
        try ServerProcess.run(
            runner.program,
            runner.arguments + [
                bin + "/initdb", "--pgdata=\(data)", "--username=\(user)", "--pwfile=\(passwordFile)",
                "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-sync",
            ],
            environment: [:]
        )
        var lastError: (any Error)?
        var started: (port: Int, server: ServerProcess)?
        // A port free a moment ago may be taken before the server binds it: retry on new ports.
        for _ in 1...3 where started == nil {
            let port = try FreePorts.take(1)[0]
            let server = ServerProcess(
                name: "postgres",
                program: runner.program,
                arguments: runner.arguments + [
                    bin + "/postgres", "-D", data, "-p", String(port), "-h", "127.0.0.1", "-k", "",
                    // A scratch cluster: durability buys nothing here, and costs time on every commit.
                    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                ],
                environment: [:],
                log: directory + "/postgres.log",
                scratch: directory
            )
            do {
                try server.start()
                try server.waitUntil(seconds: 60, "127.0.0.1:\(port)") {
                    (try? ServerProcess.run(
                        bin + "/pg_isready",
                        ["-q", "-h", "127.0.0.1", "-p", String(port)],
                        environment: [:]
                    )) != nil
                }
                started = (port, server)
            } catch {
                lastError = error
            }
        }
        guard let started else {
            throw lastError ?? TestServerError(message: "postgres did not start")
        }
        port = started.port
        server = started.server
    }

    deinit { stop() }

    /// Stops the server (its data folder goes when the test process ends).
    public func stop() { server.stop() }

    /// Creates an empty database (named `name`, or uniquely) and returns its URL, password included.
    /// - Throws: ``TestServerError`` with `createdb`'s message when it fails.
    @discardableResult
    public func createDatabase(
        _ name: String = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "_")
    ) throws -> String {
        try ServerProcess.run(
            try Self.binaries() + "/createdb",
            ["-h", "127.0.0.1", "-p", String(port), "-U", user, name],
            environment: ["PGPASSWORD": password]
        )
        return url(database: name)
    }

    /// The URL of database `name`; with `includingPassword: false` the password must come from
    /// elsewhere (`PGPASSWORD`, `~/.pgpass`).
    public func url(database name: String, includingPassword: Bool = true) -> String {
        let credentials = includingPassword ? "\(user):\(password)" : user
        return "postgresql://\(credentials)@127.0.0.1:\(port)/\(name)"
    }

    /// The newest installed PostgreSQL's programs (`/usr/lib/postgresql/VERSION/bin`).
    private static func binaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init)
        guard let newest = versions.max(), FileManager.default.isExecutableFile(atPath: "\(root)/\(newest)/bin/initdb")
        else {
            throw TestServerError(
                message: "PostgreSQL is not installed (no \(root)/VERSION/bin/initdb): apt-get install postgresql"
            )
        }
        return "\(root)/\(newest)/bin"
    }

    /// How to run PostgreSQL's programs: as they are, or — as root, which they refuse — as the
    /// `postgres` user through `runuser`, after giving it `paths`.
    private static func runner(owning paths: [String]) throws -> (program: String, arguments: [String]) {
        guard getuid() == 0 else { return ("/usr/bin/env", []) }
        guard let account = getpwnam("postgres") else {
            throw TestServerError(message: "running as root, but there is no 'postgres' user to run PostgreSQL as")
        }
        for path in paths where chown(path, account.pointee.pw_uid, account.pointee.pw_gid) != 0 {
            throw TestServerError(message: "cannot give '\(path)' to the postgres user: errno \(errno)")
        }
        return ("/usr/sbin/runuser", ["-u", "postgres", "--"])
    }
}
