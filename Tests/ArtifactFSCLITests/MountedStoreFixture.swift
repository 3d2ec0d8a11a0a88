import Foundation
import TestServers

#if canImport(Glibc)
import Glibc
#endif

/// An object-store flavor with the real local server its mount tests run against.
enum ObjectStoreFlavor: String, CaseIterable, Sendable, CustomStringConvertible {
    /// `s3` on SeaweedFS.
    case s3
    /// `gcp` on fake-gcs-server.
    case gcp
    /// `azure` on the project's own Blob test server.
    case azure

    var description: String { rawValue }

    /// The URI scheme of its paths.
    var scheme: String {
        switch self {
        case .s3: "s3://"
        case .gcp: "gs://"
        case .azure: "az://"
        }
    }
}

/// A running server of one object-store flavor with a `mounts` bucket (container): what a
/// component needs to reach it, what the official client needs, and how to stop it.
final class ObjectTestServer: Sendable {
    static let bucket = "mounts"

    /// What the official client needs (`AWS_*`, `STORAGE_EMULATOR_HOST`, `AZURE_STORAGE_CONNECTION_STRING`).
    let environment: [String: String]
    /// `--KEY=VALUE` pairs of the secret `store` that holds the credentials.
    let secret: [String]
    /// The component's fields besides `path`.
    let fields: [String]
    /// A credential the component uses, which no output may show.
    let secretValue: String
    private let stopServer: @Sendable () -> Void

    /// Where the server listens (`http://127.0.0.1:PORT[/account]`): a ``FaultProxy``'s upstream.
    var endpoint: String? {
        let field = fields.first { $0.hasPrefix("--endpoint_url=") }
        return field.map { String($0.dropFirst("--endpoint_url=".count)) }
    }

    private static let seaweedfs = Result { try ObjectTestServer(.s3) }
    private static let fakeGCS = Result { try ObjectTestServer(.gcp) }
    private static let blob = Result { try ObjectTestServer(.azure) }

    /// The server of `flavor` shared by the whole test process, started on first use; it stops at
    /// process exit, or through its watchdog.
    static func shared(_ flavor: ObjectStoreFlavor) throws -> ObjectTestServer {
        switch flavor {
        case .s3: try seaweedfs.get()
        case .gcp: try fakeGCS.get()
        case .azure: try blob.get()
        }
    }

    /// Starts a server of its own for `flavor` (one a test may stop).
    init(_ flavor: ObjectStoreFlavor) throws {
        switch flavor {
        case .s3:
            let server = try S3TestServer(.seaweedfs, buckets: [Self.bucket])
            (environment, secret, fields, secretValue) = Self.settings(of: server)
            stopServer = { server.shutDown() }
        case .gcp:
            // fake-gcs-server takes any bearer token; the component sends one all the same.
            let server = try GCSTestServer(buckets: [Self.bucket])
            let token = "gcs-test-token-\(UUID().uuidString)"
            environment = server.environment
            secret = ["--token=\(token)"]
            fields = ["--endpoint_url=\(server.endpoint)", "--token={{store.token}}"]
            secretValue = token
            stopServer = { server.stop() }
        case .azure:
            let server = try AzureTestServer(containers: [Self.bucket])
            environment = ["AZURE_STORAGE_CONNECTION_STRING": server.connectionString]
            secret = ["--account_name=\(server.account)", "--account_key=\(server.key)"]
            fields = [
                "--endpoint_url=\(server.endpoint)", "--account_name=\(server.account)",
                "--account_key={{store.account_key}}",
            ]
            secretValue = server.key
            stopServer = { server.stop() }
        }
    }

    /// The `s3` flavor on `cluster`, with a `mounts` bucket; ``stop()`` shuts the cluster down.
    init(cluster: SeaweedFSCluster) throws {
        try cluster.createBucket(Self.bucket)
        (environment, secret, fields, secretValue) = Self.settings(of: cluster)
        stopServer = { cluster.shutDown() }
    }

    /// The client environment, secret, component fields and secret value of an S3 server.
    private static func settings(
        of server: some S3Endpoint
    ) -> (environment: [String: String], secret: [String], fields: [String], secretValue: String) {
        (
            server.environment, ["--key=\(server.accessKey)", "--secret=\(server.secretKey)"],
            ["--endpoint_url=\(server.endpoint)", "--key={{store.key}}", "--secret={{store.secret}}"],
            server.secretKey
        )
    }

    /// Stops the server (uploads to it fail from then on) and removes its data.
    func stop() { stopServer() }
}

/// A fixture that could not be set up.
struct MountedStoreError: Error, CustomStringConvertible {
    let description: String
}

/// A mount of an object-store component: a ``MountFixture`` whose project has the component
/// `store` (flavor `flavor`, credentials in the secret `store`) rooted at a fresh prefix of the
/// `mounts` bucket of an ``ObjectTestServer``. ``cleanUp()`` unmounts and removes what the
/// test wrote, also when it fails.
struct MountedStore {
    let flavor: ObjectStoreFlavor
    let fixture: MountFixture
    /// The component's root, `scheme://bucket/prefix`.
    let uri: String
    /// A credential the component uses, which no output may show.
    let secretValue: String
    private let environment: [String: String]

    /// Registers the component on `server` (default: the flavor's shared one), rooted at a fresh prefix.
    init(_ flavor: ObjectStoreFlavor, server: ObjectTestServer? = nil, fields extra: [String] = []) throws {
        self.flavor = flavor
        let fixture = try MountFixture()
        let uri = flavor.scheme + ObjectTestServer.bucket + "/mount-\(UUID().uuidString.prefix(8).lowercased())"
        self.fixture = fixture
        self.uri = uri
        do {
            let server = try server ?? ObjectTestServer.shared(flavor)
            environment = server.environment
            secretValue = server.secretValue
            for arguments in [
                ["secret", "create", "store"] + server.secret,
                ["artifact-store", "register", "store", "--flavor", flavor.rawValue, "--path=\(uri)"] + server.fields
                    + extra,
            ] {
                let result = try fixture.cli.run(arguments)
                guard result.status == 0 else {
                    throw MountedStoreError(description: "\(arguments.prefix(2)) failed: \(result.stderr)")
                }
            }
            let wrapper =
                "#!/bin/sh\nARTIFACTFS_CONFIG_DIR='\(fixture.cli.configDirectory ?? "")' exec '\(CLIRunner.binary.path)' \"$@\"\n"
            try wrapper.write(toFile: fixture.path + "/artifactfs", atomically: false, encoding: .utf8)
            chmod(fixture.path + "/artifactfs", 0o755)
        } catch {
            fixture.cleanUp()
            throw error
        }
    }

    var mountpoint: String { fixture.mountpoint }

    /// Mounts the component at the fixture's mountpoint.
    func mount(_ flags: String...) throws -> CLIRunner.Result {
        try fixture.cli.run(["mount", "store", fixture.mountpoint] + flags)
    }

    /// Runs `artifactfs ARGS` in the fixture's project (through `fileio`, not the mount).
    func cli(_ arguments: String...) throws -> CLIRunner.Result {
        try fixture.cli.run(arguments)
    }

    /// Runs a shell command in the fixture folder, where `./artifactfs` runs the built binary in the project.
    @discardableResult
    func shell(_ command: String, timeout: Int = 300) throws -> CLIRunner.Result {
        try fixture.shell(command, timeout: timeout)
    }

    /// The SHA-256 of `path` (relative to the fixture folder) read after its pages were dropped
    /// from the kernel's cache, so the reads reach the daemon.
    func hashReadCold(_ path: String) throws -> String {
        let read = try shell(
            """
            python3 -c "
            import os, sys
            fd = os.open(sys.argv[1], os.O_RDONLY)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            os.close(fd)
            " '\(path)' && sha256sum < '\(path)'
            """
        )
        guard read.status == 0 else { throw MountedStoreError(description: "reading \(path) failed: \(read.stderr)") }
        return String(read.stdout.prefix(64))
    }

    /// Unmounts, then removes what the test left in the store.
    func cleanUp() {
        fixture.cleanUp()
        // A project of its own, with no component: the path reaches the server through the environment.
        let cleaner = CLIRunner(directory: "/", configDirectory: fixture.path + "-cleaner")
        _ = try? cleaner.run(["rm", "-r", "-f", uri], environment: environment)
        for leftover in [fixture.path + "-cleaner", fixture.path + "-xdg"] {
            try? FileManager.default.removeItem(atPath: leftover)
        }
    }
}
