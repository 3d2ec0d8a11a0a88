import CurlHTTP
import FileIO
import Foundation
import GCSStore
import ObjectStore
import TestServers

/// One fake-gcs-server for the whole test process, started on first use with a `conformance`
/// bucket; it stops at process exit (or when the process dies).
enum SharedGCSServer {
    static let bucket = "conformance"

    private static let server = Result { try GCSTestServer(buckets: [bucket]) }

    /// The running server.
    static func get() throws -> GCSTestServer { try server.get() }

    /// A store on the server, rooted at `gs://conformance/<prefix>`.
    static func store(prefix: String = "", partSize: Int = GCSConfiguration.defaultPartSize) throws -> GCSArtifactStore
    {
        try GCSArtifactStore(configuration: configuration(root: "gs://\(bucket)/\(prefix)", partSize: partSize))
    }

    /// The configuration that reaches the server anonymously, as Google's clients do with an emulator.
    static func configuration(root: String, partSize: Int = GCSConfiguration.defaultPartSize) throws -> GCSConfiguration
    {
        GCSConfiguration(
            root: root,
            credentials: .anonymous,
            credentialSource: "the test harness",
            endpoint: try get().endpoint,
            partSize: partSize,
            http: HTTPClientConfiguration(retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.05, maxDelay: 0.5))
        )
    }

    /// A fresh prefix for one test.
    static func uniquePrefix(_ name: String) -> String {
        "\(name)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}
