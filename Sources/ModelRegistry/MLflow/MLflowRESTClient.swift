import CurlHTTP
import Foundation

/// JSON calls to an MLflow tracking server's REST API 2.0 (`/api/2.0/mlflow/...`), with its
/// error codes turned into ``ModelRegistryError``s that name the model and version at fault.
struct MLflowRESTClient: Sendable {
    /// A JSON object as MLflow sends and takes it.
    typealias Object = [String: Any]

    /// The server's base URL, without a trailing slash (`http://127.0.0.1:5000`).
    let trackingURI: String
    let http: HTTPClient
    /// `Authorization` and other headers every call carries; never printed.
    let authorization: [(name: String, value: String)]

    init(trackingURI: String, http: HTTPClient, authorization: [(name: String, value: String)]) {
        var base = trackingURI
        while base.hasSuffix("/") { base.removeLast() }
        self.trackingURI = base
        self.http = http
        self.authorization = authorization
    }

    /// Calls `endpoint` (`registered-models/get`) with `query` and a JSON `body` (whose fields go
    /// into the query for a GET, where MLflow reads them).
    /// - Parameter subject: what the call is about, for messages (`model 'resnet'`, `version 3 of model 'resnet'`).
    /// - Throws: ``ModelRegistryError``: `.alreadyExists`, `.notFound`, `.invalidValue` from MLflow's
    ///   error codes; `.backend` when the server cannot be reached or answers otherwise.
    @discardableResult
    func call(
        _ method: String,
        _ endpoint: String,
        query: [(String, String)] = [],
        body: Object? = nil,
        subject: String
    ) throws -> Object {
        var url = "\(trackingURI)/api/2.0/mlflow/\(endpoint)"
        var query = query
        var body = body
        // MLflow reads the parameters of a GET from the query string, of anything else from the body.
        if method == "GET", let fields = body {
            query += fields.sorted { $0.key < $1.key }.map { ($0.key, "\($0.value)") }
            body = nil
        }
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        }
        var headers = authorization
        var payload: Data?
        if let body {
            headers.append(("Content-Type", "application/json"))
            payload = try JSONSerialization.data(withJSONObject: body)
        }
        // Creating things is not safe to repeat; reading, updating to a value and deleting are.
        let request = HTTPRequest(
            method: method,
            url: url,
            headers: headers,
            idempotent: !endpoint.hasSuffix("/create")
        )
        let response: HTTPResponse
        do {
            response = try payload.withBytes { try http.send(request, body: $0) }
        } catch let error as HTTPTransportError {
            let reach =
                error.isUnreachable
                ? "cannot reach the MLflow server at \(trackingURI)" : "the MLflow server at \(trackingURI) failed"
            throw ModelRegistryError(.backend, "\(reach) (\(subject)): \(error)", cause: error)
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
        guard response.isSuccess else {
            throw Self.error(status: response.status, object, subject: subject, server: trackingURI)
        }
        return object
    }

    /// The typed error for an MLflow error answer.
    static func error(status: Int, _ object: [String: Any], subject: String, server: String) -> ModelRegistryError {
        let message = object["message"] as? String ?? "HTTP \(status)"
        switch object["error_code"] as? String {
        case "RESOURCE_ALREADY_EXISTS": return ModelRegistryError(.alreadyExists, "\(subject) already exists")
        case "RESOURCE_DOES_NOT_EXIST": return ModelRegistryError(.notFound, "\(subject) does not exist")
        case "INVALID_PARAMETER_VALUE", "BAD_REQUEST":
            return ModelRegistryError(.invalidValue, "\(subject): \(message)")
        default:
            if status == 401 || status == 403 {
                return ModelRegistryError(
                    .backend,
                    "the MLflow server at \(server) refused the credentials (HTTP \(status)) for \(subject)"
                )
            }
            return ModelRegistryError(
                .backend,
                "the MLflow server at \(server) answered HTTP \(status) for \(subject): \(message)"
            )
        }
    }

    private static let unreserved = CharacterSet(
        charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )

    /// Percent-encodes a query component (everything but unreserved characters).
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}

extension Optional where Wrapped == Data {
    /// Runs `body` with the bytes, or with nil when there are none.
    fileprivate func withBytes<T>(_ body: (UnsafeRawBufferPointer?) throws -> T) rethrows -> T {
        guard let data = self else { return try body(nil) }
        return try data.withUnsafeBytes { try body($0) }
    }
}
