import Crypto
import CurlHTTP
import FileIO
import Foundation
import ObjectStore
import Synchronization

/// The `gcp` artifact store: an ``ObjectStore/ObjectArtifactStore`` over the Cloud Storage JSON API,
/// a type of its own that is made only from a ``GCSConfiguration``.
public typealias GCSArtifactStore = ObjectArtifactStore<GCSConfiguration>

extension GCSConfiguration: ObjectStoreConfiguration {
    /// What a `gcp` root names, for the error when it names no bucket.
    public static var rootRequirement: String { "a gcp root must name a bucket (gs://bucket[/prefix])" }

    /// The JSON API on `bucket`, the root's first component; `nil` when it is empty.
    /// - Throws: ``FileIO/ArtifactStoreError`` naming the root when the endpoint URL is malformed.
    public func makeBackend(rootComponent bucket: String) throws -> (any ObjectBackend)? {
        guard !bucket.isEmpty else { return nil }
        return try GCSBackend(self, bucket: bucket)
    }
}

/// The Cloud Storage JSON API on one bucket: ranged media downloads pinned to a generation, simple
/// and resumable uploads checked by CRC32C and MD5, generation preconditions for create-only writes
/// and pinned copies and deletes, paged listings, `rewriteTo` copies and batched deletes.
final class GCSBackend: ObjectBackend {
    let configuration: GCSConfiguration
    let bucket: String
    /// The endpoint, the connection pool, transport errors and the statuses every service shares.
    let service: ObjectServiceClient
    private let tokens: GCSTokenSource
    /// Every `Authorization` value sent so far (one per token refresh), to scrub from error messages.
    private let sentTokens = Mutex<[String]>([])

    init(_ configuration: GCSConfiguration, bucket: String) throws {
        self.configuration = configuration
        self.bucket = bucket
        service = try ObjectServiceClient(
            terms: ServiceTerms(
                service: "Cloud Storage",
                container: "bucket '\(bucket)'",
                version: "generation",
                credentialSource: configuration.credentialSource
            ),
            endpoint: configuration.endpoint,
            http: configuration.http,
            concurrency: configuration.concurrency,
            root: configuration.root
        )
        tokens = GCSTokenSource(
            credentials: configuration.credentials,
            source: configuration.credentialSource,
            http: service.http
        )
    }

    var serviceName: String { service.terms.service }
    var container: String { bucket }
    var partSize: Int { configuration.partSize }
    var concurrency: Int { configuration.concurrency }

    // MARK: - Requests

    /// The URL of an object's metadata (`/storage/v1/b/B/o/NAME`), or of the bucket's objects.
    func objectURL(_ key: String?, api: String = "/storage/v1", query: [(String, String)] = []) -> String {
        var url = service.endpoint.url + api + "/b/" + URIEncoding.component(bucket) + "/o"
        if let key { url += "/" + URIEncoding.component(key) }
        if !query.isEmpty {
            url +=
                "?"
                + query.map { URIEncoding.component($0.0) + "=" + URIEncoding.component($0.1) }.joined(separator: "&")
        }
        return url
    }

    /// Sends one authorised request.
    /// - Throws: ``FileIO/ArtifactStoreError`` (`io`) naming the endpoint when it cannot be reached.
    func send(
        _ method: String,
        url: String,
        headers extra: [(String, String)] = [],
        body: UnsafeRawBufferPointer? = nil,
        response: ResponseBody = .collect,
        idempotent: Bool = true,
        path: String
    ) throws -> HTTPResponse {
        var headers = extra
        if let authorization = try tokens.authorization(path: path) {
            headers.append(("Authorization", authorization))
            sentTokens.withLock { if $0.last != authorization { $0.append(authorization) } }
        }
        let request = HTTPRequest(
            method: method,
            url: url,
            headers: headers.map { (name: $0.0, value: $0.1) },
            idempotent: idempotent
        )
        return try service.send(request, body: body, response: response, path: path)
    }

    /// The error for a failed response: a missing bucket told apart from a missing object (a 404
    /// of a bucket-level call, or one whose bucket does not answer either), then the statuses every service shares.
    func failure(
        _ response: HTTPResponse,
        operation: String,
        path: String,
        bucketLevel: Bool = false
    ) -> ArtifactStoreError {
        failure(
            status: response.status,
            body: response.body,
            operation: operation,
            path: path,
            bucketLevel: bucketLevel
        )
    }

    /// The error for a failed answer given as its status and JSON error body (an inner batch
    /// response); the tokens sent are scrubbed from the service's message.
    func failure(
        status: Int,
        body: [UInt8],
        operation: String,
        path: String,
        bucketLevel: Bool = false
    ) -> ArtifactStoreError {
        var message = GCSAnswers.errorMessage(body)
        for authorization in sentTokens.withLock({ $0 }) where authorization.count > "Bearer ".count {
            message = message.replacingOccurrences(
                of: String(authorization.dropFirst("Bearer ".count)),
                with: "<token>"
            )
        }
        let answer = ObjectServiceError(operation: operation, status: status, message: message)
        return service.failure(
            answer,
            path: path,
            containerMissing: status == 404 && (bucketLevel || !bucketExists(path: path))
        )
    }

    /// True unless the bucket's metadata answers 404 (so a 404 is about the bucket, not the object).
    private func bucketExists(path: String) -> Bool {
        let url = service.endpoint.url + "/storage/v1/b/" + URIEncoding.component(bucket)
        return (try? send("GET", url: url, path: path).status) != 404
    }

    static func json(_ bytes: [UInt8]) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
    }

    static func info(_ object: [String: Any]) -> ObjectInfo? {
        guard let name = object["name"] as? String else { return nil }
        let metadata = object["metadata"] as? [String: Any]
        return ObjectInfo(
            key: name,
            size: UInt64(object["size"] as? String ?? "") ?? 0,
            version: object["generation"] as? String,
            modified: (object["updated"] as? String).flatMap(HTTPDates.parseISO),
            attributes: POSIXAttributes { metadata?[$0] as? String }
        )
    }

    /// The object resource's `metadata` map holding `attributes` (s3fs-fuse's field names).
    static func metadata(_ attributes: POSIXAttributes) -> [String: String] {
        Dictionary(attributes.fields.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// Cloud Storage keeps the attributes in the object's `metadata` map.
    var keepsAttributes: Bool { true }

    /// `objects.list` returns each object's `metadata` map when its `fields` name it.
    var listsAttributes: Bool { true }

    /// `objects.patch` of the `metadata` map, pinned to the generation: Cloud Storage changes an
    /// object's metadata in place (a new metageneration), so nothing is copied.
    func replaceAttributes(
        _ key: String,
        _ attributes: POSIXAttributes,
        version: String?,
        size: UInt64,
        path: String
    ) throws {
        let body = try JSONSerialization.data(withJSONObject: ["metadata": Self.metadata(attributes)])
        let query = version.map { [("ifGenerationMatch", $0)] } ?? []
        let response = try [UInt8](body).withUnsafeBytes {
            try send(
                "PATCH",
                url: objectURL(key, query: query),
                headers: [("Content-Type", "application/json; charset=UTF-8")],
                body: $0,
                path: path
            )
        }
        if response.status == 412 || response.status == 404 {
            throw ArtifactStoreError(.notFound, path: path, "the object changed or went while its attributes were set")
        }
        guard response.isSuccess else { throw failure(response, operation: "objects.patch", path: path) }
    }

    /// The CRC32C and MD5 of bytes sent, base64 as the JSON API writes them.
    struct Checksums {
        var crc32c: String
        var md5: String

        /// `X-Goog-Hash`, which asks the server to refuse a body that does not match.
        var header: (String, String) { ("X-Goog-Hash", "crc32c=\(crc32c),md5=\(md5)") }
    }

    /// Checks the `crc32c` and `md5Hash` of the object the server stored against those of the bytes
    /// sent. On a mismatch the object is deleted (only the generation just written) and the upload fails.
    /// - Throws: ``FileIO/ArtifactStoreError`` (`io`) naming the path and both checksums.
    func verify(_ object: [String: Any]?, sent: Checksums, key: String, path: String) throws {
        var mismatches: [String] = []
        if let stored = object?["crc32c"] as? String, stored != sent.crc32c {
            mismatches.append("CRC32C \(stored) where \(sent.crc32c) was sent")
        }
        if let stored = object?["md5Hash"] as? String, stored != sent.md5 {
            mismatches.append("MD5 \(stored) where \(sent.md5) was sent")
        }
        guard !mismatches.isEmpty else { return }
        let outcome: String
        if let generation = object?["generation"] as? String {
            outcome =
                (try? delete(key, version: generation, path: path)) == true
                ? "the corrupted object was deleted"
                : "the corrupted object could not be deleted (generation \(generation))"
        } else {
            outcome = "the server named no generation, so the corrupted object was left in place"
        }
        throw ArtifactStoreError(
            .io,
            path: path,
            "upload corrupted in transit: Cloud Storage stored \(mismatches.joined(separator: " and ")); \(outcome)"
        )
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

    /// One ranged media GET: its `Content-Range` tells the size, `x-goog-generation` the generation.
    /// A media answer need not carry the `metadata` map (`x-goog-meta-*`); without it the object's
    /// resource is read too, so a symbolic link is never taken for a file.
    func open(_ key: String, leading count: Int, path: String) throws -> ObjectOpening? {
        var opening = try openWithRangedGet(
            key,
            leading: count,
            path: path,
            version: { $0.header("x-goog-generation") },
            attributes: { response in POSIXAttributes { response.header("x-goog-meta-" + $0) } }
        ) { buffer in
            let response = try send(
                "GET",
                url: objectURL(key, api: "/download/storage/v1", query: [("alt", "media")]),
                headers: [("Range", ObjectServiceClient.byteRange(at: 0, count: buffer.count))],
                response: .into(buffer),
                path: path
            )
            if response.isSuccess || response.status == 416 { return response }
            if response.status == 404 { return nil }
            throw failure(response, operation: "objects.get (media)", path: path)
        }
        if let found = opening, found.info.attributes == nil {
            opening?.info.attributes = try head(key, path: path)?.attributes
        }
        return opening
    }

    func getRange(
        _ key: String,
        offset: UInt64,
        into buffer: UnsafeMutableRawBufferPointer,
        version: String?,
        path: String
    ) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        var query = [("alt", "media")]
        if let version { query.append(("generation", version)) }
        let response = try send(
            "GET",
            url: objectURL(key, api: "/download/storage/v1", query: query),
            headers: [("Range", ObjectServiceClient.byteRange(at: offset, count: buffer.count))],
            response: .into(buffer),
            path: path
        )
        if response.status == 404, version != nil {
            throw ArtifactStoreError(
                .notFound,
                path: path,
                "the object was deleted or replaced while it was being read (generation \(version!) is gone)"
            )
        }
        guard response.isSuccess else { throw failure(response, operation: "objects.get (media)", path: path) }
        return try service.bytesReceived(response, offset: offset, path: path)
    }

    /// A simple upload (`uploadType=multipart`: metadata carrying the checksums, then the bytes),
    /// checked against the stored object's `crc32c` and `md5Hash`.
    func put(_ key: String, body: UnsafeRawBufferPointer, path: String) throws {
        try insert(key, body: body, attributes: nil, createOnly: false, path: path)
    }

    /// A simple upload whose object resource carries `attributes` in its `metadata` map.
    func put(_ key: String, body: UnsafeRawBufferPointer, attributes: POSIXAttributes?, path: String) throws {
        try insert(key, body: body, attributes: attributes, createOnly: false, path: path)
    }

    /// A simple upload with `ifGenerationMatch=0`: the server writes only where no object is.
    func create(_ key: String, body: UnsafeRawBufferPointer, path: String) throws {
        try insert(key, body: body, attributes: nil, createOnly: true, path: path)
    }

    /// A create-only simple upload carrying `attributes`.
    func create(_ key: String, body: UnsafeRawBufferPointer, attributes: POSIXAttributes?, path: String) throws {
        try insert(key, body: body, attributes: attributes, createOnly: true, path: path)
    }

    private func insert(
        _ key: String,
        body: UnsafeRawBufferPointer,
        attributes: POSIXAttributes?,
        createOnly: Bool,
        path: String
    ) throws {
        var crc = CRC32C()
        crc.update(body)
        var md5 = Insecure.MD5()
        md5.update(bufferPointer: body)
        let sent = Checksums(crc32c: crc.base64, md5: Data(md5.finalize()).base64EncodedString())
        var resource: [String: Any] = [
            "name": key, "contentType": "application/octet-stream", "crc32c": sent.crc32c, "md5Hash": sent.md5,
        ]
        if let attributes { resource["metadata"] = Self.metadata(attributes) }
        let metadata = try JSONSerialization.data(withJSONObject: resource, options: [.sortedKeys])
        let boundary = "artifactfs-" + UUID().uuidString
        var payload: [UInt8] = []
        payload.reserveCapacity(body.count + metadata.count + 256)
        payload += Array("--\(boundary)\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n".utf8)
        payload += metadata
        payload += Array("\r\n--\(boundary)\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
        body.withMemoryRebound(to: UInt8.self) { payload.append(contentsOf: $0) }
        payload += Array("\r\n--\(boundary)--\r\n".utf8)
        var query = [("uploadType", "multipart")]
        if createOnly { query.append(("ifGenerationMatch", "0")) }
        let response = try payload.withUnsafeBytes {
            try send(
                "POST",
                url: objectURL(nil, api: "/upload/storage/v1", query: query),
                headers: [("Content-Type", "multipart/related; boundary=\(boundary)")],
                body: $0,
                path: path
            )
        }
        if createOnly, response.status == 412 {
            throw ArtifactStoreError(
                .alreadyExists,
                path: path,
                "already exists (a create-only write found an object there)"
            )
        }
        guard response.isSuccess else { throw failure(response, operation: "objects.insert", path: path) }
        try verify(Self.json(response.body), sent: sent, key: key, path: path)
    }

    func delete(_ key: String, path: String) throws {
        let response = try send("DELETE", url: objectURL(key), path: path)
        guard response.isSuccess || response.status == 404 else {
            throw failure(response, operation: "objects.delete", path: path)
        }
    }

    /// `objects.delete` with `ifGenerationMatch`: a replaced object (412) is kept and reported as such.
    func delete(_ key: String, version: String, path: String) throws -> Bool {
        let response = try send("DELETE", url: objectURL(key, query: [("ifGenerationMatch", version)]), path: path)
        if response.status == 412 { return false }
        guard response.isSuccess || response.status == 404 else {
            throw failure(response, operation: "objects.delete", path: path)
        }
        return true
    }

    /// Deletes in JSON batch requests (``GCSBatchDelete``), `concurrency` batches at a time.
    /// - Throws: ``FileIO/ArtifactStoreError`` naming the first object that could not be deleted and how many failed.
    func deleteAll(_ keys: [String], path: String) throws {
        try GCSBatchDelete(backend: self, path: path).run(keys)
    }

    func copy(from source: String, to destination: String, size: UInt64, path: String) throws {
        try copy(from: source, version: nil, to: destination, size: size, exclusive: false, path: path)
    }

    /// `rewriteTo`, repeated with its rewrite token until the server says it is done (large objects);
    /// `sourceGeneration` pins the source, `ifGenerationMatch=0` makes the destination create-only.
    func copy(
        from source: String,
        version: String?,
        to destination: String,
        size: UInt64,
        exclusive: Bool,
        path: String
    ) throws {
        let base =
            objectURL(source) + "/rewriteTo/b/" + URIEncoding.component(bucket) + "/o/"
            + URIEncoding.component(destination)
        var conditions: [(String, String)] = []
        if let version { conditions.append(("sourceGeneration", version)) }
        if exclusive { conditions.append(("ifGenerationMatch", "0")) }
        var token: String?
        repeat {
            let query = conditions + (token.map { [("rewriteToken", $0)] } ?? [])
            let url =
                base
                + (query.isEmpty
                    ? "" : "?" + query.map { $0.0 + "=" + URIEncoding.component($0.1) }.joined(separator: "&"))
            let response = try send(
                "POST",
                url: url,
                headers: [("Content-Type", "application/json")],
                body: UnsafeRawBufferPointer(start: nil, count: 0),
                path: path
            )
            if exclusive, response.status == 412 {
                throw ArtifactStoreError(.alreadyExists, path: path, "already exists (pass overwrite to replace it)")
            }
            if let version, response.status == 404 {
                throw ArtifactStoreError(
                    .notFound,
                    path: path,
                    "the source object '\(source)' was replaced or deleted before it could be copied (generation \(version) is gone)"
                )
            }
            guard response.isSuccess, let document = Self.json(response.body) else {
                throw failure(response, operation: "objects.rewrite", path: path)
            }
            token = (document["done"] as? Bool) == false ? document["rewriteToken"] as? String : nil
        } while token != nil
    }

    func list(prefix: String, delimiter: String?, maxKeys: Int?, token: String?, path: String) throws -> ObjectListPage
    {
        var query = [("prefix", prefix)]
        if let delimiter { query.append(("delimiter", delimiter)) }
        if let maxKeys { query.append(("maxResults", String(maxKeys))) }
        if let token { query.append(("pageToken", token)) }
        query.append(("fields", "items(name,size,generation,updated,metadata),prefixes,nextPageToken"))
        let response = try send("GET", url: objectURL(nil, query: query), path: path)
        guard response.isSuccess, let page = GCSAnswers.listPage(response.body) else {
            throw failure(response, operation: "objects.list", path: path, bucketLevel: response.status == 404)
        }
        return page
    }

    /// Opens a resumable upload session; its chunks then go up in order.
    func startUpload(_ key: String, path: String) throws -> any ObjectUpload {
        try startUpload(key, attributes: nil, path: path)
    }

    /// Opens a resumable upload session whose object carries `attributes` in its `metadata` map.
    func startUpload(_ key: String, attributes: POSIXAttributes?, path: String) throws -> any ObjectUpload {
        let resource = attributes.map { ["metadata": Self.metadata($0)] } ?? [:]
        let body = [UInt8](try JSONSerialization.data(withJSONObject: resource, options: [.sortedKeys]))
        let response = try body.withUnsafeBytes {
            try send(
                "POST",
                url: objectURL(nil, api: "/upload/storage/v1", query: [("uploadType", "resumable"), ("name", key)]),
                headers: [("Content-Type", "application/json; charset=UTF-8")],
                body: $0,
                path: path
            )
        }
        guard response.isSuccess, let session = response.header("location") else {
            throw failure(response, operation: "objects.insert (resumable)", path: path)
        }
        return GCSResumableUpload(backend: self, key: key, session: session, path: path)
    }
}
