import CurlHTTP
import FileIO
import Foundation
import ObjectStore
import StackModel

/// Everything a `gcp` store needs, with credentials and endpoint resolved as Google's own clients
/// do: the component's config first, then `GOOGLE_APPLICATION_CREDENTIALS` and `STORAGE_EMULATOR_HOST`.
public struct GCSConfiguration: Sendable {
    /// The store's root, `gs://bucket[/prefix]`.
    public var root: String
    /// How requests authenticate.
    public var credentials: GCSCredentials
    /// Where the credentials came from, for error messages (never the secret itself).
    public var credentialSource: String
    /// The endpoint URL (`https://storage.googleapis.com`, `http://127.0.0.1:4443`).
    public var endpoint: String
    /// Bytes per resumable-upload chunk and per read-ahead block (a multiple of 256 KiB).
    public var partSize: Int
    /// Objects at most this long go up in one request; longer ones as a resumable upload.
    public var simpleUploadLimit: Int { partSize }
    /// Transfers one handle runs at once (read-ahead blocks, deletes, copies in a tree).
    public var concurrency: Int
    /// TLS, timeouts and retries.
    public var http: HTTPClientConfiguration

    /// The schemes the `gcp` flavor serves.
    public static let schemes: Set<String> = ["gs://"]
    /// Resumable-upload chunks are multiples of this (256 KiB), as the JSON API requires.
    public static let chunkGranularity = 256 << 10
    /// The default chunk size: 8 MiB, as Google's clients use.
    public static let defaultPartSize = 8 << 20
    /// Chunks Cloud Storage takes: positive multiples of 256 KiB, 8 MiB by default.
    public static let partSizeRule = TransferSettings.PartSize(
        default: defaultPartSize,
        minimum: chunkGranularity,
        multiple: chunkGranularity
    )

    /// Describes a store directly (tests, library callers).
    public init(
        root: String,
        credentials: GCSCredentials,
        credentialSource: String = "given by the caller",
        endpoint: String = "https://storage.googleapis.com",
        partSize: Int = defaultPartSize,
        concurrency: Int = 8,
        http: HTTPClientConfiguration = HTTPClientConfiguration()
    ) {
        self.root = root
        self.credentials = credentials
        self.credentialSource = credentialSource
        self.endpoint = endpoint
        self.partSize = partSize
        self.concurrency = concurrency
        self.http = http
    }

    /// Resolves a validated `gcp` component config (secrets already resolved) against `environment`.
    /// - Throws: ``StackModel/StackError`` naming the field at fault; ``FileIO/ArtifactStoreError`` for an unreadable key file.
    public init(config: ComponentConfig, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        // The rules registration checked, again: a config handed over directly gets the same verdict.
        try GCSArtifactStoreFlavor().schema.checkRules(config, flavor: "gcp")
        let text = config.text
        let variable = environment.variable
        root = text("path") ?? "gs://"
        if let secret = config.secretValues("authentication_secret", referenceKey: "token") {
            guard let json = secret["token"], !json.isEmpty else {
                throw StackError(
                    .secret,
                    "the secret named by field 'authentication_secret' has no key 'token' (the service-account key JSON; its keys: \(secret.keys.sorted().joined(separator: ", ")))"
                )
            }
            credentials = .serviceAccount(
                try ServiceAccountKey(json: Array(json.utf8), source: "field 'authentication_secret'")
            )
            credentialSource = "the component config (field 'authentication_secret')"
        } else if let file = text("service_account_file") {
            credentials = .serviceAccount(try Self.readKey(file))
            credentialSource = "the key file \(file) (field 'service_account_file')"
        } else if let token = text("token") {
            credentials = .bearer(token)
            credentialSource = "the component config (field 'token')"
        } else if let file = variable("GOOGLE_APPLICATION_CREDENTIALS") {
            credentials = .serviceAccount(try Self.readKey(file))
            credentialSource = "the key file \(file) (GOOGLE_APPLICATION_CREDENTIALS)"
        } else if let token = variable("GOOGLE_OAUTH_ACCESS_TOKEN") {
            credentials = .bearer(token)
            credentialSource = "the environment (GOOGLE_OAUTH_ACCESS_TOKEN)"
        } else {
            credentials = .anonymous
            credentialSource =
                "none (anonymous requests: no key or token in the config, GOOGLE_APPLICATION_CREDENTIALS or GOOGLE_OAUTH_ACCESS_TOKEN)"
        }
        if let url = text("endpoint_url") {
            endpoint = url
        } else if let host = variable("STORAGE_EMULATOR_HOST") {
            endpoint = host.contains("://") ? host : "http://" + host
        } else {
            endpoint = "https://storage.googleapis.com"
        }
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        let transfer = TransferSettings(config: config, partSize: Self.partSizeRule)
        (partSize, concurrency, http) = (transfer.partSize, transfer.concurrency, transfer.http)
    }

    private static func readKey(_ file: String) throws -> ServiceAccountKey {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ArtifactStoreError(.notFound, path: file, "cannot read the service-account key file")
        }
        return try ServiceAccountKey(json: Array(data), source: file)
    }
}

/// The `gcp` artifact-store flavor: objects in a Google Cloud Storage bucket under `gs://`.
///
/// Its config mirrors the reference framework's `gcp` flavor (`path`, `authentication_secret`
/// holding the service-account JSON) plus explicit fields for the rest.
public struct GCSArtifactStoreFlavor: ArtifactStoreFlavor {
    public init() {}
    public var name: String { "gcp" }
    public var summary: String { "Objects in a Google Cloud Storage bucket (or fake-gcs-server) under gs://." }
    public var supportedSchemes: Set<String> { GCSConfiguration.schemes }
    public var schema: ConfigSchema {
        ConfigSchema(
            [
                ConfigField("path", .string, required: true, help: "the root: gs://bucket or gs://bucket/prefix"),
                ConfigField(
                    "authentication_secret",
                    .secretName,
                    help:
                        "the name of a secret whose 'token' holds the service-account key JSON (or a reference, '{{NAME.token}}')"
                ),
                ConfigField(
                    "service_account_file",
                    .string,
                    help:
                        "path of a service-account key file, read when the store is used (else GOOGLE_APPLICATION_CREDENTIALS)"
                ),
                ConfigField(
                    "token",
                    .string,
                    secret: true,
                    help: "an OAuth access token (else GOOGLE_OAUTH_ACCESS_TOKEN; none: anonymous)"
                ),
                ConfigField(
                    "endpoint_url",
                    .string,
                    help: "endpoint (else STORAGE_EMULATOR_HOST, else https://storage.googleapis.com)"
                )
                .url(schemes: ["http", "https"]),
            ]
                + TransferSettings.fields(
                    partSize: GCSConfiguration.partSizeRule,
                    partSizeHelp:
                        "bytes per read-ahead block and first upload chunk; later chunks double up to 8× (a multiple of 256 KiB)"
                )
        )
    }

    /// A path outside every component gets a store rooted at its bucket.
    public func defaultRoot(for path: ArtifactPath) -> String {
        "gs://" + (path.components.first ?? "")
    }

    /// Checks `path` and that it names a bucket, as making the store does.
    /// - Throws: ``StackError`` naming the `path` field.
    public func prepare(_ config: ComponentConfig) throws -> ComponentConfig {
        try GCSConfiguration.checkRoot(of: preparePath(config), flavor: name)
    }

    public func makeStore(_ config: ComponentConfig) throws -> any ArtifactStore {
        try GCSArtifactStore(configuration: GCSConfiguration(config: config))
    }
}
