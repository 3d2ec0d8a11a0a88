import CurlHTTP
import FileIO
import Foundation
import ObjectStore
import StackModel

/// How requests to the Blob service authenticate.
public enum AzureCredentials: Sendable {
    /// The account key: every request is signed (Shared Key).
    case sharedKey(SharedKeySigner)
    /// A shared access signature, appended to every URL.
    case sas(String)
    /// No credentials: public containers.
    case anonymous
}

/// Everything an `azure` store needs, resolved from the component's config, then the
/// `AZURE_STORAGE_*` environment variables, as Azure's own tools do.
public struct AzureConfiguration: Sendable {
    /// The store's root: `az://container[/prefix]`, `abfs://container[/prefix]` or
    /// `abfs://container@account.dfs.core.windows.net[/prefix]`.
    public var root: String
    /// The storage account's name.
    public var account: String
    /// How requests authenticate.
    public var credentials: AzureCredentials
    /// Where the credentials came from, for error messages (never the secret itself).
    public var credentialSource: String
    /// The Blob endpoint, with the account's path for emulators (`http://127.0.0.1:10000/devstoreaccount1`).
    public var endpoint: String
    /// Bytes per staged block and per read-ahead block.
    public var partSize: Int
    /// Transfers one handle runs at once (blocks staged, blocks read ahead, deletes).
    public var concurrency: Int
    /// TLS, timeouts and retries.
    public var http: HTTPClientConfiguration

    /// The keys of an `authentication_secret` secret, as the reference framework's `azure` flavor has them.
    static let secretKeys: Set<String> = ["account_name", "account_key", "sas_token", "connection_string"]
    /// The schemes the `azure` flavor serves.
    public static let schemes: Set<String> = ["az://", "abfs://"]
    /// The default block size: 8 MiB.
    public static let defaultPartSize = 8 << 20
    /// Blocks Azure takes: 1 byte to 4000 MiB, 8 MiB by default.
    public static let partSizeRule = TransferSettings.PartSize(
        default: defaultPartSize,
        minimum: 1,
        maximum: 4000 << 20
    )
    /// The Blob service version requests ask for.
    public static let apiVersion = "2021-08-06"

    /// Describes a store directly (tests, library callers).
    public init(
        root: String,
        account: String,
        credentials: AzureCredentials,
        credentialSource: String = "given by the caller",
        endpoint: String? = nil,
        partSize: Int = defaultPartSize,
        concurrency: Int = 8,
        http: HTTPClientConfiguration = HTTPClientConfiguration()
    ) {
        self.root = root
        self.account = account
        self.credentials = credentials
        self.credentialSource = credentialSource
        self.endpoint = endpoint ?? "https://\(account).blob.core.windows.net"
        self.partSize = partSize
        self.concurrency = concurrency
        self.http = http
    }

    /// Resolves a validated `azure` component config (secrets already resolved) against `environment`.
    /// - Throws: ``StackModel/StackError`` naming the field at fault, never a secret's value.
    public init(config: ComponentConfig, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        // The rules registration checked, again: a config handed over directly gets the same verdict.
        try AzureArtifactStoreFlavor().schema.checkRules(config, flavor: "azure")
        // The secret `authentication_secret` names stands in for the credential fields left unset.
        let secret = config.secretValues("authentication_secret", referenceKey: "connection_string") ?? [:]
        func text(_ name: String) -> String? {
            if let value = config.text(name) { return value }
            guard Self.secretKeys.contains(name), let value = secret[name], !value.isEmpty else { return nil }
            return value
        }
        func field(_ name: String) -> String {
            config[name]?.stringValue?.isEmpty == false
                ? "field '\(name)'" : "key '\(name)' of the secret named by field 'authentication_secret'"
        }
        let variable = environment.variable
        root = text("path") ?? "az://"
        let rootAccount = Self.accountInRoot(root)
        var connection: [String: String] = [:]
        var connectionSource = ""
        if let string = text("connection_string") {
            connection = Self.parseConnectionString(string)
            connectionSource = "the component config (\(field("connection_string")))"
        } else if text("account_key") == nil, text("sas_token") == nil,
            let string = variable("AZURE_STORAGE_CONNECTION_STRING")
        {
            connection = Self.parseConnectionString(string)
            connectionSource = "the environment (AZURE_STORAGE_CONNECTION_STRING)"
        }
        guard
            let account = text("account_name") ?? connection["accountname"] ?? rootAccount ?? variable(
                "AZURE_STORAGE_ACCOUNT_NAME"
            )
                ?? variable("AZURE_STORAGE_ACCOUNT")
        else {
            throw StackError(
                .invalidConfig,
                "no storage account: set field 'account_name', a connection string, AZURE_STORAGE_ACCOUNT_NAME, or use abfs://container@ACCOUNT.dfs.core.windows.net"
            )
        }
        self.account = account
        func signer(_ key: String, _ source: String) throws -> AzureCredentials {
            do {
                return .sharedKey(try SharedKeySigner(account: account, base64Key: key))
            } catch let error as AzureCredentialError {
                throw StackError(.invalidConfig, "\(error.message) (from \(source))")
            }
        }
        if let key = text("account_key") {
            credentialSource = "the component config (\(field("account_key")), account '\(account)')"
            credentials = try signer(key, credentialSource)
        } else if let sas = text("sas_token") {
            credentials = .sas(Self.trimmedSAS(sas))
            credentialSource = "the component config (\(field("sas_token")), account '\(account)')"
        } else if let key = connection["accountkey"] {
            credentialSource = "\(connectionSource), account '\(account)'"
            credentials = try signer(key, credentialSource)
        } else if let sas = connection["sharedaccesssignature"] {
            credentials = .sas(Self.trimmedSAS(sas))
            credentialSource = "\(connectionSource), account '\(account)'"
        } else if let key = variable("AZURE_STORAGE_ACCOUNT_KEY") ?? variable("AZURE_STORAGE_KEY") {
            credentialSource = "the environment (AZURE_STORAGE_ACCOUNT_KEY, account '\(account)')"
            credentials = try signer(key, credentialSource)
        } else if let sas = variable("AZURE_STORAGE_SAS_TOKEN") {
            credentials = .sas(Self.trimmedSAS(sas))
            credentialSource = "the environment (AZURE_STORAGE_SAS_TOKEN, account '\(account)')"
        } else {
            credentials = .anonymous
            credentialSource = "none (anonymous requests to account '\(account)')"
        }
        let scheme = connection["defaultendpointsprotocol"] ?? "https"
        let suffix = connection["endpointsuffix"] ?? "core.windows.net"
        endpoint = text("endpoint_url") ?? connection["blobendpoint"] ?? "\(scheme)://\(account).blob.\(suffix)"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        let transfer = TransferSettings(config: config, partSize: Self.partSizeRule)
        (partSize, concurrency, http) = (transfer.partSize, transfer.concurrency, transfer.http)
    }

    /// The account named in an `abfs://container@account.dfs.core.windows.net` root.
    static func accountInRoot(_ root: String) -> String? {
        guard let at = root.firstIndex(of: "@") else { return nil }
        let host = root[root.index(after: at)...].prefix { $0 != "/" }
        guard let dot = host.firstIndex(of: ".") else { return nil }
        return String(host[..<dot])
    }

    /// `Key=Value;...` pairs, keys lowercased (values may hold `=`).
    static func parseConnectionString(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: ";") {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            result[pair[..<equals].trimmingCharacters(in: .whitespaces).lowercased()] = String(
                pair[pair.index(after: equals)...]
            )
        }
        return result
    }

    private static func trimmedSAS(_ token: String) -> String {
        token.hasPrefix("?") ? String(token.dropFirst()) : token
    }
}

/// The `azure` artifact-store flavor: blobs in an Azure Storage container under `az://` or `abfs://`.
///
/// Its config mirrors the reference framework's `azure` flavor (`path`, and `authentication_secret`
/// naming a secret with the account name, key, SAS token or connection string), with each
/// credential also as a field of its own.
public struct AzureArtifactStoreFlavor: ArtifactStoreFlavor {
    public init() {}
    public var name: String { "azure" }
    public var summary: String { "Blobs in an Azure Storage container under az:// or abfs://." }
    public var supportedSchemes: Set<String> { AzureConfiguration.schemes }
    public var schema: ConfigSchema {
        ConfigSchema(
            [
                ConfigField(
                    "path",
                    .string,
                    required: true,
                    help:
                        "the root: az://container[/prefix], abfs://container[/prefix] or abfs://container@ACCOUNT.dfs.core.windows.net[/prefix]"
                ),
                ConfigField(
                    "authentication_secret",
                    .secretName,
                    help:
                        "the name of a secret holding any of account_name, account_key, sas_token, connection_string (fields given here win)"
                ),
                ConfigField(
                    "account_name",
                    .string,
                    help: "storage account (else the connection string, the abfs host, AZURE_STORAGE_ACCOUNT_NAME)"
                ),
                ConfigField(
                    "account_key",
                    .string,
                    secret: true,
                    help: "account key: requests signed with Shared Key (else AZURE_STORAGE_ACCOUNT_KEY)"
                ),
                ConfigField(
                    "sas_token",
                    .string,
                    secret: true,
                    help: "shared access signature (else AZURE_STORAGE_SAS_TOKEN)"
                ),
                ConfigField(
                    "connection_string",
                    .string,
                    secret: true,
                    help: "a connection string (else AZURE_STORAGE_CONNECTION_STRING)"
                ),
                ConfigField(
                    "endpoint_url",
                    .string,
                    help:
                        "Blob endpoint (else the connection string's BlobEndpoint, else https://ACCOUNT.blob.core.windows.net)"
                )
                .url(schemes: ["http", "https"]),
            ]
                + TransferSettings.fields(
                    partSize: AzureConfiguration.partSizeRule,
                    partSizeHelp: "bytes per staged block and read-ahead block"
                )
        )
    }

    /// A path outside every component gets a store rooted at its container.
    public func defaultRoot(for path: ArtifactPath) -> String {
        path.schemePrefix + (path.components.first ?? "")
    }

    /// Checks `path` and that it names a container, as making the store does.
    /// - Throws: ``StackError`` naming the `path` field.
    public func prepare(_ config: ComponentConfig) throws -> ComponentConfig {
        try AzureConfiguration.checkRoot(of: preparePath(config), flavor: name)
    }

    public func makeStore(_ config: ComponentConfig) throws -> any ArtifactStore {
        try AzureArtifactStore(configuration: AzureConfiguration(config: config))
    }
}
