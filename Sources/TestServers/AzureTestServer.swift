import Foundation

/// The project's own Blob-protocol server on 127.0.0.1 for tests (`scripts/azure-blob-test-server`):
/// no Azure server can be installed here. It keeps blobs on disk in a fresh temporary folder and
/// checks every request's Shared Key signature with the official `azure-storage-blob` package's
/// signer. It stops with ``stop()``, at process exit, or through its watchdog should the test process die.
public final class AzureTestServer: Sendable {
    /// The storage emulator's published development account.
    public let account = "devstoreaccount1"
    /// Its published key.
    public let key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
    /// The Blob endpoint, with the account's path: `http://127.0.0.1:PORT/devstoreaccount1`.
    public let endpoint: String
    /// The server's data and log folder.
    public let directory: String
    private let server: ServerProcess

    /// Starts a server and creates `containers`; with `faults`, ``damageUploads(_:)`` works on it.
    /// - Throws: ``TestServerError`` when it does not answer within 60 s.
    public init(containers: [String] = [], faults: Bool = false) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/azure-blob-test-server").path
        directory = try ServerProcess.scratchDirectory("azure")
        let port = try FreePorts.take(1)[0]
        endpoint = "http://127.0.0.1:\(port)/\(account)"
        server = ServerProcess(
            name: "azure-blob-test-server",
            program: "/usr/bin/env",
            arguments: ["python3", script, String(port), directory + "/data", account, key],
            environment: faults ? ["AZURE_TEST_SERVER_FAULTS": "1"] : [:],
            log: directory + "/server.log",
            scratch: directory
        )
        try server.start()
        try server.waitUntil(seconds: 60, endpoint) { FreePorts.isListening(port) }
        for container in containers { try createContainer(container) }
    }

    deinit { server.stop() }

    /// Stops the server and removes its data.
    public func stop() {
        server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// How the server damages uploaded bodies from now on (a server started with `faults` only):
    /// `request` flips a byte on arrival (a sent Content-MD5 then fails: 400 Md5Mismatch), `response`
    /// stores a flipped byte and reports the MD5 of what it stored, `off` stops.
    /// - Throws: ``TestServerError`` when the server does not take it.
    public func damageUploads(_ mode: String) throws {
        let url = endpoint.replacingOccurrences(of: "/" + account, with: "") + "/__faults?mode=" + mode
        try runPython(
            "import sys, urllib.request\nurllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b'', method='PUT'))",
            arguments: [url]
        )
    }

    /// The connection string the official clients (and the `azure` flavor) take.
    public var connectionString: String {
        "DefaultEndpointsProtocol=http;AccountName=\(account);AccountKey=\(key);BlobEndpoint=\(endpoint);"
    }

    /// Creates a container with the official client.
    /// - Throws: ``TestServerError`` when it fails.
    public func createContainer(_ name: String) throws {
        try runPython(
            "import os, sys\nfrom azure.storage.blob import BlobServiceClient\nBlobServiceClient.from_connection_string(os.environ['AZURE_STORAGE_CONNECTION_STRING']).create_container(sys.argv[1])",
            arguments: [name]
        )
    }

    /// Runs a Python snippet with `AZURE_STORAGE_CONNECTION_STRING` pointing at this server; returns its output.
    /// - Throws: ``TestServerError`` with the snippet's standard error when it fails.
    @discardableResult
    public func runPython(_ code: String, arguments: [String] = []) throws -> String {
        try ServerProcess.run(
            "/usr/bin/env",
            ["python3", "-c", code] + arguments,
            environment: ["AZURE_STORAGE_CONNECTION_STRING": connectionString]
        )
    }
}
