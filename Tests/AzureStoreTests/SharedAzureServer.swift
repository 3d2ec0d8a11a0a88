import AzureStore
import CurlHTTP
import FileIO
import Foundation
import ObjectStore
import TestServers

/// One Blob test server for the whole test process, started on first use with a `conformance`
/// container; it stops at process exit (or when the process dies).
enum SharedAzureServer {
    static let container = "conformance"

    private static let server = Result { try AzureTestServer(containers: [container]) }

    /// The running server.
    static func get() throws -> AzureTestServer { try server.get() }

    /// A store on the server, rooted at `az://conformance/<prefix>`.
    static func store(
        prefix: String = "",
        partSize: Int = AzureConfiguration.defaultPartSize
    ) throws -> AzureArtifactStore {
        try AzureArtifactStore(configuration: configuration(root: "az://\(container)/\(prefix)", partSize: partSize))
    }

    /// The configuration that reaches the server with its account key (Shared Key signing).
    static func configuration(
        root: String,
        partSize: Int = AzureConfiguration.defaultPartSize,
        key: String? = nil
    ) throws
        -> AzureConfiguration
    {
        let server = try get()
        return AzureConfiguration(
            root: root,
            account: server.account,
            credentials: .sharedKey(try SharedKeySigner(account: server.account, base64Key: key ?? server.key)),
            credentialSource: "the test harness",
            endpoint: server.endpoint,
            partSize: partSize,
            http: HTTPClientConfiguration(retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.05, maxDelay: 0.5))
        )
    }

    /// The configuration that reaches the server with a shared access signature instead of the key.
    static func configuration(
        root: String,
        sas token: String,
        source: String = "the test harness",
        partSize: Int = AzureConfiguration.defaultPartSize
    )
        throws -> AzureConfiguration
    {
        let server = try get()
        return AzureConfiguration(
            root: root,
            account: server.account,
            credentials: .sas(token),
            credentialSource: source,
            endpoint: server.endpoint,
            partSize: partSize,
            http: HTTPClientConfiguration(retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.05, maxDelay: 0.5))
        )
    }

    /// A signer with the server's account key, for making SAS tokens.
    static func signer() throws -> SharedKeySigner {
        let server = try get()
        return try SharedKeySigner(account: server.account, base64Key: server.key)
    }

    /// A fresh prefix for one test.
    static func uniquePrefix(_ name: String) -> String {
        "\(name)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}
