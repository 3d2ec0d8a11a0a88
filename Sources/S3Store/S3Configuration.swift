import CurlHTTP
import FileIO
import Foundation
import ObjectStore
import StackModel

/// Everything an ``S3ArtifactStore`` needs, with credentials, region and endpoint resolved from the
/// component's config first, then the `AWS_*` environment variables, then `~/.aws/`.
public struct S3Configuration: Sendable {
    /// The store's root, `s3://bucket[/prefix]`.
    public var root: String
    /// The credentials to sign with; `nil` sends unsigned (anonymous) requests.
    public var credentials: S3Credentials?
    /// Where the credentials came from, for error messages (never the secret itself).
    public var credentialSource: String
    /// The region requests are signed for.
    public var region: String
    /// The endpoint URL (`https://s3.us-east-1.amazonaws.com`, `http://127.0.0.1:8333`).
    public var endpoint: String
    /// Path-style (`endpoint/bucket/key`) rather than virtual-hosted (`bucket.endpoint/key`) URLs.
    public var pathStyle: Bool
    /// Bytes per multipart part and per read-ahead block.
    public var partSize: Int
    /// Transfers one handle runs at once (parts uploading, blocks read ahead, copies in a tree).
    public var concurrency: Int
    /// TLS, timeouts and retries.
    public var http: HTTPClientConfiguration

    /// The schemes the `s3` flavor serves.
    public static let schemes: Set<String> = ["s3://"]
    /// The smallest part S3 accepts (except the last one).
    public static let minimumPartSize = 5 << 20
    /// The default part size: 8 MiB, as mountpoint-s3 and the AWS CLI use.
    public static let defaultPartSize = 8 << 20
    /// Parts S3 takes: 5 MiB to 5 GiB, 8 MiB by default.
    public static let partSizeRule = TransferSettings.PartSize(
        default: defaultPartSize,
        minimum: minimumPartSize,
        maximum: 5 << 30
    )

    /// Describes a store directly (tests, library callers).
    public init(
        root: String,
        credentials: S3Credentials?,
        credentialSource: String = "given by the caller",
        region: String = "us-east-1",
        endpoint: String,
        pathStyle: Bool = true,
        partSize: Int = defaultPartSize,
        concurrency: Int = 8,
        http: HTTPClientConfiguration = HTTPClientConfiguration()
    ) {
        self.root = root
        self.credentials = credentials
        self.credentialSource = credentialSource
        self.region = region
        self.endpoint = endpoint
        self.pathStyle = pathStyle
        self.partSize = partSize
        self.concurrency = concurrency
        self.http = http
    }

    /// Resolves a validated `s3` component config (secrets already resolved) against the environment.
    /// - Throws: ``StackError`` naming the field whose rule the value breaks (see the flavor's schema).
    public init(config: ComponentConfig, environment: AWSEnvironment = AWSEnvironment()) throws {
        // The rules registration checked, again: a config handed over directly gets the same verdict.
        try S3ArtifactStoreFlavor().schema.checkRules(config, flavor: "s3")
        let kwargs: [String: ConfigValue]
        if case .object(let object)? = config["client_kwargs"] { kwargs = object } else { kwargs = [:] }
        let text = config.text
        root = text("path") ?? "s3://"
        if let key = text("key"), let secret = text("secret") {
            credentials = S3Credentials(accessKeyID: key, secretAccessKey: secret, sessionToken: text("token"))
            credentialSource = "the component config (fields 'key' and 'secret')"
        } else if let fromEnvironment = environment.environmentCredentials {
            credentials = fromEnvironment
            // Only the key id's last four characters, as `aws configure list` shows it: the
            // field holding it is secret, so the environment's must not be printed whole either.
            credentialSource =
                "the environment (AWS_ACCESS_KEY_ID, access key id ending '\(fromEnvironment.accessKeyID.suffix(4))')"
        } else if let fromFile = environment.fileCredentials() {
            credentials = fromFile
            credentialSource = "\(environment.credentialsFile), profile '\(environment.profile)'"
        } else {
            credentials = nil
            credentialSource =
                "none (anonymous requests: no key in the config, AWS_ACCESS_KEY_ID or \(environment.credentialsFile))"
        }
        region = text("region") ?? kwargs["region_name"]?.stringValue ?? environment.region ?? "us-east-1"
        let customEndpoint = text("endpoint_url") ?? kwargs["endpoint_url"]?.stringValue ?? environment.endpoint?.url
        endpoint = (customEndpoint ?? "https://s3.\(region).amazonaws.com").trimmingSuffix("/")
        switch text("addressing_style") ?? "auto" {
        case "virtual": pathStyle = false
        case "auto":
            let bucket = root.dropFirst("s3://".count).split(separator: "/").first.map(String.init) ?? ""
            pathStyle = customEndpoint != nil || bucket.contains(".")
        default:  // "path", the one other value the field's rule lets through
            pathStyle = true
        }
        let transfer = TransferSettings(config: config, partSize: Self.partSizeRule)
        (partSize, concurrency, http) = (transfer.partSize, transfer.concurrency, transfer.http)
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        var result = self
        while result.hasSuffix(suffix) { result.removeLast(suffix.count) }
        return result
    }
}

/// The `s3` artifact-store flavor: objects in an S3 bucket (AWS, MinIO, Ceph, SeaweedFS, ...).
///
/// Its config mirrors the reference framework's `s3` flavor (`key`, `secret`, `token` as secret
/// fields, `client_kwargs` with `endpoint_url`/`region_name`) plus the transfer settings a mature
/// S3 client offers.
public struct S3ArtifactStoreFlavor: ArtifactStoreFlavor {
    public init() {}
    public var name: String { "s3" }
    public var summary: String {
        "Objects in an S3 bucket (AWS or any S3-compatible server: MinIO, Ceph, SeaweedFS) under s3://."
    }
    public var supportedSchemes: Set<String> { S3Configuration.schemes }
    public var schema: ConfigSchema {
        ConfigSchema(
            [
                ConfigField("path", .string, required: true, help: "the root: s3://bucket or s3://bucket/prefix"),
                ConfigField(
                    "key",
                    .string,
                    secret: true,
                    help: "access key id (else AWS_ACCESS_KEY_ID, else ~/.aws/credentials)"
                ),
                ConfigField("secret", .string, secret: true, help: "secret access key"),
                ConfigField("token", .string, secret: true, help: "session token of temporary credentials"),
                ConfigField(
                    "region",
                    .string,
                    help: "region to sign for (else AWS_REGION, AWS_DEFAULT_REGION, ~/.aws/config, us-east-1)"
                )
                .nonEmpty(),
                ConfigField(
                    "endpoint_url",
                    .string,
                    help: "S3-compatible endpoint (else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, AWS)"
                )
                .url(schemes: ["http", "https"]),
                ConfigField(
                    "client_kwargs",
                    .object,
                    help: "reference-framework compatibility: {\"endpoint_url\": ..., \"region_name\": ...}"
                ),
                ConfigField(
                    "addressing_style",
                    .string,
                    default: .string("auto"),
                    help: "auto, path or virtual (auto: path for a custom endpoint)"
                )
                .oneOf(["auto", "path", "virtual"]),
            ]
                + TransferSettings.fields(
                    partSize: S3Configuration.partSizeRule,
                    partSizeHelp: "bytes per multipart part and read-ahead block (5 MiB to 5 GiB)",
                    concurrencyHelp: "parallel transfers per file (parts, read-ahead blocks)"
                )
        )
    }

    /// A path outside every component gets a store rooted at its bucket.
    public func defaultRoot(for path: ArtifactPath) -> String {
        "s3://" + (path.components.first ?? "")
    }

    /// Checks `path` and that it names a bucket, as making the store does.
    /// - Throws: ``StackError`` naming the `path` field.
    public func prepare(_ config: ComponentConfig) throws -> ComponentConfig {
        try S3Configuration.checkRoot(of: preparePath(config), flavor: name)
    }

    public func makeStore(_ config: ComponentConfig) throws -> any ArtifactStore {
        try S3ArtifactStore(configuration: S3Configuration(config: config))
    }
}
