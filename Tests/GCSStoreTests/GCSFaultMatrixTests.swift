import CurlHTTP
import FileIO
import GCSStore
import ObjectStore
import TestServers
import Testing

/// The gcp store under faults, on fake-gcs-server through a ``FaultProxy`` (which keeps the
/// resumable sessions' `Location` behind it): every operation under every fault, once and on every
/// attempt (``FaultMatrix`` says what each cell must hold).
@Suite("gcp store under injected faults (fake-gcs-server)")
struct GCSFaultMatrixTests {
    /// Client settings that make a stall fail fast: 1 s without a byte is a timeout; one try and
    /// two retries.
    static let http = HTTPClientConfiguration(
        connectTimeout: 2,
        stallTimeout: 1,
        retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.01, maxDelay: 0.05)
    )
    /// The smallest chunk the JSON API takes, so a multipart write is a resumable upload.
    static let partSize = GCSConfiguration.chunkGranularity
    static let matrix = FaultMatrix(attempts: 3, partSize: partSize, extra: 1 << 20, dataSize: 1 << 20)

    @Test(arguments: GCSFaultTargets.cases)
    func operationUnderFault(_ cell: FaultCase) throws {
        let server = try SharedGCSServer.get()
        let root = "gs://\(SharedGCSServer.bucket)/\(SharedGCSServer.uniquePrefix("fault"))"
        let report = try Self.matrix.check(cell, upstream: server.endpoint, root: root) { endpoint in
            var configuration = try SharedGCSServer.configuration(
                root: "gs://\(SharedGCSServer.bucket)",
                partSize: Self.partSize
            )
            configuration.endpoint = endpoint
            configuration.concurrency = 2
            configuration.http = Self.http
            return try GCSArtifactStore(configuration: configuration)
        }
        #expect(report.problems.isEmpty, "\(report)")
    }
}
