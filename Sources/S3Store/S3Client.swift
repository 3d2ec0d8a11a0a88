import Crypto
import CurlHTTP
import FileIO
import Foundation
import ObjectStore

/// The S3 REST calls the store is built from: URLs, signing, checksums and error mapping.
/// Every method turns a failure into an ``ArtifactStoreError`` that names the user's path.
final class S3Client: Sendable {
    let configuration: S3Configuration
    /// The bucket every request goes to.
    let bucket: String
    /// The endpoint, the connection pool, transport errors and the statuses every service shares.
    let service: ObjectServiceClient
    private let signer: SigV4Signer?

    init(configuration: S3Configuration, bucket: String) throws {
        self.configuration = configuration
        self.bucket = bucket
        service = try ObjectServiceClient(
            terms: ServiceTerms(
                service: "S3",
                container: "bucket '\(bucket)'",
                credentialSource: configuration.credentialSource
            ),
            endpoint: configuration.endpoint,
            http: configuration.http,
            concurrency: configuration.concurrency,
            root: configuration.root
        )
        signer = configuration.credentials.map { SigV4Signer(credentials: $0, region: configuration.region) }
    }

    // MARK: - Requests

    /// Sends one signed request for `key` of the bucket (`key` nil: a bucket-level request).
    /// - Throws: ``ArtifactStoreError`` (`io`) when the endpoint cannot be reached, naming its URL.
    func send(
        _ method: String,
        key: String?,
        query: [(String, String)] = [],
        headers extra: [(String, String)] = [],
        body: UnsafeRawBufferPointer? = nil,
        response: ResponseBody = .collect,
        idempotent: Bool = true,
        path: String
    ) throws -> HTTPResponse {
        let host = service.endpoint.host
        let requestHost = configuration.pathStyle ? host : "\(bucket).\(host)"
        var uriPath = configuration.pathStyle ? "/" + URIEncoding.path(bucket) : ""
        if let key { uriPath += "/" + URIEncoding.path(key) }
        if uriPath.isEmpty { uriPath = "/" }
        let queryString = URIEncoding.canonicalQuery(query)
        let url =
            "\(service.endpoint.scheme)://\(requestHost)\(uriPath)" + (queryString.isEmpty ? "" : "?" + queryString)
        let payloadHash = body.map(SigV4Signer.payloadHash) ?? SigV4Signer.emptyPayloadHash
        var headers: [(String, String)] = [("Host", requestHost)] + extra
        if let signer {
            let date = SigV4Signer.timestamp()
            headers.append(("x-amz-date", date))
            headers.append(("x-amz-content-sha256", payloadHash))
            if let token = signer.credentials.sessionToken { headers.append(("x-amz-security-token", token)) }
            let signature = signer.sign(
                method: method,
                path: uriPath,
                query: query,
                headers: headers,
                payloadHash: payloadHash,
                date: date
            )
            headers.append(("Authorization", signature.authorization))
        }
        let request = HTTPRequest(
            method: method,
            url: url,
            headers: headers.map { (name: $0.0, value: $0.1) },
            idempotent: idempotent
        )
        return try service.send(request, body: body, response: response, path: path)
    }

    /// The error for a failed response, from S3's `<Error>` document: a missing bucket (`NoSuchBucket`)
    /// told apart from a missing key, then the statuses every service shares.
    func failure(_ response: HTTPResponse, operation: String, path: String) -> ArtifactStoreError {
        let answer = S3Answers.error(
            response.body,
            operation: operation,
            status: response.status,
            requestIDHeader: response.header("x-amz-request-id")
        )
        return service.failure(answer, path: path, containerMissing: answer.code == "NoSuchBucket")
    }

    // MARK: - Objects

    /// HEAD of an object; `nil` when there is none.
    func head(key: String, path: String) throws -> ObjectInfo? {
        let response = try send("HEAD", key: key, path: path)
        if response.status == 404 { return nil }
        guard response.isSuccess else { throw failure(response, operation: "HeadObject", path: path) }
        return ObjectInfo(
            key: key,
            size: UInt64(response.header("content-length") ?? "") ?? 0,
            version: response.header("etag"),
            modified: response.header("last-modified").flatMap(HTTPDates.parseHTTP),
            attributes: Self.attributes(of: response)
        )
    }

    /// The prefix S3 gives user metadata in headers, the one s3fs-fuse's attributes carry.
    static let metadataPrefix = "x-amz-meta-"

    /// The POSIX attributes in an answer's `x-amz-meta-*` headers; nil when it has none.
    static func attributes(of response: HTTPResponse) -> POSIXAttributes? {
        POSIXAttributes(headerPrefix: metadataPrefix, header: response.header)
    }

    /// The `x-amz-meta-*` headers that carry `attributes`.
    static func headers(for attributes: POSIXAttributes?) -> [(String, String)] {
        POSIXAttributes.headers(attributes, prefix: metadataPrefix)
    }

    /// A GET of the object's first `buffer.count` bytes into `buffer`; `nil` when there is no such
    /// object, the answer when it is a success or 416 (an empty object has no range to read).
    /// - Throws: `notFound` naming the bucket when it is missing; the service's other refusals.
    func getLeading(key: String, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> HTTPResponse? {
        let response = try send(
            "GET",
            key: key,
            headers: [("Range", ObjectServiceClient.byteRange(at: 0, count: buffer.count))],
            response: .into(buffer),
            path: path
        )
        if response.isSuccess || response.status == 416 { return response }
        let failure = failure(response, operation: "GetObject", path: path)
        if response.status == 404, (failure.cause as? ObjectServiceError)?.code != "NoSuchBucket" { return nil }
        throw failure
    }

    /// Reads `buffer.count` bytes at `offset` straight into `buffer` with one ranged GET.
    /// - Throws: `notFound` when the object is gone, `io` when it changed (its ETag no longer matches).
    func getRange(
        key: String,
        offset: UInt64,
        into buffer: UnsafeMutableRawBufferPointer,
        etag: String?,
        path: String
    ) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        var headers = [("Range", ObjectServiceClient.byteRange(at: offset, count: buffer.count))]
        if let etag { headers.append(("If-Match", etag)) }
        let response = try send("GET", key: key, headers: headers, response: .into(buffer), path: path)
        guard response.isSuccess else { throw failure(response, operation: "GetObject", path: path) }
        return try service.bytesReceived(response, offset: offset, path: path)
    }

    /// Uploads a whole object with one PUT, checked by Content-MD5 (the server verifies it, and the
    /// ETag it reports is compared with it).
    func put(key: String, body: UnsafeRawBufferPointer, attributes: POSIXAttributes? = nil, path: String) throws {
        let md5 = Insecure.MD5.hash(data: body)
        let response = try send(
            "PUT",
            key: key,
            headers: [("Content-MD5", Data(md5).base64EncodedString())] + Self.headers(for: attributes),
            body: body,
            path: path
        )
        guard response.isSuccess else { throw failure(response, operation: "PutObject", path: path) }
        try verify(etag: response.header("etag"), md5: md5, path: path)
    }

    /// Deletes an object (a missing one is no error, as in S3).
    func delete(key: String, path: String) throws {
        let response = try send("DELETE", key: key, path: path)
        guard response.isSuccess || response.status == 404 else {
            throw failure(response, operation: "DeleteObject", path: path)
        }
    }

    /// Replaces an object's metadata with `attributes` by copying it onto itself on the server
    /// side (`x-amz-metadata-directive: REPLACE`), only while it is still at `etag` when given.
    /// - Throws: `notFound` when it is gone or was replaced meanwhile; the service's other refusals.
    func replaceMetadata(key: String, attributes: POSIXAttributes, etag: String?, path: String) throws {
        var headers = [
            ("x-amz-copy-source", "/" + URIEncoding.path(bucket) + "/" + URIEncoding.path(key)),
            ("x-amz-metadata-directive", "REPLACE"),
        ]
        if let etag { headers.append(("x-amz-copy-source-if-match", etag)) }
        do {
            try sendCheckingEmbeddedError(operation: "CopyObject", path: path) {
                try send("PUT", key: key, headers: headers + Self.headers(for: attributes), path: path)
            }
        } catch let error as ArtifactStoreError where (error.cause as? ObjectServiceError)?.status == 412 {
            throw ArtifactStoreError(.notFound, path: path, "the object changed while its attributes were set")
        }
    }

    /// Server-side copy of one object (up to 5 GiB).
    func copy(from source: String, to destination: String, path: String) throws {
        try sendCheckingEmbeddedError(operation: "CopyObject", path: path) {
            try send(
                "PUT",
                key: destination,
                headers: [("x-amz-copy-source", "/" + URIEncoding.path(bucket) + "/" + URIEncoding.path(source))],
                path: path
            )
        }
    }

    // MARK: - Listing

    /// One page of ListObjectsV2 below `prefix`, grouped by `delimiter` when given.
    func list(
        prefix: String,
        delimiter: String?,
        maxKeys: Int? = nil,
        token: String? = nil,
        path: String
    ) throws -> ObjectListPage {
        var query = [("list-type", "2"), ("prefix", prefix)]
        if let delimiter { query.append(("delimiter", delimiter)) }
        if let maxKeys { query.append(("max-keys", String(maxKeys))) }
        if let token { query.append(("continuation-token", token)) }
        let response = try send("GET", key: nil, query: query, path: path)
        guard response.isSuccess, let page = S3Answers.listPage(response.body) else {
            throw failure(response, operation: "ListObjectsV2", path: path)
        }
        return page
    }

    /// Deletes keys in batches of 1,000 (DeleteObjects), in parallel batches.
    /// - Throws: `io` naming the first key the server could not delete.
    func deleteAll(keys: [String], path: String) throws {
        let batches = stride(from: 0, to: keys.count, by: 1000).map { Array(keys[$0..<min($0 + 1000, keys.count)]) }
        try Parallel.forEach(batches.count, concurrency: configuration.concurrency) { [self] index in
            let objects = batches[index].map { "<Object><Key>\(xmlEscaped($0))</Key></Object>" }.joined()
            let body = Array("<Delete><Quiet>true</Quiet>\(objects)</Delete>".utf8)
            let response = try body.withUnsafeBytes { bytes in
                try send(
                    "POST",
                    key: nil,
                    query: [("delete", "")],
                    headers: [
                        ("Content-MD5", Data(Insecure.MD5.hash(data: bytes)).base64EncodedString()),
                        ("Content-Type", "application/xml"),
                    ],
                    body: bytes,
                    path: path
                )
            }
            guard response.isSuccess, let document = XMLTree.parse(response.body), document.name != "Error" else {
                throw failure(response, operation: "DeleteObjects", path: path)
            }
            if let failed = document.children("Error").first {
                throw ArtifactStoreError(
                    .io,
                    path: path,
                    "could not delete '\(failed.text(of: "Key") ?? "?")': \(failed.text(of: "Code") ?? "") \(failed.text(of: "Message") ?? "")"
                )
            }
        }
    }

    // MARK: - Multipart

    /// Starts a multipart upload and returns its id. Retried like any request: an upload begun by an
    /// attempt whose answer was lost is aborted when this key's next multipart upload completes
    /// (``S3Upload``), as the AWS SDKs retry it too.
    func createMultipartUpload(key: String, attributes: POSIXAttributes? = nil, path: String) throws -> String {
        let response = try send(
            "POST",
            key: key,
            query: [("uploads", "")],
            headers: Self.headers(for: attributes),
            path: path
        )
        guard response.isSuccess, let id = XMLTree.parse(response.body)?.text(of: "UploadId") else {
            throw failure(response, operation: "CreateMultipartUpload", path: path)
        }
        return id
    }

    /// Uploads one part, checked by Content-MD5; returns its ETag.
    func uploadPart(
        key: String,
        uploadID: String,
        number: Int,
        body: UnsafeRawBufferPointer,
        path: String
    ) throws -> String {
        let md5 = Insecure.MD5.hash(data: body)
        let response = try send(
            "PUT",
            key: key,
            query: [("partNumber", String(number)), ("uploadId", uploadID)],
            headers: [("Content-MD5", Data(md5).base64EncodedString())],
            body: body,
            path: path
        )
        guard response.isSuccess, let etag = response.header("etag") else {
            throw failure(response, operation: "UploadPart", path: path)
        }
        try verify(etag: etag, md5: md5, path: path)
        return etag
    }

    /// Copies a byte range of another object as one part (UploadPartCopy); returns its ETag.
    func uploadPartCopy(
        source: String,
        key: String,
        uploadID: String,
        number: Int,
        range: ClosedRange<UInt64>,
        path: String
    ) throws -> String {
        let response = try sendCheckingEmbeddedError(operation: "UploadPartCopy", path: path) {
            try send(
                "PUT",
                key: key,
                query: [("partNumber", String(number)), ("uploadId", uploadID)],
                headers: [
                    ("x-amz-copy-source", "/" + URIEncoding.path(bucket) + "/" + URIEncoding.path(source)),
                    ("x-amz-copy-source-range", "bytes=\(range.lowerBound)-\(range.upperBound)"),
                ],
                path: path
            )
        }
        guard let etag = XMLTree.parse(response.body)?.text(of: "ETag") else {
            throw ArtifactStoreError(.io, path: path, "UploadPartCopy answered without an ETag")
        }
        return etag
    }

    /// Completes a multipart upload: the object appears now, whole.
    func completeMultipartUpload(
        key: String,
        uploadID: String,
        parts: [(number: Int, tag: String)],
        path: String
    ) throws {
        let list = parts.map { "<Part><PartNumber>\($0.number)</PartNumber><ETag>\(xmlEscaped($0.tag))</ETag></Part>" }
            .joined()
        let body = Array("<CompleteMultipartUpload>\(list)</CompleteMultipartUpload>".utf8)
        try sendCheckingEmbeddedError(operation: "CompleteMultipartUpload", path: path) {
            try body.withUnsafeBytes { bytes in
                try send(
                    "POST",
                    key: key,
                    query: [("uploadId", uploadID)],
                    headers: [("Content-Type", "application/xml")],
                    body: bytes,
                    path: path
                )
            }
        }
    }

    /// The multipart uploads in progress for exactly `key` (the first page of ListMultipartUploads
    /// below it): each one's id and when the server says it was initiated.
    /// - Throws: `io` naming `path` when the server refuses the listing.
    func multipartUploads(key: String, path: String) throws -> [(id: String, initiated: Date?)] {
        let response = try send("GET", key: nil, query: [("uploads", ""), ("prefix", key)], path: path)
        guard response.isSuccess, let document = XMLTree.parse(response.body), document.name != "Error" else {
            throw failure(response, operation: "ListMultipartUploads", path: path)
        }
        return document.children("Upload").compactMap { upload in
            guard upload.text(of: "Key") == key, let id = upload.text(of: "UploadId") else { return nil }
            return (id: id, initiated: upload.text(of: "Initiated").flatMap(HTTPDates.parseISO))
        }
    }

    /// Aborts a multipart upload, so none of its parts is kept or shown.
    func abortMultipartUpload(key: String, uploadID: String, path: String) throws {
        let response = try send("DELETE", key: key, query: [("uploadId", uploadID)], path: path)
        guard response.isSuccess || response.status == 404 else {
            throw failure(response, operation: "AbortMultipartUpload", path: path)
        }
    }

    // MARK: - Checks

    /// The codes of an `<Error>` inside a `200 OK` that S3 says to retry.
    private static let retryableEmbeddedCodes: Set<String> = [
        "InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout",
    ]

    /// Sends a request S3 may answer `200 OK` with an `<Error>` document (CopyObject, UploadPartCopy,
    /// CompleteMultipartUpload), again after the configured back-off while that error is one S3
    /// says to retry, up to the configured attempts in all; then checks the last answer.
    /// - Throws: what `send` throws; the service's error when the last answer is one.
    @discardableResult
    private func sendCheckingEmbeddedError(
        operation: String,
        path: String,
        _ send: () throws -> HTTPResponse
    ) throws -> HTTPResponse {
        let retry = configuration.http.retry
        var attempt = 1
        while true {
            let response = try send()
            if attempt < retry.maxAttempts, response.isSuccess, let document = XMLTree.parse(response.body),
                document.name == "Error", Self.retryableEmbeddedCodes.contains(document.text(of: "Code") ?? "")
            {
                retry.backoff(before: attempt)
                attempt += 1
                continue
            }
            try checkEmbeddedError(response, operation: operation, path: path)
            return response
        }
    }

    /// Copy and Complete answer 200 and may still carry an `<Error>` document.
    private func checkEmbeddedError(_ response: HTTPResponse, operation: String, path: String) throws {
        if !response.isSuccess || XMLTree.parse(response.body)?.name == "Error" {
            var failed = response
            if failed.isSuccess { failed.status = 500 }
            throw failure(failed, operation: operation, path: path)
        }
    }

    /// Compares a reported ETag with the MD5 sent, where the ETag is a plain MD5 (not a multipart or
    /// encrypted object's).
    private func verify(etag: String?, md5: Insecure.MD5.Digest, path: String) throws {
        guard let etag else { return }
        let reported = etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")).lowercased()
        guard reported.count == 32, reported.allSatisfy(\.isHexDigit) else { return }
        let sent = SigV4Signer.hex(md5)
        if reported != sent {
            throw ArtifactStoreError(
                .io,
                path: path,
                "upload corrupted: the server stored MD5 \(reported), but \(sent) was sent"
            )
        }
    }
}

extension Insecure.MD5 {
    fileprivate static func hash(data: UnsafeRawBufferPointer) -> Insecure.MD5.Digest {
        var hasher = Insecure.MD5()
        hasher.update(bufferPointer: data)
        return hasher.finalize()
    }
}
