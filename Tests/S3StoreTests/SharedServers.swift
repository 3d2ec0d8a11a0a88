import CurlHTTP
import FileIO
import Foundation
import ObjectStore
import S3Store
import TestServers

/// One SeaweedFS and one moto server for the whole test process, started on first use with a
/// `conformance` bucket; they stop at process exit (or when the process dies).
enum SharedServers {
    static let bucket = "conformance"

    private static let seaweedfs = Result { try S3TestServer(.seaweedfs, buckets: [bucket]) }
    private static let moto = Result { try S3TestServer(.moto, buckets: [bucket]) }

    /// The running server of `kind`.
    static func server(_ kind: S3TestServer.Kind) throws -> S3TestServer {
        try (kind == .seaweedfs ? seaweedfs : moto).get()
    }

    /// A store on the server of `kind`, rooted at `s3://conformance/<prefix>`.
    static func store(
        _ kind: S3TestServer.Kind,
        prefix: String = "",
        partSize: Int = S3Configuration.defaultPartSize
    ) throws
        -> S3ArtifactStore
    {
        let server = try server(kind)
        return try S3ArtifactStore(
            configuration: configuration(for: server, root: "s3://\(bucket)/\(prefix)", partSize: partSize)
        )
    }

    /// The configuration that reaches `server` with its credentials.
    static func configuration(
        for server: S3TestServer,
        root: String,
        partSize: Int = S3Configuration.defaultPartSize
    )
        -> S3Configuration
    {
        S3Configuration(
            root: root,
            credentials: S3Credentials(accessKeyID: server.accessKey, secretAccessKey: server.secretKey),
            credentialSource: "the test harness",
            endpoint: server.endpoint,
            partSize: partSize,
            http: HTTPClientConfiguration(retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.05, maxDelay: 0.5))
        )
    }

    /// A fresh prefix for one test.
    static func uniquePrefix(_ name: String) -> String {
        "\(name)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}
