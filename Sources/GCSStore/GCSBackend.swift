import Crypto
import FileIO
import Foundation
import HTTPClient
import ObjectStore

/// The `gcp` artifact store: an ``ObjectStore/ObjectArtifactStore`` over the Cloud Storage JSON API.
public typealias GCSArtifactStore = ObjectArtifactStore

extension ObjectArtifactStore {
    /// Creates a `gcp` store from a resolved configuration. Nothing is sent until the first operation.
    /// - Throws: ``FileIO/ArtifactStoreError`` when the root is not `gs://bucket[/prefix]`.
    public convenience init(configuration: GCSConfiguration) throws {
        let parsed = try ArtifactPath(root: configuration.root, supportedSchemes: GCSConfiguration.schemes, keepEmptyComponents: true)
        guard let bucket = parsed.components.first, !bucket.isEmpty else {
            throw ArtifactStoreError(.invalidPath, path: configuration.root, "a gcp root must name a bucket (gs://bucket[/prefix])")
        }
        try self.init(root: configuration.root, schemes: GCSConfiguration.schemes, backend: GCSBackend(configuration, bucket: bucket))
    }
}

/// The Cloud Storage JSON API on one bucket: ranged media downloads pinned to a generation, simple
/// and resumable uploads checked by MD5, paged listings, `rewriteTo` copies and parallel deletes.
final class GCSBackend: ObjectBackend {
    let configuration: GCSConfiguration
    let bucket: String
    let http: HTTPClient
    private let tokens: GCSTokenSource

    init(_ configuration: GCSConfiguration, bucket: String) throws {
        guard configuration.endpoint.contains("://") else {
            throw ArtifactStoreError(
                .invalidArgument, path: configuration.root,
                "endpoint URL '\(configuration.endpoint)' has no scheme (use http://HOST:PORT or https://HOST)")
        }
        self.configuration = configuration
        self.bucket = bucket
        http = HTTPClient(configuration: configuration.http, maxIdleConnections: max(16, configuration.concurrency * 4))
        tokens = GCSTokenSource(credentials: configuration.credentials, source: configuration.credentialSource, http: http)
    }

    var serviceName: String { "Cloud Storage" }
    var container: String { bucket }
    var partSize: Int { configuration.partSize }
    var concurrency: Int { configuration.concurrency }

    // MARK: - Requests

    /// The URL of an object's metadata (`/storage/v1/b/B/o/NAME`), or of the bucket's objects.
    private func objectURL(_ key: String?, api: String = "/storage/v1", query: [(String, String)] = []) -> String {
        var url = configuration.endpoint + api + "/b/" + URIEncoding.component(bucket) + "/o"
        if let key { url += "/" + URIEncoding.component(key) }
        if !query.isEmpty { url += "?" + query.map { URIEncoding.component($0.0) + "=" + URIEncoding.component($0.1) }.joined(separator: "&") }
        return url
    }

    /// Sends one authorised request.
    /// - Throws: ``FileIO/ArtifactStoreError`` (`io`) naming the endpoint when it cannot be reached.
    func send(
        _ method: String, url: String, headers extra: [(String, String)] = [], body: UnsafeRawBufferPointer? = nil,
        response: ResponseBody = .collect, idempotent: Bool = true, path: String
    ) throws -> HTTPResponse {
        var headers = extra
        if let authorization = try tokens.authorization(path: path) { headers.append(("Authorization", authorization)) }
        let request = HTTPRequest(method: method, url: url, headers: headers.map { (name: $0.0, value: $0.1) }, idempotent: idempotent)
        do {
            return try http.send(request, body: body, response: response)
        } catch let error as HTTPTransportError {
            let message =
                error.isUnreachable
                ? "cannot reach the Cloud Storage endpoint \(configuration.endpoint): \(error.message) (after \(error.attempts) attempt\(error.attempts == 1 ? "" : "s"))"
                : "\(method) \(url) failed: \(error)"
            throw ArtifactStoreError(.io, path: path, message, cause: error)
        }
    }

    /// The error for a failed response: refused credentials (naming the bucket and their source,
    /// never the secret), a missing bucket told apart from a missing object, or anything else.
    func failure(_ response: HTTPResponse, operation: String, path: String, bucketLevel: Bool = false) -> ArtifactStoreError {
        let document = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        let message = ((document?["error"] as? [String: Any])?["message"] as? String) ?? ""
        let detail = "\(operation): HTTP \(response.status)\(message.isEmpty ? "" : ": " + message)"
        switch response.status {
        case 401, 403:
            return ArtifactStoreError(
                .permissionDenied, path: path, "access denied to bucket '\(bucket)' (\(detail)); credentials from \(configuration.credentialSource)")
        case 404 where bucketLevel || !bucketExists(path: path):
            return ArtifactStoreError(.notFound, path: path, "bucket '\(bucket)' does not exist at \(configuration.endpoint)")
        case 404:
            return ArtifactStoreError(.notFound, path: path, "no such object")
        case 412:
            return ArtifactStoreError(.io, path: path, "the object changed while it was being used (\(detail))")
        default:
            return ArtifactStoreError(.io, path: path, "Cloud Storage \(detail)")
        }
    }

    /// True unless the bucket's metadata answers 404 (so a 404 is about the bucket, not the object).
    private func bucketExists(path: String) -> Bool {
        let url = configuration.endpoint + "/storage/v1/b/" + URIEncoding.component(bucket)
        return (try? send("GET", url: url, path: path).status) != 404
    }

    private static func json(_ bytes: [UInt8]) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
    }

    static func info(_ object: [String: Any]) -> ObjectInfo? {
        guard let name = object["name"] as? String else { return nil }
        return ObjectInfo(
            key: name, size: UInt64(object["size"] as? String ?? "") ?? 0, version: object["generation"] as? String,
            modified: (object["updated"] as? String).flatMap(HTTPDates.parseISO))
    }

    /// Compares the MD5 the server reports (base64) with the one of the bytes sent.
    static func verify(reported object: [String: Any]?, md5: [UInt8], path: String) throws {
        guard let reported = object?["md5Hash"] as? String else { return }
        let sent = Data(md5).base64EncodedString()
        if reported != sent {
            throw ArtifactStoreError(.io, path: path, "upload corrupted: the server stored MD5 \(reported), but \(sent) was sent")
        }
    }

    // MARK: - Objects

    func head(_ key: String, path: String) throws -> ObjectInfo? {
        let response = try send("GET", url: objectURL(key), path: path)
        if response.status == 404 { return nil }
        guard response.isSuccess, let object = Self.json(response.body), let info = Self.info(object) else {
            throw failure(response, operation: "objects.get", path: path)
        }
        return info
    }

    func getRange(_ key: String, offset: UInt64, into buffer: UnsafeMutableRawBufferPointer, version: String?, path: String) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        var query = [("alt", "media")]
        if let version { query.append(("generation", version)) }
        let response = try send(
            "GET", url: objectURL(key, api: "/download/storage/v1", query: query),
            headers: [("Range", "bytes=\(offset)-\(offset + UInt64(buffer.count) - 1)")], response: .into(buffer), path: path)
        if response.status == 404, version != nil {
            throw ArtifactStoreError(.notFound, path: path, "the object was deleted or replaced while it was being read (generation \(version!) is gone)")
        }
        guard response.isSuccess else { throw failure(response, operation: "objects.get (media)", path: path) }
        if response.status == 200, offset > 0 {
            throw ArtifactStoreError(.io, path: path, "the server ignored the Range header of a ranged GET")
        }
        return response.bytesReceived
    }

    /// A simple (`uploadType=media`) upload, checked by MD5 against the stored object's `md5Hash`.
    func put(_ key: String, body: UnsafeRawBufferPointer, path: String) throws {
        var hasher = Insecure.MD5()
        hasher.update(bufferPointer: body)
        let md5 = Array(hasher.finalize())
        let response = try send(
            "POST", url: objectURL(nil, api: "/upload/storage/v1", query: [("uploadType", "media"), ("name", key)]),
            headers: [("Content-Type", "application/octet-stream")], body: body, path: path)
        guard response.isSuccess else { throw failure(response, operation: "objects.insert", path: path) }
        try Self.verify(reported: Self.json(response.body), md5: md5, path: path)
    }

    func delete(_ key: String, path: String) throws {
        let response = try send("DELETE", url: objectURL(key), path: path)
        guard response.isSuccess || response.status == 404 else { throw failure(response, operation: "objects.delete", path: path) }
    }

    /// Deletes in parallel, `concurrency` requests at a time, over kept-alive connections.
    func deleteAll(_ keys: [String], path: String) throws {
        try Parallel.forEach(keys.count, concurrency: max(configuration.concurrency, 16)) { index in
            try self.delete(keys[index], path: path)
        }
    }

    /// `rewriteTo`, repeated with its rewrite token until the server says it is done (large objects).
    func copy(from source: String, to destination: String, size: UInt64, path: String) throws {
        let base = objectURL(source) + "/rewriteTo/b/" + URIEncoding.component(bucket) + "/o/" + URIEncoding.component(destination)
        var token: String?
        repeat {
            let url = base + (token.map { "?rewriteToken=" + URIEncoding.component($0) } ?? "")
            let response = try send("POST", url: url, headers: [("Content-Type", "application/json")], body: UnsafeRawBufferPointer(start: nil, count: 0), path: path)
            guard response.isSuccess, let document = Self.json(response.body) else {
                throw failure(response, operation: "objects.rewrite", path: path)
            }
            token = (document["done"] as? Bool) == false ? document["rewriteToken"] as? String : nil
        } while token != nil
    }

    func list(prefix: String, delimiter: String?, maxKeys: Int?, token: String?, path: String) throws -> ObjectListPage {
        var query = [("prefix", prefix)]
        if let delimiter { query.append(("delimiter", delimiter)) }
        if let maxKeys { query.append(("maxResults", String(maxKeys))) }
        if let token { query.append(("pageToken", token)) }
        query.append(("fields", "items(name,size,generation,updated),prefixes,nextPageToken"))
        let response = try send("GET", url: objectURL(nil, query: query), path: path)
        guard response.isSuccess, let document = Self.json(response.body) else {
            throw failure(response, operation: "objects.list", path: path, bucketLevel: response.status == 404)
        }
        return ObjectListPage(
            objects: ((document["items"] as? [[String: Any]]) ?? []).compactMap(Self.info),
            prefixes: (document["prefixes"] as? [String]) ?? [], nextToken: document["nextPageToken"] as? String)
    }

    /// Opens a resumable upload session; its chunks then go up in order.
    func startUpload(_ key: String, path: String) throws -> any ObjectUpload {
        let body = Array("{}".utf8)
        let response = try body.withUnsafeBytes {
            try send(
                "POST", url: objectURL(nil, api: "/upload/storage/v1", query: [("uploadType", "resumable"), ("name", key)]),
                headers: [("Content-Type", "application/json; charset=UTF-8")], body: $0, path: path)
        }
        guard response.isSuccess, let session = response.header("location") else {
            throw failure(response, operation: "objects.insert (resumable)", path: path)
        }
        return GCSResumableUpload(backend: self, session: session, path: path)
    }
}
