import Crypto
import CurlHTTP
import FileIO
import Foundation
import ObjectStore

/// The `azure` artifact store: an ``ObjectStore/ObjectArtifactStore`` over the Blob service REST API,
/// a type of its own that is made only from an ``AzureConfiguration``.
public typealias AzureArtifactStore = ObjectArtifactStore<AzureConfiguration>

extension AzureConfiguration: ObjectStoreConfiguration {
    /// What an `azure` root names, for the error when it names no container.
    public static var rootRequirement: String {
        "an azure root must name a container (az://container[/prefix], abfs://container@account.dfs.core.windows.net[/prefix])"
    }

    /// The Blob service on the container the root's first component names (`container` or
    /// `container@account.dfs.core.windows.net`); `nil` when it names none.
    /// - Throws: ``FileIO/ArtifactStoreError`` naming the root when the endpoint URL is malformed.
    public func makeBackend(rootComponent: String) throws -> (any ObjectBackend)? {
        guard !Self.containerName(rootComponent).isEmpty else { return nil }
        return try AzureBackend(self, rootComponent: rootComponent)
    }
}

/// The Blob service on one container: ranged Get Blob pinned to an ETag, Put Blob and staged blocks
/// (Put Block with Content-MD5, Put Block List), List Blobs with markers, Copy Blob, Delete Blob.
final class AzureBackend: ObjectBackend {
    let configuration: AzureConfiguration
    /// The root's first component (`container` or `container@account.dfs.core.windows.net`).
    let container: String
    /// The container's name as the service knows it.
    let containerName: String
    /// The endpoint, the connection pool, transport errors and the statuses every service shares.
    let service: ObjectServiceClient

    init(_ configuration: AzureConfiguration, rootComponent: String) throws {
        self.configuration = configuration
        container = rootComponent
        let containerName = AzureConfiguration.containerName(rootComponent)
        self.containerName = containerName
        service = try ObjectServiceClient(
            terms: ServiceTerms(
                service: "Azure Blob",
                container: "container '\(containerName)'",
                containerHome: "in storage account '\(configuration.account)'",
                object: "blob",
                credentialSource: configuration.credentialSource
            ),
            endpoint: configuration.endpoint,
            http: configuration.http,
            concurrency: configuration.concurrency,
            root: configuration.root,
            redact: { SASToken.redacting($0) }
        )
    }

    var serviceName: String { service.terms.service }
    var partSize: Int { configuration.partSize }
    var concurrency: Int { configuration.concurrency }

    // MARK: - Requests

    /// The encoded URL path of a blob (or of the container when `key` is nil).
    private func urlPath(_ key: String?) -> String {
        service.endpoint.basePath + "/" + URIEncoding.component(containerName)
            + (key.map { "/" + URIEncoding.path($0) } ?? "")
    }

    /// Sends one request, signed with Shared Key or carrying the SAS token.
    /// - Throws: ``FileIO/ArtifactStoreError`` (`io`) naming the endpoint when it cannot be reached.
    func send(
        _ method: String,
        key: String?,
        query: [(String, String)] = [],
        headers extra: [(String, String)] = [],
        body: UnsafeRawBufferPointer? = nil,
        response: ResponseBody = .collect,
        path: String
    ) throws -> HTTPResponse {
        let uriPath = urlPath(key)
        var headers = extra + [("x-ms-date", SharedKeySigner.date()), ("x-ms-version", AzureConfiguration.apiVersion)]
        if method == "PUT" || method == "POST" { headers.append(("Content-Length", String(body?.count ?? 0))) }
        var queryString = query.map { URIEncoding.component($0.0) + "=" + URIEncoding.component($0.1) }.joined(
            separator: "&"
        )
        switch configuration.credentials {
        case .sharedKey(let signer):
            headers.append(
                ("Authorization", signer.authorization(method: method, path: uriPath, query: query, headers: headers))
            )
        case .sas(let token):
            queryString += (queryString.isEmpty ? "" : "&") + token
        case .anonymous:
            break
        }
        let url = service.endpoint.origin + uriPath + (queryString.isEmpty ? "" : "?" + queryString)
        let request = HTTPRequest(method: method, url: url, headers: headers.map { (name: $0.0, value: $0.1) })
        return try service.send(request, body: body, response: response, path: path)
    }

    /// The error for a failed response, from the service's error code: a missing container
    /// (`ContainerNotFound`) told apart from a missing blob, a damaged upload (`Md5Mismatch`), then
    /// the statuses every service shares. A refused SAS is explained from its own signed fields
    /// (expired, missing permission, other scope), never shown.
    func failure(_ response: HTTPResponse, operation: String, path: String) -> ArtifactStoreError {
        let answer = AzureAnswers.error(
            response.body,
            operation: operation,
            status: response.status,
            codeHeader: response.header("x-ms-error-code")
        )
        if answer.status == 400, answer.code == "Md5Mismatch" {
            return ArtifactStoreError(
                .io,
                path: path,
                "\(operation): the data arrived damaged (the MD5 the service computed differs from the Content-MD5 sent); nothing of it was committed",
                cause: answer
            )
        }
        return service.failure(
            answer,
            path: path,
            containerMissing: answer.code == "ContainerNotFound",
            denial: sasExplanation(code: answer.code)
        )
    }

    /// Why the service refused this store's SAS (with error `code`), from the token's own fields; `nil` without a SAS.
    private func sasExplanation(code: String) -> String? {
        guard case .sas(let token) = configuration.credentials else { return nil }
        return SASToken(token).explanation(code: code)
    }

    private static func md5(_ body: UnsafeRawBufferPointer) -> String {
        var hasher = Insecure.MD5()
        hasher.update(bufferPointer: body)
        return Data(hasher.finalize()).base64EncodedString()
    }

    /// Compares the Content-MD5 the service reports with the one sent.
    private static func verify(_ response: HTTPResponse, sent: String, path: String) throws {
        if let reported = response.header("content-md5"), reported != sent {
            throw ArtifactStoreError(
                .io,
                path: path,
                "upload corrupted: the service stored MD5 \(reported), but \(sent) was sent"
            )
        }
    }

    // MARK: - Blobs

    func head(_ key: String, path: String) throws -> ObjectInfo? {
        let response = try send("HEAD", key: key, path: path)
        if response.status == 404, response.header("x-ms-error-code") != "ContainerNotFound" { return nil }
        guard response.isSuccess else { throw failure(response, operation: "Get Blob Properties", path: path) }
        return ObjectInfo(
            key: key,
            size: UInt64(response.header("content-length") ?? "") ?? 0,
            version: response.header("etag"),
            modified: response.header("last-modified").flatMap(HTTPDates.parseHTTP),
            attributes: Self.attributes(of: response)
        )
    }

    /// The prefix of a blob's user metadata in headers.
    static let metadataPrefix = "x-ms-meta-"

    /// The POSIX attributes in an answer's `x-ms-meta-*` headers; nil when it has none.
    static func attributes(of response: HTTPResponse) -> POSIXAttributes? {
        POSIXAttributes(headerPrefix: metadataPrefix, header: response.header)
    }

    /// The `x-ms-meta-*` headers that carry `attributes`.
    static func headers(for attributes: POSIXAttributes?) -> [(String, String)] {
        POSIXAttributes.headers(attributes, prefix: metadataPrefix)
    }

    /// Blobs keep the attributes in their `x-ms-meta-*` metadata.
    var keepsAttributes: Bool { true }

    /// List Blobs returns each blob's metadata with `include=metadata`.
    var listsAttributes: Bool { true }

    /// Set Blob Metadata, pinned to the ETag: the service changes metadata in place (nothing is
    /// copied), though the blob gets a new ETag.
    func replaceAttributes(
        _ key: String,
        _ attributes: POSIXAttributes,
        version: String?,
        size: UInt64,
        path: String
    ) throws {
        var headers = Self.headers(for: attributes)
        if let version { headers.append(("If-Match", version)) }
        let response = try send("PUT", key: key, query: [("comp", "metadata")], headers: headers, path: path)
        if response.status == 412 || response.status == 404 {
            throw ArtifactStoreError(.notFound, path: path, "the blob changed or went while its attributes were set")
        }
        guard response.isSuccess else { throw failure(response, operation: "Set Blob Metadata", path: path) }
    }

    /// One ranged Get Blob: its `Content-Range` tells the size, its ETag the version.
    func open(_ key: String, leading count: Int, path: String) throws -> ObjectOpening? {
        try openWithRangedGet(
            key,
            leading: count,
            path: path,
            version: { $0.header("etag") },
            attributes: Self.attributes(of:)
        ) { buffer in
            let response = try send(
                "GET",
                key: key,
                headers: [("x-ms-range", ObjectServiceClient.byteRange(at: 0, count: buffer.count))],
                response: .into(buffer),
                path: path
            )
            if response.isSuccess || response.status == 416 { return response }
            if response.status == 404, response.header("x-ms-error-code") != "ContainerNotFound" { return nil }
            throw failure(response, operation: "Get Blob", path: path)
        }
    }

    func getRange(
        _ key: String,
        offset: UInt64,
        into buffer: UnsafeMutableRawBufferPointer,
        version: String?,
        path: String
    ) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        var headers = [("x-ms-range", ObjectServiceClient.byteRange(at: offset, count: buffer.count))]
        if let version { headers.append(("If-Match", version)) }
        let response = try send("GET", key: key, headers: headers, response: .into(buffer), path: path)
        guard response.isSuccess else { throw failure(response, operation: "Get Blob", path: path) }
        return try service.bytesReceived(response, offset: offset, path: path)
    }

    func put(_ key: String, body: UnsafeRawBufferPointer, path: String) throws {
        try put(key, body: body, attributes: nil, path: path)
    }

    /// Put Blob with the attributes in its `x-ms-meta-*` headers.
    func put(_ key: String, body: UnsafeRawBufferPointer, attributes: POSIXAttributes?, path: String) throws {
        let md5 = Self.md5(body)
        let response = try send(
            "PUT",
            key: key,
            headers: [("Content-MD5", md5), ("x-ms-blob-type", "BlockBlob")] + Self.headers(for: attributes),
            body: body,
            path: path
        )
        guard response.isSuccess else { throw failure(response, operation: "Put Blob", path: path) }
        do {
            try Self.verify(response, sent: md5, path: path)
        } catch {
            // The service kept other bytes than were sent: take them out of sight.
            _ = try? send("DELETE", key: key, path: path)
            throw error
        }
    }

    func delete(_ key: String, path: String) throws {
        let response = try send("DELETE", key: key, path: path)
        guard
            response.isSuccess || (response.status == 404 && response.header("x-ms-error-code") != "ContainerNotFound")
        else {
            throw failure(response, operation: "Delete Blob", path: path)
        }
    }

    /// Deletes in parallel over kept-alive connections.
    func deleteAll(_ keys: [String], path: String) throws {
        try Parallel.forEach(keys.count, concurrency: max(configuration.concurrency, 16)) { index in
            try self.delete(keys[index], path: path)
        }
    }

    /// Copy Blob from a blob of the same container; waits while the service reports the copy pending.
    func copy(from source: String, to destination: String, size: UInt64, path: String) throws {
        try copyBlob(from: copySource(source), to: destination, path: path)
    }

    /// True for another container of the same account on the same endpoint: Copy Blob reaches it.
    func canCopy(from source: any ObjectBackend) -> Bool {
        guard let source = source as? AzureBackend else { return false }
        return source.service.endpoint == service.endpoint && source.configuration.account == configuration.account
    }

    /// Copy Blob from a blob of another container of this account (see ``canCopy(from:)``).
    func copy(from source: any ObjectBackend, key: String, to destination: String, size: UInt64, path: String) throws {
        guard let source = source as? AzureBackend, canCopy(from: source) else {
            throw ArtifactStoreError(
                .unsupportedOperation,
                path: path,
                "Copy Blob reaches only containers of storage account '\(configuration.account)'"
            )
        }
        try copyBlob(from: source.copySource(key), to: destination, path: path)
    }

    /// The URL Copy Blob reads `key` of this container from, with this store's SAS when it has one
    /// (a source the request's Shared Key does not cover needs its own authorization).
    private func copySource(_ key: String) -> String {
        guard case .sas(let token) = configuration.credentials else { return service.endpoint.origin + urlPath(key) }
        return service.endpoint.origin + urlPath(key) + "?" + token
    }

    private func copyBlob(from sourceURL: String, to destination: String, path: String) throws {
        let response = try send("PUT", key: destination, headers: [("x-ms-copy-source", sourceURL)], path: path)
        guard response.isSuccess else {
            if response.header("x-ms-error-code") == "CannotVerifyCopySource" {
                let message =
                    XMLTree.parse(response.body)?.text(of: "Message")?.split(separator: "\n").first.map(String.init)
                    ?? ""
                let code: ArtifactStoreError.Code = response.status == 404 ? .notFound : .permissionDenied
                let source = sourceURL.prefix { $0 != "?" }
                throw ArtifactStoreError(code, path: path, "Copy Blob could not read its source \(source): \(message)")
            }
            throw failure(response, operation: "Copy Blob", path: path)
        }
        var status = response.header("x-ms-copy-status") ?? "success"
        while status == "pending" {
            usleep(100_000)
            let probe = try send("HEAD", key: destination, path: path)
            guard probe.isSuccess else { throw failure(probe, operation: "Get Blob Properties", path: path) }
            status = probe.header("x-ms-copy-status") ?? "success"
        }
        guard status == "success" else {
            throw ArtifactStoreError(.io, path: path, "Copy Blob ended with status '\(status)'")
        }
    }

    func list(prefix: String, delimiter: String?, maxKeys: Int?, token: String?, path: String) throws -> ObjectListPage
    {
        var query = [("restype", "container"), ("comp", "list"), ("prefix", prefix), ("include", "metadata")]
        if let delimiter { query.append(("delimiter", delimiter)) }
        if let maxKeys { query.append(("maxresults", String(maxKeys))) }
        if let token { query.append(("marker", token)) }
        let response = try send("GET", key: nil, query: query, path: path)
        guard response.isSuccess, let page = AzureAnswers.listPage(response.body) else {
            throw failure(response, operation: "List Blobs", path: path)
        }
        return page
    }

    func startUpload(_ key: String, path: String) throws -> any ObjectUpload {
        AzureBlockUpload(backend: self, key: key, path: path, attributes: nil)
    }

    /// Staged blocks whose Put Block List gives the blob `attributes`.
    func startUpload(_ key: String, attributes: POSIXAttributes?, path: String) throws -> any ObjectUpload {
        AzureBlockUpload(backend: self, key: key, path: path, attributes: attributes)
    }

    /// Put Block: stages one block, checked by Content-MD5; returns its id.
    func putBlock(_ key: String, id: String, body: UnsafeRawBufferPointer, path: String) throws {
        let md5 = Self.md5(body)
        let response = try send(
            "PUT",
            key: key,
            query: [("comp", "block"), ("blockid", id)],
            headers: [("Content-MD5", md5)],
            body: body,
            path: path
        )
        guard response.isSuccess else { throw failure(response, operation: "Put Block", path: path) }
        try Self.verify(response, sent: md5, path: path)
    }

    /// Put Block List: commits the staged blocks, in order; the blob appears now, whole.
    func putBlockList(_ key: String, ids: [String], attributes: POSIXAttributes? = nil, path: String) throws {
        let list = ids.map { "<Latest>\($0)</Latest>" }.joined()
        let body = Array("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>\(list)</BlockList>".utf8)
        let response = try body.withUnsafeBytes {
            try send(
                "PUT",
                key: key,
                query: [("comp", "blocklist")],
                headers: [("Content-Type", "application/xml")] + Self.headers(for: attributes),
                body: $0,
                path: path
            )
        }
        guard response.isSuccess else { throw failure(response, operation: "Put Block List", path: path) }
    }
}

/// Staged blocks of one blob, uploaded in parallel and committed at the end with Put Block List;
/// uncommitted blocks are never visible, and the service discards them on its own.
struct AzureBlockUpload: ObjectUpload {
    let backend: AzureBackend
    let key: String
    let path: String
    /// What Put Block List gives the blob, where the store keeps attributes.
    let attributes: POSIXAttributes?

    var partConcurrency: Int { backend.concurrency }

    /// Block ids of one blob must all have the same length: a base64 zero-padded number.
    static func blockID(_ number: Int) -> String {
        let digits = String(number)
        return Data((String(repeating: "0", count: max(0, 8 - digits.count)) + digits).utf8).base64EncodedString()
    }

    func upload(part number: Int, bytes: [UInt8]) throws -> String {
        let id = Self.blockID(number)
        try bytes.withUnsafeBytes { try backend.putBlock(key, id: id, body: $0, path: path) }
        return id
    }

    func complete(parts: [(number: Int, tag: String)], last: [UInt8], total: UInt64) throws {
        var ids = parts.map(\.tag)
        if !last.isEmpty || parts.isEmpty { ids.append(try upload(part: parts.count + 1, bytes: last)) }
        try backend.putBlockList(key, ids: ids, attributes: attributes, path: path)
    }

    func abort() {}
}
