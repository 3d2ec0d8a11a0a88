import CurlHTTP
import FileIO
import Foundation

/// What a HEAD or a listing tells about one object.
public struct ObjectInfo: Sendable {
    /// The object's key (its name in the bucket or container).
    public var key: String
    /// Its size in bytes.
    public var size: UInt64
    /// A version token (an ETag, a generation) that reads pin, so a replaced object fails the read.
    public var version: String?
    /// When it was last written.
    public var modified: Date?
    /// The POSIX attributes its metadata holds (a HEAD's answer; a listing's only where the
    /// backend ``ObjectBackend/listsAttributes``); nil for an object written without them.
    public var attributes: POSIXAttributes?

    /// Describes an object.
    public init(key: String, size: UInt64, version: String?, modified: Date?, attributes: POSIXAttributes? = nil) {
        self.key = key
        self.size = size
        self.version = version
        self.modified = modified
        self.attributes = attributes
    }
}

/// What opening an object for reading learned: its metadata and, where the service sent them in
/// the same answer, its first bytes.
public struct ObjectOpening: Sendable {
    /// The object's metadata.
    public var info: ObjectInfo
    /// The object's first bytes (empty when only its metadata was asked for).
    public var leading: [UInt8]

    /// Describes an opening.
    public init(info: ObjectInfo, leading: [UInt8] = []) {
        self.info = info
        self.leading = leading
    }
}

/// One page of a listing: objects, the common prefixes a delimiter grouped, and where to go on.
public struct ObjectListPage: Sendable {
    /// The objects of this page.
    public var objects: [ObjectInfo]
    /// The prefixes (ending with the delimiter) grouped by the delimiter.
    public var prefixes: [String]
    /// The token (continuation token, page token, marker) of the next page; `nil` on the last.
    public var nextToken: String?

    /// Describes a page.
    public init(objects: [ObjectInfo] = [], prefixes: [String] = [], nextToken: String? = nil) {
        self.objects = objects
        self.prefixes = prefixes
        self.nextToken = nextToken
    }
}

/// The protocol of one object service (S3, Cloud Storage, Azure Blob) on one bucket or container:
/// what ``ObjectArtifactStore`` builds files and directories from. Every method turns a failure into
/// an ``FileIO/ArtifactStoreError`` that names the user's `path`.
public protocol ObjectBackend: Sendable {
    /// The service's name for messages (`S3`, `Cloud Storage`).
    var serviceName: String { get }
    /// The bucket or container every key lives in.
    var container: String { get }
    /// Bytes per uploaded part and per read-ahead block.
    var partSize: Int { get }
    /// Transfers one handle or tree operation runs at once.
    var concurrency: Int { get }

    /// The object's metadata; `nil` when there is none.
    /// - Throws: ``FileIO/ArtifactStoreError`` for a missing container, refused credentials, transport failures.
    func head(_ key: String, path: String) throws -> ObjectInfo?
    /// The object's metadata and up to `count` of its first bytes, in one request where the service
    /// reports the size on a ranged read (saving the HEAD before the first GET); `nil` when there is none.
    /// - Throws: ``FileIO/ArtifactStoreError`` for a missing container, refused credentials, transport failures.
    func open(_ key: String, leading count: Int, path: String) throws -> ObjectOpening?
    /// Reads `buffer.count` bytes at `offset` into `buffer` (one ranged GET), pinned to `version` when given.
    /// - Throws: `notFound` when the object is gone, `io` when it changed.
    func getRange(
        _ key: String,
        offset: UInt64,
        into buffer: UnsafeMutableRawBufferPointer,
        version: String?,
        path: String
    ) throws -> Int
    /// Writes a whole (small) object in one request, checked against the checksum the server reports.
    /// - Throws: `io` when the server's checksum differs from the one sent.
    func put(_ key: String, body: UnsafeRawBufferPointer, path: String) throws
    /// Deletes an object; a missing one is no error.
    /// - Throws: ``FileIO/ArtifactStoreError`` when the service refuses.
    func delete(_ key: String, path: String) throws
    /// Deletes many objects (batched or in parallel, as the service allows).
    /// - Throws: `io` naming the first key that could not be deleted.
    func deleteAll(_ keys: [String], path: String) throws
    /// Copies an object on the server side.
    /// - Throws: ``FileIO/ArtifactStoreError`` when the service refuses.
    func copy(from source: String, to destination: String, size: UInt64, path: String) throws
    /// True when ``copy(from:key:to:size:path:)`` reaches objects of `source` (another bucket or
    /// container of the same account); decided without sending anything.
    func canCopy(from source: any ObjectBackend) -> Bool
    /// Copies object `key` of `source`, for which ``canCopy(from:)`` is true, on the server side.
    /// - Throws: ``FileIO/ArtifactStoreError`` when the service refuses.
    func copy(from source: any ObjectBackend, key: String, to destination: String, size: UInt64, path: String) throws
    /// One page of the keys below `prefix`, grouped by `delimiter` when given.
    /// - Throws: `notFound` naming the container when it does not exist.
    func list(prefix: String, delimiter: String?, maxKeys: Int?, token: String?, path: String) throws -> ObjectListPage
    /// Starts an upload in parts; nothing is visible until it completes.
    /// - Throws: ``FileIO/ArtifactStoreError`` when the service refuses.
    func startUpload(_ key: String, path: String) throws -> any ObjectUpload

    // MARK: POSIX attributes (defaults below keep none)

    /// True when objects keep ``POSIXAttributes`` in their metadata: written by the `attributes:`
    /// variants below, returned by ``head(_:path:)`` and ``open(_:leading:path:)``.
    var keepsAttributes: Bool { get }
    /// True when ``list(prefix:delimiter:maxKeys:token:path:)`` returns each object's attributes
    /// too, so a listing tells links and special files from files without a request per name.
    var listsAttributes: Bool { get }
    /// Writes a whole (small) object carrying `attributes` in its metadata.
    /// - Throws: `io` when the server's checksum differs from the one sent.
    func put(_ key: String, body: UnsafeRawBufferPointer, attributes: POSIXAttributes?, path: String) throws
    /// Starts an upload in parts whose object carries `attributes`.
    /// - Throws: ``FileIO/ArtifactStoreError`` when the service refuses.
    func startUpload(_ key: String, attributes: POSIXAttributes?, path: String) throws -> any ObjectUpload
    /// Replaces the attributes of an object on the server side (a copy onto itself with new
    /// metadata, never a download), pinned to `version` when given.
    /// - Throws: `notFound` when the object is gone or was replaced; `unsupportedOperation` where
    ///   the service keeps no attributes.
    func replaceAttributes(
        _ key: String,
        _ attributes: POSIXAttributes,
        version: String?,
        size: UInt64,
        path: String
    ) throws

    // MARK: Conditional operations (defaults below check first, then act)

    /// Writes a whole (small) object only if no object has its key; where the service takes a
    /// precondition, "absent, then write" is one server-side step, so two creators cannot both win.
    /// - Throws: `alreadyExists` naming `path` when the object exists.
    func create(_ key: String, body: UnsafeRawBufferPointer, path: String) throws
    /// ``create(_:body:path:)`` of an object carrying `attributes`.
    /// - Throws: `alreadyExists` naming `path` when the object exists.
    func create(_ key: String, body: UnsafeRawBufferPointer, attributes: POSIXAttributes?, path: String) throws
    /// Copies `source` on the server side, pinned to its `version` when given (a replaced source
    /// fails the copy), and only to an absent `destination` when `exclusive`.
    /// - Throws: `alreadyExists` when `exclusive` and the destination exists; `notFound` when the source changed.
    func copy(
        from source: String,
        version: String?,
        to destination: String,
        size: UInt64,
        exclusive: Bool,
        path: String
    ) throws
    /// Deletes `key` only while it is still at `version`; returns false (and keeps the object) when
    /// it was replaced meanwhile. A missing object counts as deleted.
    /// - Throws: ``FileIO/ArtifactStoreError`` when the service refuses.
    func delete(_ key: String, version: String, path: String) throws -> Bool
}

extension ObjectBackend {
    /// A HEAD alone: for services that do not report the size on a ranged read.
    public func open(_ key: String, leading count: Int, path: String) throws -> ObjectOpening? {
        try head(key, path: path).map { ObjectOpening(info: $0) }
    }

    /// Checks with a HEAD, then writes: for services without a create-only precondition.
    public func create(_ key: String, body: UnsafeRawBufferPointer, path: String) throws {
        try create(key, body: body, attributes: nil, path: path)
    }

    /// Checks with a HEAD, then writes: for services without a create-only precondition.
    public func create(_ key: String, body: UnsafeRawBufferPointer, attributes: POSIXAttributes?, path: String) throws {
        if try head(key, path: path) != nil { throw ArtifactStoreError(.alreadyExists, path: path, "already exists") }
        try put(key, body: body, attributes: attributes, path: path)
    }

    /// No attributes, unless the service says so.
    public var keepsAttributes: Bool { false }

    /// Listings carry no metadata, unless the service says so.
    public var listsAttributes: Bool { false }

    /// A plain write: a service that keeps no attributes (``keepsAttributes`` false) is never
    /// given any, since its store declares no metadata.
    public func put(_ key: String, body: UnsafeRawBufferPointer, attributes: POSIXAttributes?, path: String) throws {
        try put(key, body: body, path: path)
    }

    /// A plain upload, for services that keep no attributes.
    public func startUpload(_ key: String, attributes: POSIXAttributes?, path: String) throws -> any ObjectUpload {
        try startUpload(key, path: path)
    }

    /// Refuses: the service keeps no attributes.
    /// - Throws: `unsupportedOperation` always.
    public func replaceAttributes(
        _ key: String,
        _ attributes: POSIXAttributes,
        version: String?,
        size: UInt64,
        path: String
    ) throws {
        throw ArtifactStoreError(.unsupportedOperation, path: path, "\(serviceName) objects keep no POSIX attributes")
    }

    /// Checks the destination with a HEAD when `exclusive`, then copies, ignoring `version`.
    public func copy(
        from source: String,
        version: String?,
        to destination: String,
        size: UInt64,
        exclusive: Bool,
        path: String
    ) throws {
        if exclusive, try head(destination, path: path) != nil {
            throw ArtifactStoreError(.alreadyExists, path: path, "already exists (pass overwrite to replace it)")
        }
        try copy(from: source, to: destination, size: size, path: path)
    }

    /// Deletes unconditionally: for services without a delete precondition.
    public func delete(_ key: String, version: String, path: String) throws -> Bool {
        try delete(key, path: path)
        return true
    }
}

/// One upload in parts (an S3 multipart upload, a Cloud Storage resumable upload, Azure staged
/// blocks). Parts are numbered from 1; all but the last are ``partSize(_:base:)`` long.
public protocol ObjectUpload: Sendable {
    /// How many parts may upload at once (1 where the protocol needs them in order).
    var partConcurrency: Int { get }
    /// The length of part `number` (from 2 on; the first is `base`, the backend's
    /// ``ObjectBackend/partSize``, buffered before the upload starts).
    func partSize(_ number: Int, base: Int) -> Int
    /// Uploads part `number` and returns what completing needs (an ETag, a block id).
    /// - Throws: ``FileIO/ArtifactStoreError`` when the part is refused or corrupted.
    func upload(part number: Int, bytes: [UInt8]) throws -> String
    /// Sends the last part and publishes the object, whole, `total` bytes long.
    /// - Throws: ``FileIO/ArtifactStoreError``; the caller then aborts.
    func complete(parts: [(number: Int, tag: String)], last: [UInt8], total: UInt64) throws
    /// Discards the upload so none of its parts is kept (best effort).
    func abort()
}

extension ObjectUpload {
    /// Every part is the backend's part size.
    public func partSize(_ number: Int, base: Int) -> Int { base }
}

extension ObjectBackend {
    /// No server-side copy from other buckets or containers unless the service says so.
    public func canCopy(from source: any ObjectBackend) -> Bool { false }

    /// Refuses: only services whose ``canCopy(from:)`` can be true copy across buckets or containers.
    /// - Throws: `unsupportedOperation` always.
    public func copy(
        from source: any ObjectBackend,
        key: String,
        to destination: String,
        size: UInt64,
        path: String
    ) throws {
        throw ArtifactStoreError(
            .unsupportedOperation,
            path: path,
            "\(serviceName) cannot copy from '\(source.container)' on the server side"
        )
    }

    /// Every page below `prefix`, following page tokens; `visit` returns false to stop.
    /// - Throws: the listing's error.
    public func listAll(
        prefix: String,
        delimiter: String?,
        path: String,
        _ visit: (ObjectListPage) throws -> Bool
    ) throws {
        var token: String?
        repeat {
            let page = try list(prefix: prefix, delimiter: delimiter, maxKeys: nil, token: token, path: path)
            guard try visit(page) else { return }
            token = page.nextToken
        } while token != nil
    }
}

extension ObjectBackend {
    /// Opens with one ranged GET of the first `count` bytes, learning the size from its
    /// `Content-Range`: the way a service that reports it saves the HEAD before the first read.
    /// `get` sends the GET (range `0-(count-1)`) into the buffer it is given and returns the answer
    /// (2xx or 416), `nil` when there is no such object, or throws for any other failure; `version`
    /// reads the version token from the answer, `attributes` the POSIX attributes. An answer that does not tell the size (the 416 of
    /// an empty object) or a server that ignored the range for a larger object costs a HEAD.
    /// - Throws: what `get` or the HEAD throws.
    public func openWithRangedGet(
        _ key: String,
        leading count: Int,
        path: String,
        version: (HTTPResponse) -> String?,
        attributes: (HTTPResponse) -> POSIXAttributes? = { _ in nil },
        get: (UnsafeMutableRawBufferPointer) throws -> HTTPResponse?
    ) throws -> ObjectOpening? {
        var answer: HTTPResponse?
        let received: [UInt8]
        do {
            received = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
                answer = try get(UnsafeMutableRawBufferPointer(buffer))
                initialized = answer?.bytesReceived ?? 0
            }
        } catch let error as ArtifactStoreError where (error.cause as? HTTPTransportError)?.isBodyTooLong == true {
            return try head(key, path: path).map { ObjectOpening(info: $0) }
        }
        guard let response = answer else { return nil }
        let size: UInt64? =
            switch response.status {
            case 206: response.contentRangeTotal
            case 200: UInt64(response.bytesReceived)
            default: nil
            }
        guard let size else { return try head(key, path: path).map { ObjectOpening(info: $0) } }
        // A short answer (a small file) is copied out, so an open handle keeps its size, not `count`.
        let leading = received.count < count ? received.withUnsafeBufferPointer { [UInt8]($0) } : received
        let info = ObjectInfo(
            key: key,
            size: size,
            version: version(response),
            modified: response.header("last-modified").flatMap(HTTPDates.parseHTTP),
            attributes: attributes(response)
        )
        return ObjectOpening(info: info, leading: leading)
    }
}
