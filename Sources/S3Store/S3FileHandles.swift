import FileIO
import HTTPClient
import Synchronization

/// A read handle on one object version: sequential reads come from blocks fetched ahead in
/// parallel (ranged GETs); positional reads fetch exactly the bytes asked for. Every GET carries
/// `If-Match` with the ETag seen at open, so a replaced object fails the read instead of mixing versions.
final class S3ReadHandle: ArtifactFileHandle {
    let path: String
    var mode: OpenMode { .read }
    private let client: S3Client
    private let bucket: String
    private let key: String
    private let size: UInt64
    private let etag: String?
    private let readAhead: ReadAhead
    private let state = Mutex<(position: UInt64, closed: Bool)>((0, false))

    init(store: S3ArtifactStore, path: String, key: String, size: UInt64, etag: String?) {
        self.path = path
        client = store.client
        bucket = store.bucket
        self.key = key
        self.size = size
        self.etag = etag
        let client = store.client, bucket = store.bucket
        readAhead = ReadAhead(
            size: size, blockSize: store.configuration.partSize, depth: store.configuration.concurrency
        ) { offset, buffer in
            try client.getRange(bucket: bucket, key: key, offset: offset, into: buffer, etag: etag, path: path)
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let position = try state.withLock { state in
            try checkAccess(closed: state.closed, reading: true)
            return state.position
        }
        let got = try readAhead.read(at: position, into: buffer)
        state.withLock { $0.position = position + UInt64(got) }
        return got
    }

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try state.withLock { try checkAccess(closed: $0.closed, reading: true) }
        guard offset < size else { return 0 }
        let count = Int(min(UInt64(buffer.count), size - offset))
        return try client.getRange(
            bucket: bucket, key: key, offset: offset, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<count]),
            etag: etag, path: path)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try state.withLock { try checkAccess(closed: $0.closed, reading: false) }
    }

    func seek(to offset: Int64, from origin: SeekOrigin) throws -> UInt64 {
        try state.withLock { state in
            guard !state.closed else { throw closedFileError() }
            state.position = try seekTarget(offset, from: origin, position: state.position) { size }
            return state.position
        }
    }

    func tell() throws -> UInt64 {
        try state.withLock { state in
            guard !state.closed else { throw closedFileError() }
            return state.position
        }
    }

    func close() throws {
        state.withLock { $0.closed = true }
    }
}

/// A write handle: bytes gather into part-sized buffers; a small file goes up as one PUT at
/// `close()`, a large one as a multipart upload whose parts upload in parallel while writing goes
/// on (memory bounded by `(concurrency + 1) × part size`). The object appears only when `close()`
/// completes the upload; a failed or abandoned upload is aborted.
final class S3WriteHandle: ArtifactFileHandle {
    let path: String
    var mode: OpenMode { .write }
    private let store: S3ArtifactStore
    private let key: String
    private let partSize: Int
    private let state = Mutex<WriteState>(WriteState())

    private struct WriteState {
        var buffer: [UInt8] = []
        var position: UInt64 = 0
        var nextPart = 1
        var uploadID: String?
        var uploader: PartUploader?
        var failure: (any Error)?
        var closed = false
    }

    init(store: S3ArtifactStore, path: String, key: String) {
        self.store = store
        self.path = path
        self.key = key
        partSize = store.configuration.partSize
    }

    deinit {
        let abandoned = state.withLock { state -> (String, PartUploader?)? in
            guard !state.closed, let id = state.uploadID else { return nil }
            return (id, state.uploader)
        }
        if let (id, uploader) = abandoned {
            uploader?.drain()
            try? store.client.abortMultipartUpload(bucket: store.bucket, key: key, uploadID: id, path: path)
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try state.withLock { try checkAccess(closed: $0.closed, reading: true) }
        return 0
    }

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try state.withLock { try checkAccess(closed: $0.closed, reading: true) }
        return 0
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try state.withLock { state in
            try checkAccess(closed: state.closed, reading: false)
            if let failure = state.failure { throw failure }
            var remaining = bytes
            if state.buffer.capacity < partSize, state.buffer.count + remaining.count > 1 << 20 {
                // Past 1 MiB the file is likely large: size the buffer for a whole part once.
                state.buffer.reserveCapacity(partSize)
            }
            while !remaining.isEmpty {
                let take = min(partSize - state.buffer.count, remaining.count)
                state.buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: remaining[..<take]))
                remaining = UnsafeRawBufferPointer(rebasing: remaining[take...])
                state.position += UInt64(take)
                if state.buffer.count == partSize {
                    do {
                        try flushPart(&state)
                    } catch {
                        state.failure = error
                        throw error
                    }
                }
            }
        }
    }

    func seek(to offset: Int64, from origin: SeekOrigin) throws -> UInt64 {
        try state.withLock { state in
            guard !state.closed else { throw closedFileError() }
            let target = try seekTarget(offset, from: origin, position: state.position) { state.position }
            guard target == state.position else {
                throw ArtifactStoreError(.unsupportedOperation, path: path, "S3 objects are written front to back: a write handle cannot seek")
            }
            return target
        }
    }

    func tell() throws -> UInt64 {
        try state.withLock { state in
            guard !state.closed else { throw closedFileError() }
            return state.position
        }
    }

    func close() throws {
        try state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            do {
                if let failure = state.failure { throw failure }
                if let uploader = state.uploader, let id = state.uploadID {
                    if !state.buffer.isEmpty { try flushPart(&state) }
                    let parts = try uploader.finish()
                    try store.client.completeMultipartUpload(bucket: store.bucket, key: key, uploadID: id, parts: parts, path: path)
                } else {
                    try state.buffer.withUnsafeBytes { try store.client.put(bucket: store.bucket, key: key, body: $0, path: path) }
                }
                state.buffer = []
                store.published(key, path: path)
            } catch {
                if let id = state.uploadID {
                    state.uploader?.drain()
                    try? store.client.abortMultipartUpload(bucket: store.bucket, key: key, uploadID: id, path: path)
                }
                throw error
            }
        }
    }

    /// Hands the full buffer to the uploader (starting the multipart upload on the first part).
    private func flushPart(_ state: inout WriteState) throws {
        if state.uploader == nil {
            let client = store.client, bucket = store.bucket, key = key, path = path
            let id = try client.createMultipartUpload(bucket: bucket, key: key, path: path)
            state.uploadID = id
            state.uploader = PartUploader(concurrency: store.configuration.concurrency, partSize: partSize) { number, bytes in
                try bytes.withUnsafeBytes {
                    try client.uploadPart(bucket: bucket, key: key, uploadID: id, number: number, body: $0, path: path)
                }
            }
        }
        let uploader = state.uploader!
        try uploader.submit(state.nextPart, bytes: state.buffer)
        state.nextPart += 1
        state.buffer = uploader.makeBuffer()
    }
}
