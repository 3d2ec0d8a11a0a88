import CurlHTTP
import FileIO
import ObjectStore
import S3Store
import TestServers
import Testing

/// The s3 store under faults, on SeaweedFS through a ``FaultProxy``: every operation under every
/// fault, once and on every attempt (``FaultMatrix`` says what each cell must hold).
@Suite("s3 store under injected faults (SeaweedFS)")
struct S3FaultMatrixTests {
    /// Client settings that make a stall fail fast: 1 s without a byte is a timeout; one try and
    /// two retries.
    static let http = HTTPClientConfiguration(
        connectTimeout: 2,
        stallTimeout: 1,
        retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.05)
    )
    static let partSize = 5 << 20
    static let matrix = FaultMatrix(attempts: 3, partSize: partSize, extra: 1 << 20, dataSize: 1 << 20)

    @Test(arguments: S3FaultTargets.cases)
    func operationUnderFault(_ cell: FaultCase) throws {
        let server = try SharedServers.server(.seaweedfs)
        let root = "s3://\(SharedServers.bucket)/\(SharedServers.uniquePrefix("fault"))"
        let report = try Self.matrix.check(cell, upstream: server.endpoint, root: root) { endpoint in
            var configuration = SharedServers.configuration(
                for: server,
                root: "s3://\(SharedServers.bucket)",
                partSize: Self.partSize
            )
            configuration.endpoint = endpoint
            configuration.concurrency = 2
            configuration.http = Self.http
            return try S3ArtifactStore(configuration: configuration)
        }
        #expect(report.problems.isEmpty, "\(report)")
    }
}
