import CurlHTTP
import FileIO
import Foundation
import ObjectStore
import Synchronization

/// The `s3` artifact store: an ``ObjectStore/ObjectArtifactStore`` over the S3 protocol, a type of
/// its own that is made only from an ``S3Configuration``.
public typealias S3ArtifactStore = ObjectArtifactStore<S3Configuration>

extension S3Configuration: ObjectStoreConfiguration {
    /// What an `s3` root names, for the error when it names no bucket.
    public static var rootRequirement: String { "an s3 root must name a bucket (s3://bucket[/prefix])" }

    /// The S3 protocol on `bucket`, the root's first component; `nil` when it is empty.
    /// - Throws: ``FileIO/ArtifactStoreError`` naming the root when the endpoint URL is malformed.
    public func makeBackend(rootComponent bucket: String) throws -> (any ObjectBackend)? {
        guard !bucket.isEmpty else { return nil }
        return S3Backend(client: try S3Client(configuration: self, bucket: bucket))
    }
}

/// The S3 protocol on one bucket, as ``ObjectStore/ObjectBackend`` asks for it.
struct S3Backend: ObjectBackend {
    let client: S3Client

    /// The largest object CopyObject copies in one request; above it copies go part by part.
    static let singleCopyLimit: UInt64 = 5 << 30
    /// The part size of multipart copies.
    static let copyPartSize: UInt64 = 512 << 20

    var serviceName: String { client.service.terms.service }
    var container: String { client.bucket }
    var partSize: Int { client.configuration.partSize }
    var concurrency: Int { client.configuration.concurrency }

    func head(_ key: String, path: String) throws -> ObjectInfo? {
        try client.head(key: key, path: path)
    }

    /// One ranged GET: its `Content-Range` tells the size, its ETag the version.
    func open(_ key: String, leading count: Int, path: String) throws -> ObjectOpening? {
        try openWithRangedGet(
            key,
            leading: count,
            path: path,
            version: { $0.header("etag") },
            attributes: S3Client.attributes(of:)
        ) { buffer in
            try client.getLeading(key: key, into: buffer, path: path)
        }
    }

    func getRange(
        _ key: String,
        offset: UInt64,
        into buffer: UnsafeMutableRawBufferPointer,
        version: String?,
        path: String
    ) throws -> Int {
        try client.getRange(key: key, offset: offset, into: buffer, etag: version, path: path)
    }

    func put(_ key: String, body: UnsafeRawBufferPointer, path: String) throws {
        try client.put(key: key, body: body, path: path)
    }

    func delete(_ key: String, path: String) throws {
        try client.delete(key: key, path: path)
    }

    func deleteAll(_ keys: [String], path: String) throws {
        try client.deleteAll(keys: keys, path: path)
    }

    func list(prefix: String, delimiter: String?, maxKeys: Int?, token: String?, path: String) throws -> ObjectListPage
    {
        try client.list(prefix: prefix, delimiter: delimiter, maxKeys: maxKeys, token: token, path: path)
    }

    func startUpload(_ key: String, path: String) throws -> any ObjectUpload {
        try startUpload(key, attributes: nil, path: path)
    }

    /// S3 keeps s3fs-fuse's `x-amz-meta-*` attributes.
    var keepsAttributes: Bool { true }

    func put(_ key: String, body: UnsafeRawBufferPointer, attributes: POSIXAttributes?, path: String) throws {
        try client.put(key: key, body: body, attributes: attributes, path: path)
    }

    func startUpload(_ key: String, attributes: POSIXAttributes?, path: String) throws -> any ObjectUpload {
        let id = try client.createMultipartUpload(key: key, attributes: attributes, path: path)
        return S3Upload(client: client, key: key, path: path, id: id)
    }

    /// CopyObject onto itself with `REPLACE`; an object above 5 GiB is copied in parts onto itself
    /// with the new metadata on the upload.
    func replaceAttributes(
        _ key: String,
        _ attributes: POSIXAttributes,
        version: String?,
        size: UInt64,
        path: String
    ) throws {
        guard size > Self.singleCopyLimit else {
            try client.replaceMetadata(key: key, attributes: attributes, etag: version, path: path)
            return
        }
        try copyInParts(from: key, to: key, size: size, attributes: attributes, path: path)
    }

    /// CopyObject, or a parallel multipart copy (UploadPartCopy) above 5 GiB.
    func copy(from source: String, to destination: String, size: UInt64, path: String) throws {
        guard size > Self.singleCopyLimit else {
            try client.copy(from: source, to: destination, path: path)
            return
        }
        let attributes = try keepsAttributes ? head(source, path: path)?.attributes : nil
        try copyInParts(from: source, to: destination, size: size, attributes: attributes, path: path)
    }

    /// A parallel multipart copy (UploadPartCopy) whose object carries `attributes`.
    private func copyInParts(
        from source: String,
        to destination: String,
        size: UInt64,
        attributes: POSIXAttributes?,
        path: String
    ) throws {
        let uploadID = try client.createMultipartUpload(key: destination, attributes: attributes, path: path)
        let count = Int((size + Self.copyPartSize - 1) / Self.copyPartSize)
        let tags = Mutex<[Int: String]>([:])
        do {
            try Parallel.forEach(count, concurrency: concurrency) { index in
                let start = UInt64(index) * Self.copyPartSize
                let range = start...(min(start + Self.copyPartSize, size) - 1)
                let tag = try client.uploadPartCopy(
                    source: source,
                    key: destination,
                    uploadID: uploadID,
                    number: index + 1,
                    range: range,
                    path: path
                )
                tags.withLock { $0[index + 1] = tag }
            }
            let parts = tags.withLock { $0 }.sorted { $0.key < $1.key }.map { (number: $0.key, tag: $0.value) }
            try client.completeMultipartUpload(key: destination, uploadID: uploadID, parts: parts, path: path)
        } catch {
            try? client.abortMultipartUpload(key: destination, uploadID: uploadID, path: path)
            throw error
        }
    }
}

/// One S3 multipart upload: parts go up in parallel, each checked by Content-MD5.
struct S3Upload: ObjectUpload {
    let client: S3Client
    let key: String
    let path: String
    let id: String

    var partConcurrency: Int { client.configuration.concurrency }

    func upload(part number: Int, bytes: [UInt8]) throws -> String {
        try bytes.withUnsafeBytes {
            try client.uploadPart(key: key, uploadID: id, number: number, body: $0, path: path)
        }
    }

    func complete(parts: [(number: Int, tag: String)], last: [UInt8], total: UInt64) throws {
        var all = parts
        if !last.isEmpty || parts.isEmpty {
            all.append((number: parts.count + 1, tag: try upload(part: parts.count + 1, bytes: last)))
        }
        let pending = (try? client.multipartUploads(key: key, path: path)) ?? []
        try client.completeMultipartUpload(key: key, uploadID: id, parts: all, path: path)
        abortStale(among: pending)
    }

    /// Aborts the uploads of the same key that began no later than this one: what a writer killed
    /// mid-upload (a `cp`, a mount daemon) left behind, whose parts S3 would otherwise keep and bill
    /// for ever. Best effort: the object is already complete, and a lifecycle rule
    /// (`AbortIncompleteMultipartUpload`) remains the backstop for keys never written again.
    private func abortStale(among pending: [(id: String, initiated: Date?)]) {
        guard let began = pending.first(where: { $0.id == id })?.initiated else { return }
        for upload in pending where upload.id != id {
            guard let initiated = upload.initiated, initiated <= began else { continue }
            try? client.abortMultipartUpload(key: key, uploadID: upload.id, path: path)
        }
    }

    func abort() {
        try? client.abortMultipartUpload(key: key, uploadID: id, path: path)
    }
}
