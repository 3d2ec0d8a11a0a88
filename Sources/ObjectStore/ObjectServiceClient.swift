import CurlHTTP
import FileIO
import Foundation

/// How messages name an object service and what it holds; the words of the refusals every
/// service means the same by (see ``ObjectServiceClient/failure(_:path:containerMissing:denial:)``).
public struct ServiceTerms: Sendable {
    /// The service (`S3`, `Cloud Storage`, `Azure Blob`).
    public var service: String
    /// The bucket or container as messages name it (`bucket 'models'`, `container 'runs'`).
    public var container: String
    /// Where the container lives (`in storage account 'acct'`); `nil`: at the endpoint.
    public var containerHome: String?
    /// What the service calls an object (`object`, `blob`).
    public var object: String
    /// What pins an object's version (`ETag`, `generation`).
    public var version: String
    /// Where the credentials came from (never the secret itself).
    public var credentialSource: String

    /// Describes the terms of one store.
    public init(
        service: String,
        container: String,
        containerHome: String? = nil,
        object: String = "object",
        version: String = "ETag",
        credentialSource: String
    ) {
        self.service = service
        self.container = container
        self.containerHome = containerHome
        self.object = object
        self.version = version
        self.credentialSource = credentialSource
    }
}

/// An object service's error answer: its status and what its error document said. Kept as the
/// ``FileIO/ArtifactStoreError/cause`` of the error a flavor throws, so logs have the whole answer.
public struct ObjectServiceError: Error, Sendable, CustomStringConvertible {
    /// The operation (`GetObject`, `objects.insert`, `Put Blob`).
    public var operation: String
    /// The HTTP status.
    public var status: Int
    /// The service's error code (`NoSuchKey`, `ContainerNotFound`); empty when it sent none (HEAD).
    public var code: String
    /// The service's message (already scrubbed of anything secret).
    public var message: String
    /// The request id, for the service's logs.
    public var requestID: String?

    /// Describes an answer.
    public init(operation: String, status: Int, code: String = "", message: String = "", requestID: String? = nil) {
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        self.requestID = requestID
    }

    /// `Operation: HTTP 403 Code: message (request id …)`, the parts the service sent.
    public var description: String {
        var text = "\(operation): HTTP \(status)"
        if !code.isEmpty { text += " \(code)" }
        if !message.isEmpty { text += ": \(message)" }
        if let requestID { text += " (request id \(requestID))" }
        return text
    }
}

/// The transport glue every object-service flavor shares: the checked endpoint, one pooled
/// ``CurlHTTP/HTTPClient`` per store, requests whose transport failures become errors naming the
/// service, the endpoint and the user's path, and the statuses every service means the same by.
/// Each flavor keeps only its protocol (URLs, bodies, error codes) and its signing.
public struct ObjectServiceClient: Sendable {
    /// How messages name the service and what it holds.
    public let terms: ServiceTerms
    /// Where requests go.
    public let endpoint: ServiceEndpoint
    /// The pooled client every request of the store goes through.
    public let http: HTTPClient
    /// Rewrites a URL before an error carries it (a SAS token's signature).
    private let redact: @Sendable (String) -> String

    /// Checks `endpoint` and makes a client keeping connections open for `concurrency` transfers
    /// on each of a few handles at once; `root` is the store's root, for the error; `redact`
    /// rewrites request URLs before errors carry them.
    /// - Throws: ``FileIO/ArtifactStoreError`` (`invalidArgument`) naming `root` when the endpoint URL is malformed.
    public init(
        terms: ServiceTerms,
        endpoint: String,
        http configuration: HTTPClientConfiguration,
        concurrency: Int,
        root: String,
        redact: @escaping @Sendable (String) -> String = { $0 }
    ) throws {
        self.terms = terms
        self.endpoint = try ServiceEndpoint(endpoint, root: root)
        http = HTTPClient(configuration: configuration, maxIdleConnections: max(16, concurrency * 4))
        self.redact = redact
    }

    /// Sends one request (already signed). An answer of any status is returned for the flavor to
    /// read; only a request that got no answer throws.
    /// - Throws: ``FileIO/ArtifactStoreError`` (`io`) naming `path`: "cannot reach the S3 endpoint
    ///   URL" when it could not connect, else the method and URL (without its query) that failed;
    ///   the cause is the ``CurlHTTP/HTTPTransportError``, its URL redacted.
    public func send(
        _ request: HTTPRequest,
        body: UnsafeRawBufferPointer? = nil,
        response: ResponseBody = .collect,
        path: String
    ) throws -> HTTPResponse {
        do {
            return try http.send(request, body: body, response: response)
        } catch var error as HTTPTransportError {
            error.url = redact(error.url)
            let message =
                error.isUnreachable
                ? "cannot reach the \(terms.service) endpoint \(shownEndpoint(of: request.url)): \(error.message) (after \(error.attempts) attempt\(error.attempts == 1 ? "" : "s"))"
                : "\(request.method) \(request.url.prefix { $0 != "?" }) failed: \(error)"
            throw ArtifactStoreError(.io, path: path, message, cause: error)
        }
    }

    /// The error for an error answer, by what every object service means the same by: a missing
    /// container (`containerMissing`, which only the flavor's protocol tells apart), 404 a missing
    /// object, 401 and 403 refused credentials (naming the container and where the credentials
    /// came from, never the secret; `denial`, asked only then, explains more), 412 an object
    /// replaced meanwhile; any other answer as the service gave it. Flavors map their own codes
    /// (a damaged upload) first.
    public func failure(
        _ answer: ObjectServiceError,
        path: String,
        containerMissing: Bool = false,
        denial: @autoclosure () -> String? = nil
    ) -> ArtifactStoreError {
        let home = terms.containerHome ?? "at \(endpoint.url)"
        if containerMissing {
            return ArtifactStoreError(.notFound, path: path, "\(terms.container) does not exist \(home)", cause: answer)
        }
        switch answer.status {
        case 404:
            return ArtifactStoreError(.notFound, path: path, "no such \(terms.object)", cause: answer)
        case 401, 403:
            return ArtifactStoreError(
                .permissionDenied,
                path: path,
                "access denied to \(terms.container) \(home) (\(answer))\(denial().map { "; " + $0 } ?? ""); credentials from \(terms.credentialSource)",
                cause: answer
            )
        case 412:
            return ArtifactStoreError(
                .io,
                path: path,
                "the \(terms.object) changed while it was being used (its \(terms.version) no longer matches: \(answer))",
                cause: answer
            )
        default:
            return ArtifactStoreError(.io, path: path, "\(terms.service) \(answer)", cause: answer)
        }
    }

    /// The value of a `Range` header asking for `count` bytes at `offset` (`bytes=A-B`), as every service takes it.
    public static func byteRange(at offset: UInt64, count: Int) -> String {
        "bytes=\(offset)-\(offset + UInt64(count) - 1)"
    }

    /// How many bytes a successful ranged GET at `offset` wrote into the caller's buffer.
    /// - Throws: ``FileIO/ArtifactStoreError`` (`io`) naming `path` when the server ignored the range
    ///   (it answered 200, the whole object, for a range that does not start at 0).
    public func bytesReceived(_ response: HTTPResponse, offset: UInt64, path: String) throws -> Int {
        if response.status == 200, offset > 0 {
            throw ArtifactStoreError(
                .io,
                path: path,
                "the \(terms.service) server ignored the range of a ranged GET (it sent the whole object)"
            )
        }
        return response.bytesReceived
    }

    /// The endpoint a message names for a request to `url`: the configured one when the request
    /// went there, else the request's own origin (a virtual-hosted bucket, a session URL).
    private func shownEndpoint(of url: String) -> String {
        if url.hasPrefix(endpoint.url), ["/", "?", nil].contains(url.dropFirst(endpoint.url.count).first) {
            return endpoint.url
        }
        guard let schemeEnd = url.range(of: "://") else { return url }
        return String(url[..<schemeEnd.upperBound]) + url[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != "?" }
    }
}
