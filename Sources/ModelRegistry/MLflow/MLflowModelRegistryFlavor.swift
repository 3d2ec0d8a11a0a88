import CurlHTTP
import FileIO
import Foundation
import Stacks

/// The built-in `mlflow` model-registry flavor: models and versions on an MLflow tracking server;
/// see ``MLflowModelRegistry`` for how they map.
public struct MLflowModelRegistryFlavor: ModelRegistryFlavor {
    public init() {}
    public var name: String { "mlflow" }
    public var summary: String { "Models and versions on an MLflow tracking server (its Model Registry REST API)." }
    public var schema: ConfigSchema {
        ConfigSchema(
            [
                ConfigField(
                    "tracking_uri",
                    .string,
                    required: true,
                    help: "the MLflow server, e.g. http://127.0.0.1:5000"
                )
                .url(schemes: ["http", "https"]),
                ConfigField("tracking_token", .string, secret: true, help: "a bearer token for the server"),
                ConfigField("tracking_username", .string, secret: true, help: "user for HTTP basic authentication"),
                ConfigField("tracking_password", .string, secret: true, help: "password for HTTP basic authentication"),
                ConfigField(
                    "tracking_insecure_tls",
                    .boolean,
                    default: .boolean(false),
                    help: "skip TLS certificate checks"
                ),
                ConfigField(
                    "artifact_path",
                    .string,
                    help:
                        "where files of local model sources are copied (MLflow refuses local sources); the active stack's artifact store + /mlflow when omitted"
                ),
            ],
            exclusive: [["tracking_token", "tracking_username"]]
        )
    }

    public func makeRegistry(_ config: ComponentConfig, metadata: MetadataStore) throws -> any ModelRegistry {
        try schema.checkRules(config, flavor: name)
        let insecure = config["tracking_insecure_tls"] == .boolean(true)
        var headers: [(name: String, value: String)] = []
        if let token = config["tracking_token"]?.stringValue {
            headers.append(("Authorization", "Bearer \(token)"))
        } else if let user = config["tracking_username"]?.stringValue {
            let password = config["tracking_password"]?.stringValue ?? ""
            headers.append(("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()))
        }
        let copyRoot: String
        if let path = config["artifact_path"]?.stringValue {
            copyRoot = path
        } else if let store = try metadata.activeStack().artifactStore?.config["path"]?.stringValue {
            copyRoot = try ArtifactPath(parsing: store).appending("mlflow").description
        } else {
            throw ModelRegistryError(
                .invalidValue,
                "the active stack's artifact store has no path: set artifact_path on the mlflow registry"
            )
        }
        let client = MLflowRESTClient(
            trackingURI: config["tracking_uri"]?.stringValue ?? "",
            http: HTTPClient(configuration: HTTPClientConfiguration(verifyTLS: !insecure)),
            authorization: headers
        )
        return MLflowModelRegistry(client: client, copyRoot: copyRoot)
    }
}
