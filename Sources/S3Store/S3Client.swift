import Crypto
import CurlHTTP
import FileIO
import Foundation
import ObjectStore

/// The S3 REST calls the store is built from: URLs, signing, checksums and error mapping.
/// Every method turns a failure into an ``ArtifactStoreError`` that names the user's path.
final class S3Client: Sendable {
    let configuration: S3Configuration
    let http: HTTPClient
    private let signer: SigV4Signer?
    private let scheme: String
    private let host: String

    init(configuration: S3Configuration) throws {
        self.configuration = configuration
        http = HTTPClient(configuration: configuration.http, maxIdleConnections: max(16, configuration.concurrency * 4))
        signer = configuration.credentials.map { SigV4Signer(credentials: $0, region: configuration.region) }
        guard let schemeEnd = configuration.endpoint.range(of: "://") else {
            throw ArtifactStoreError(
                .invalidArgument, path: configuration.root,
                "endpoint URL '\(configuration.endpoint)' has no scheme (use http://HOST:PORT or https://HOST)")
        }
        scheme = String(configuration.endpoint[..<schemeEnd.lowerBound]).lowercased()
        host = String(configuration.endpoint[schemeEnd.upperBound...].prefix { $0 != "/" })
    }

    // MARK: - Requests

    /// Sends one signed request for `bucket`/`key` (`key` nil: a bucket-level request).
    /// - Throws: ``ArtifactStoreError`` (`io`) when the endpoint cannot be reached, naming its URL.
    func send(
        _ method: String, bucket: String, key: String?, query: [(String, String)] = [],
        headers extra: [(String, String)] = [], body: UnsafeRawBufferPointer? = nil, response: ResponseBody = .collect,
        idempotent: Bool = true, path: String
    ) throws -> HTTPResponse {
        let requestHost = configuration.pathStyle ? host : "\(bucket).\(host)"
        var uriPath = configuration.pathStyle ? "/" + URIEncoding.path(bucket) : ""
        if let key { uriPath += "/" + URIEncoding.path(key) }
        if uriPath.isEmpty { uriPath = "/" }
        let queryString = URIEncoding.canonicalQuery(query)
        let url = "\(scheme)://\(requestHost)\(uriPath)" + (queryString.isEmpty ? "" : "?" + queryString)
        let payloadHash = body.map(SigV4Signer.payloadHash) ?? SigV4Signer.emptyPayloadHash
        var headers: [(String, String)] = [("Host", requestHost)] + extra
        if let signer {
            let date = SigV4Signer.timestamp()
            headers.append(("x-amz-date", date))
            headers.append(("x-amz-content-sha256", payloadHash))
            if let token = signer.credentials.sessionToken { headers.append(("x-amz-security-token", token)) }
            let signature = signer.sign(
                method: method, path: uriPath, query: query, headers: headers, payloadHash: payloadHash, date: date)
            headers.append(("Authorization", signature.authorization))
        }
        let request = HTTPRequest(
            method: method, url: url, headers: headers.map { (name: $0.0, value: $0.1) }, idempotent: idempotent)
        do {
            return try http.send(request, body: body, response: response)
        } catch let error as HTTPTransportError {
            let endpoint = "\(scheme)://\(requestHost)"
            let message =
                error.isUnreachable
                ? "cannot reach the S3 endpoint \(endpoint): \(error.message) (after \(error.attempts) attempt\(error.attempts == 1 ? "" : "s"))"
                : "\(method) \(endpoint)\(uriPath) failed: \(error)"
            throw ArtifactStoreError(.io, path: path, message, cause: error)
        }
    }

    /// The error for a failed response, told apart by S3's code: a missing bucket, a missing key,
    /// refused credentials (naming their source, never the secret), or anything else.
    func failure(_ response: HTTPResponse, operation: String, bucket: String, path: String) -> ArtifactStoreError {
        let document = XMLTree.parse(response.body)
        let error = S3ServiceError(
            status: response.status, code: document?.text(of: "Code") ?? "",
            message: document?.text(of: "Message") ?? "", requestID: document?.text(of: "RequestId") ?? response.header("x-amz-request-id"),
            operation: operation)
        switch (response.status, error.code) {
        case (_, "NoSuchBucket"):
            return ArtifactStoreError(.notFound, path: path, "bucket '\(bucket)' does not exist at \(configuration.endpoint)", cause: error)
        case (404, _):
            return ArtifactStoreError(.notFound, path: path, "no such object", cause: error)
        case (403, _), (401, _):
            return ArtifactStoreError(
                .permissionDenied, path: path,
                "access denied to bucket '\(bucket)' (\(error.code.isEmpty ? "HTTP \(response.status)" : error.code)\(error.message.isEmpty ? "" : ": " + error.message)); credentials from \(configuration.credentialSource)",
                cause: error)
        default:
            return ArtifactStoreError(.io, path: path, "S3 \(error)", cause: error)
        }
    }

    // MARK: - Objects

    /// HEAD of an object; `nil` when there is none.
    func head(bucket: String, key: String, path: String) throws -> ObjectInfo? {
        let response = try send("HEAD", bucket: bucket, key: key, path: path)
        if response.status == 404 { return nil }
        guard response.isSuccess else { throw failure(response, operation: "HeadObject", bucket: bucket, path: path) }
        return ObjectInfo(
            key: key, size: UInt64(response.header("content-length") ?? "") ?? 0, version: response.header("etag"),
            modified: response.header("last-modified").flatMap(HTTPDates.parseHTTP))
    }

    /// A GET of the object's first `buffer.count` bytes into `buffer`; `nil` when there is no such
    /// object, the answer when it is a success or 416 (an empty object has no range to read).
    /// - Throws: `notFound` naming the bucket when it is missing; the service's other refusals.
    func getLeading(bucket: String, key: String, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> HTTPResponse? {
        let response = try send("GET", bucket: bucket, key: key, headers: [("Range", "bytes=0-\(buffer.count - 1)")], response: .into(buffer), path: path)
        if response.isSuccess || response.status == 416 { return response }
        let failure = failure(response, operation: "GetObject", bucket: bucket, path: path)
        if response.status == 404, (failure.cause as? S3ServiceError)?.code != "NoSuchBucket" { return nil }
        throw failure
    }

    /// Reads `buffer.count` bytes at `offset` straight into `buffer` with one ranged GET.
    /// - Throws: `notFound` when the object is gone, `io` when it changed (its ETag no longer matches).
    func getRange(
        bucket: String, key: String, offset: UInt64, into buffer: UnsafeMutableRawBufferPointer, etag: String?, path: String
    ) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        var headers = [("Range", "bytes=\(offset)-\(offset + UInt64(buffer.count) - 1)")]
        if let etag { headers.append(("If-Match", etag)) }
        let response = try send("GET", bucket: bucket, key: key, headers: headers, response: .into(buffer), path: path)
        if response.status == 412 {
            throw ArtifactStoreError(.io, path: path, "the object changed while it was being read (its ETag no longer matches)")
        }
        guard response.isSuccess else { throw failure(response, operation: "GetObject", bucket: bucket, path: path) }
        if response.status == 200, offset > 0 {
            throw ArtifactStoreError(.io, path: path, "the server ignored the Range header of a ranged GET")
        }
        return response.bytesReceived
    }

    /// Uploads a whole object with one PUT, checked by Content-MD5 (the server verifies it, and the
    /// ETag it reports is compared with it).
    func put(bucket: String, key: String, body: UnsafeRawBufferPointer, path: String) throws {
        let md5 = Insecure.MD5.hash(data: body)
        let response = try send(
            "PUT", bucket: bucket, key: key, headers: [("Content-MD5", Data(md5).base64EncodedString())], body: body,
            path: path)
        guard response.isSuccess else { throw failure(response, operation: "PutObject", bucket: bucket, path: path) }
        try verify(etag: response.header("etag"), md5: md5, path: path)
    }

    /// Deletes an object (a missing one is no error, as in S3).
    func delete(bucket: String, key: String, path: String) throws {
        let response = try send("DELETE", bucket: bucket, key: key, path: path)
        guard response.isSuccess || response.status == 404 else {
            throw failure(response, operation: "DeleteObject", bucket: bucket, path: path)
        }
    }

    /// Server-side copy of one object (up to 5 GiB).
    func copy(bucket: String, from source: String, to destination: String, path: String) throws {
        let response = try send(
            "PUT", bucket: bucket, key: destination,
            headers: [("x-amz-copy-source", "/" + URIEncoding.path(bucket) + "/" + URIEncoding.path(source))],
            path: path)
        try checkEmbeddedError(response, operation: "CopyObject", bucket: bucket, path: path)
    }

    // MARK: - Listing

    /// One page of ListObjectsV2 below `prefix`, grouped by `delimiter` when given.
    func list(
        bucket: String, prefix: String, delimiter: String?, maxKeys: Int? = nil, token: String? = nil, path: String
    ) throws -> ObjectListPage {
        var query = [("list-type", "2"), ("prefix", prefix)]
        if let delimiter { query.append(("delimiter", delimiter)) }
        if let maxKeys { query.append(("max-keys", String(maxKeys))) }
        if let token { query.append(("continuation-token", token)) }
        let response = try send("GET", bucket: bucket, key: nil, query: query, path: path)
        guard response.isSuccess, let document = XMLTree.parse(response.body) else {
            throw failure(response, operation: "ListObjectsV2", bucket: bucket, path: path)
        }
        var page = ObjectListPage()
        for entry in document.children("Contents") {
            guard let key = entry.text(of: "Key") else { continue }
            page.objects.append(
                ObjectInfo(
                    key: key, size: UInt64(entry.text(of: "Size") ?? "") ?? 0, version: entry.text(of: "ETag"),
                    modified: entry.text(of: "LastModified").flatMap(HTTPDates.parseISO)))
        }
        page.prefixes = document.children("CommonPrefixes").compactMap { $0.text(of: "Prefix") }
        if document.text(of: "IsTruncated") == "true" { page.nextToken = document.text(of: "NextContinuationToken") }
        return page
    }

    /// Deletes keys in batches of 1,000 (DeleteObjects), in parallel batches.
    /// - Throws: `io` naming the first key the server could not delete.
    func deleteAll(bucket: String, keys: [String], path: String) throws {
        let batches = stride(from: 0, to: keys.count, by: 1000).map { Array(keys[$0..<min($0 + 1000, keys.count)]) }
        try Parallel.forEach(batches.count, concurrency: configuration.concurrency) { [self] index in
            let objects = batches[index].map { "<Object><Key>\(xmlEscaped($0))</Key></Object>" }.joined()
            let body = Array("<Delete><Quiet>true</Quiet>\(objects)</Delete>".utf8)
            let response = try body.withUnsafeBytes { bytes in
                try send(
                    "POST", bucket: bucket, key: nil, query: [("delete", "")],
                    headers: [("Content-MD5", Data(Insecure.MD5.hash(data: bytes)).base64EncodedString()), ("Content-Type", "application/xml")],
                    body: bytes, path: path)
            }
            guard response.isSuccess, let document = XMLTree.parse(response.body), document.name != "Error" else {
                throw failure(response, operation: "DeleteObjects", bucket: bucket, path: path)
            }
            if let failed = document.children("Error").first {
                throw ArtifactStoreError(
                    .io, path: path,
                    "could not delete '\(failed.text(of: "Key") ?? "?")': \(failed.text(of: "Code") ?? "") \(failed.text(of: "Message") ?? "")")
            }
        }
    }

    // MARK: - Multipart

    /// Starts a multipart upload and returns its id. Not retried: a repeat would leave a stray upload.
    func createMultipartUpload(bucket: String, key: String, path: String) throws -> String {
        let response = try send("POST", bucket: bucket, key: key, query: [("uploads", "")], idempotent: false, path: path)
        guard response.isSuccess, let id = XMLTree.parse(response.body)?.text(of: "UploadId") else {
            throw failure(response, operation: "CreateMultipartUpload", bucket: bucket, path: path)
        }
        return id
    }

    /// Uploads one part, checked by Content-MD5; returns its ETag.
    func uploadPart(
        bucket: String, key: String, uploadID: String, number: Int, body: UnsafeRawBufferPointer, path: String
    ) throws -> String {
        let md5 = Insecure.MD5.hash(data: body)
        let response = try send(
            "PUT", bucket: bucket, key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
            headers: [("Content-MD5", Data(md5).base64EncodedString())], body: body, path: path)
        guard response.isSuccess, let etag = response.header("etag") else {
            throw failure(response, operation: "UploadPart", bucket: bucket, path: path)
        }
        try verify(etag: etag, md5: md5, path: path)
        return etag
    }

    /// Copies a byte range of another object as one part (UploadPartCopy); returns its ETag.
    func uploadPartCopy(
        bucket: String, source: String, key: String, uploadID: String, number: Int, range: ClosedRange<UInt64>,
        path: String
    ) throws -> String {
        let response = try send(
            "PUT", bucket: bucket, key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
            headers: [
                ("x-amz-copy-source", "/" + URIEncoding.path(bucket) + "/" + URIEncoding.path(source)),
                ("x-amz-copy-source-range", "bytes=\(range.lowerBound)-\(range.upperBound)"),
            ], path: path)
        try checkEmbeddedError(response, operation: "UploadPartCopy", bucket: bucket, path: path)
        guard let etag = XMLTree.parse(response.body)?.text(of: "ETag") else {
            throw ArtifactStoreError(.io, path: path, "UploadPartCopy answered without an ETag")
        }
        return etag
    }

    /// Completes a multipart upload: the object appears now, whole.
    func completeMultipartUpload(
        bucket: String, key: String, uploadID: String, parts: [(number: Int, tag: String)], path: String
    ) throws {
        let list = parts.map { "<Part><PartNumber>\($0.number)</PartNumber><ETag>\(xmlEscaped($0.tag))</ETag></Part>" }.joined()
        let body = Array("<CompleteMultipartUpload>\(list)</CompleteMultipartUpload>".utf8)
        let response = try body.withUnsafeBytes { bytes in
            try send(
                "POST", bucket: bucket, key: key, query: [("uploadId", uploadID)],
                headers: [("Content-Type", "application/xml")], body: bytes, path: path)
        }
        try checkEmbeddedError(response, operation: "CompleteMultipartUpload", bucket: bucket, path: path)
    }

    /// Aborts a multipart upload, so none of its parts is kept or shown.
    func abortMultipartUpload(bucket: String, key: String, uploadID: String, path: String) throws {
        let response = try send("DELETE", bucket: bucket, key: key, query: [("uploadId", uploadID)], path: path)
        guard response.isSuccess || response.status == 404 else {
            throw failure(response, operation: "AbortMultipartUpload", bucket: bucket, path: path)
        }
    }

    // MARK: - Checks

    /// Copy and Complete answer 200 and may still carry an `<Error>` document.
    private func checkEmbeddedError(_ response: HTTPResponse, operation: String, bucket: String, path: String) throws {
        if !response.isSuccess || XMLTree.parse(response.body)?.name == "Error" {
            var failed = response
            if failed.isSuccess { failed.status = 500 }
            throw failure(failed, operation: operation, bucket: bucket, path: path)
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
            throw ArtifactStoreError(.io, path: path, "upload corrupted: the server stored MD5 \(reported), but \(sent) was sent")
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
