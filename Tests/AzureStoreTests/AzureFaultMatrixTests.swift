import AzureStore
import CurlHTTP
import FileIO
import Foundation
import ObjectStore
import TestServers
import Testing

/// The azure store under faults, on the Blob test server through a ``FaultProxy``: every operation
/// under every fault, once and on every attempt (``FaultMatrix`` says what each cell must hold).
@Suite("azure store under injected faults (Blob test server)")
struct AzureFaultMatrixTests {
    /// Client settings that make a stall fail fast: 1 s without a byte is a timeout; one try and
    /// two retries.
    static let http = HTTPClientConfiguration(
        connectTimeout: 2,
        stallTimeout: 1,
        retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.05)
    )
    static let partSize = 256 << 10
    static let matrix = FaultMatrix(attempts: 3, partSize: partSize, extra: 100 << 10, dataSize: 640 << 10)

    @Test(arguments: AzureFaultTargets.cases)
    func operationUnderFault(_ cell: FaultCase) throws {
        let server = try SharedAzureServer.get()
        let root = "az://\(SharedAzureServer.container)/fault-\(UUID().uuidString.prefix(8).lowercased())"
        let report = try Self.matrix.check(cell, upstream: server.endpoint, root: root) { endpoint in
            var configuration = try SharedAzureServer.configuration(
                root: "az://\(SharedAzureServer.container)",
                partSize: Self.partSize
            )
            configuration.endpoint = endpoint
            configuration.concurrency = 2
            configuration.http = Self.http
            return try AzureArtifactStore(configuration: configuration)
        }
        #expect(report.problems.isEmpty, "\(report)")
    }
}
