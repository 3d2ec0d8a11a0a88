import Foundation
import Synchronization

/// A real MLflow tracking server on 127.0.0.1 for tests, with a SQLite backend in a fresh
/// temporary folder, from the virtual environment `scripts/python-env mlflow` makes.
///
/// It takes about 15 s to start, so one server serves a whole test process (``shared()``); tests
/// keep apart by naming their models uniquely. It stops at process exit, or through its watchdog
/// should the test process die.
public final class MLflowTestServer: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let trackingURI: String
    /// The server's database, artifacts and log.
    public let directory: String
    /// The Python of the environment that holds MLflow, for MLflow's own client.
    public let python: String
    private let server: ServerProcess

    private static let instance = Mutex<MLflowTestServer?>(nil)

    /// The server of this test process, started on first use.
    /// - Throws: ``TestServerError`` when MLflow is not installed or does not answer within 90 s.
    public static func shared() throws -> MLflowTestServer {
        try instance.withLock { instance in
            if let instance { return instance }
            let server = try MLflowTestServer()
            instance = server
            return server
        }
    }

    private init() throws {
        let venv =
            ProcessInfo.processInfo.environment["ARTIFACTFS_MLFLOW_VENV"] ?? "/var/tmp/artifactfs-test-env/mlflow"
        guard FileManager.default.isExecutableFile(atPath: venv + "/bin/mlflow") else {
            throw TestServerError(
                message: "MLflow is not installed in \(venv): run scripts/python-env mlflow (scripts/test does)"
            )
        }
        python = venv + "/bin/python"
        directory = try ServerProcess.scratchDirectory("mlflow")
        try FileManager.default.createDirectory(atPath: directory + "/artifacts", withIntermediateDirectories: true)
        let port = try FreePorts.take(1)[0]
        trackingURI = "http://127.0.0.1:\(port)"
        server = ServerProcess(
            name: "mlflow server",
            program: venv + "/bin/mlflow",
            arguments: [
                "server", "--host", "127.0.0.1", "--port", String(port), "--workers", "1",
                "--backend-store-uri", "sqlite:///\(directory)/mlflow.db", "--default-artifact-root",
                directory + "/artifacts",
            ],
            environment: [:],
            log: directory + "/server.log",
            scratch: directory
        )
        try server.start()
        try server.waitUntil(seconds: 90, "\(trackingURI)/health") { FreePorts.isListening(port) && Self.healthy(port) }
    }

    /// Runs a Python snippet with MLflow's own client pointed at this server; returns its output.
    /// - Throws: ``TestServerError`` with the snippet's standard error when it fails.
    @discardableResult
    public func runPython(_ code: String) throws -> String {
        try ServerProcess.run(python, ["-c", code], environment: ["MLFLOW_TRACKING_URI": trackingURI])
    }

    private static func healthy(_ port: Int) -> Bool {
        (try? ServerProcess.run("/usr/bin/curl", ["-sf", "http://127.0.0.1:\(port)/health"], environment: [:])) != nil
    }
}
