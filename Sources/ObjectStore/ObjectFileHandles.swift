import CurlHTTP
import FileIO
import Foundation
import Synchronization

/// A read handle on one object version: the first bytes come with the open (where the service
/// allows); sequential and positional reads alike go through one ``ReadAhead``, which fetches
/// blocks ahead for a stream and exactly the bytes asked for a random read. Every GET is pinned
/// to the version seen at open, so a replaced object fails the read instead of mixing versions.
final class ObjectReadHandle: ArtifactFileHandle {
    let path: String
    var mode: OpenMode { .read }
    /// The object's metadata, from the GET that opened it.
    let openedInfo: FileInfo?
    private let size: UInt64
    private let readAhead: ReadAhead
    private let state = Mutex<(position: UInt64, closed: Bool)>((0, false))

    init(backend: any ObjectBackend, path: String, key: String, opening: ObjectOpening, info: FileInfo) {
        self.path = path
        openedInfo = info
        size = opening.info.size
        let version = opening.info.version
        // Blocks are shared through the process's cache under the object, its version and how
        // it is cut: an object without a version is never cached, a replaced one never meets
        // the old bytes. With the cache off (its size 0, the library's default) reads never
        // take its lock.
        let object = [backend.serviceName, backend.container, key, String(backend.partSize)].joined(separator: "\u{0}")
        readAhead = ReadAhead(
            size: size,
            blockSize: backend.partSize,
            depth: backend.concurrency,
            leading: opening.leading,
            cache: BlockCache.shared.isEnabled ? version.map { (BlockCache.shared, object, $0) } : nil
        ) { offset, buffer in
            try backend.getRange(key, offset: offset, into: buffer, version: version, path: path)
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
        return try readAhead.read(at: offset, into: buffer)
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
        readAhead.cancel()
    }
}

/// A write handle: bytes gather into part-sized buffers; a file of one part goes up as one request
/// at `close()`, a larger one as an upload in parts whose parts go up while writing goes on (memory
/// bounded by `(concurrency + 2) × part size`). A full part is sent only once more bytes follow,
/// so `close()` always has a last part to finish with. The object appears only when `close()`
/// completes the upload; a failed or abandoned upload is aborted.
final class ObjectWriteHandle<Configuration: ObjectStoreConfiguration>: ArtifactFileHandle {
    let path: String
    var mode: OpenMode { .write }
    private let store: ObjectArtifactStore<Configuration>
    private let key: String
    private let partSize: Int
    /// The POSIX attributes the object gets (its times set when it goes up); nil where the service keeps none.
    private let attributes: POSIXAttributes?
    /// Where part buffers take their bytes from.
    private let budget = MemoryBudget.shared
    private let state: Mutex<WriteState>

    private struct WriteState {
        var buffer: [UInt8] = []
        var position: UInt64 = 0
        var nextPart = 1
        /// The length of the part being filled.
        var partSize: Int
        /// The bytes the buffer being filled holds in the memory budget.
        var reserved = 0
        var upload: (any ObjectUpload)?
        var uploader: PartUploader?
        var failure: (any Error)?
        var closed = false
        /// The modification time the object goes up with, instead of the time it goes up.
        var modifiedOnClose: Date?
        /// The permission bits, owner and group it goes up with, where given.
        var permissionsOnClose: UInt16?
        var ownerOnClose: UInt32?
        var groupOnClose: UInt32?
    }

    init(store: ObjectArtifactStore<Configuration>, path: String, key: String, attributes: POSIXAttributes? = nil) {
        self.store = store
        self.path = path
        self.key = key
        self.attributes = attributes
        partSize = store.backend.partSize
        state = Mutex(WriteState(partSize: partSize))
    }

    deinit {
        let abandoned = state.withLock { state -> ((any ObjectUpload), PartUploader?)? in
            guard !state.closed, let upload = state.upload else { return nil }
            return (upload, state.uploader)
        }
        if let (upload, uploader) = abandoned {
            uploader?.drain()
            upload.abort()
        }
        budget.release(state.withLock { $0.reserved })
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
            if state.buffer.capacity < state.partSize, state.buffer.count + remaining.count > 1 << 20 {
                // Past 1 MiB the file is likely large: size the buffer for a whole part once.
                state.buffer.reserveCapacity(state.partSize)
                budget.forceReserve(state.partSize - state.reserved)
                state.reserved = state.partSize
            }
            while !remaining.isEmpty {
                if state.buffer.count == state.partSize {
                    do {
                        try flushPart(&state)
                    } catch {
                        state.failure = error
                        throw error
                    }
                }
                let take = min(state.partSize - state.buffer.count, remaining.count)
                state.buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: remaining[..<take]))
                remaining = UnsafeRawBufferPointer(rebasing: remaining[take...])
                state.position += UInt64(take)
            }
        }
    }

    func seek(to offset: Int64, from origin: SeekOrigin) throws -> UInt64 {
        try state.withLock { state in
            guard !state.closed else { throw closedFileError() }
            let target = try seekTarget(offset, from: origin, position: state.position) { state.position }
            guard target == state.position else {
                throw ArtifactStoreError(
                    .unsupportedOperation,
                    path: path,
                    "\(store.backend.serviceName) objects are written front to back: a write handle cannot seek"
                )
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
                if let uploader = state.uploader, let upload = state.upload {
                    let parts = try uploader.finish()
                    try upload.complete(parts: parts, last: state.buffer, total: state.position)
                } else {
                    let attributes = attributes(now: state)
                    try state.buffer.withUnsafeBytes {
                        try store.backend.put(key, body: $0, attributes: attributes, path: path)
                    }
                }
                state.buffer = []
                budget.release(state.reserved)
                state.reserved = 0
                store.published(key, path: path)
            } catch {
                if let upload = state.upload {
                    state.uploader?.drain()
                    upload.abort()
                }
                state.buffer = []
                budget.release(state.reserved)
                state.reserved = 0
                throw error
            }
        }
    }

    func setModificationTimeOnClose(_ modified: Date) -> Bool {
        guard attributes != nil else { return false }
        return state.withLock { state in
            guard !state.closed, state.upload == nil else { return false }
            state.modifiedOnClose = modified
            return true
        }
    }

    func setOwnershipOnClose(permissions: UInt16?, owner: UInt32?, group: UInt32?) -> Bool {
        guard attributes != nil else { return false }
        return state.withLock { state in
            guard !state.closed, state.upload == nil else { return false }
            state.permissionsOnClose = permissions ?? state.permissionsOnClose
            state.ownerOnClose = owner ?? state.ownerOnClose
            state.groupOnClose = group ?? state.groupOnClose
            return true
        }
    }

    /// The attributes to write now: changed at this moment, and modified then too unless
    /// ``setModificationTimeOnClose(_:)`` gave a time (which is the access time as well).
    private func attributes(now state: WriteState) -> POSIXAttributes? {
        guard var attributes else { return nil }
        let now = Date()
        attributes.changed = now
        if let permissions = state.permissionsOnClose {
            attributes.mode = attributes.mode & ~0o7777 | UInt32(permissions & 0o7777)
        }
        attributes.owner = state.ownerOnClose ?? attributes.owner
        attributes.group = state.groupOnClose ?? attributes.group
        if let modified = state.modifiedOnClose {
            attributes.modified = modified
            attributes.accessed = modified
        } else {
            attributes.modified = now
            if attributes.accessed == nil { attributes.accessed = now }
        }
        return attributes
    }

    /// Hands the full buffer to the uploader (starting the upload on the first part).
    private func flushPart(_ state: inout WriteState) throws {
        let upload: any ObjectUpload
        let uploader: PartUploader
        if let started = state.upload, let running = state.uploader {
            (upload, uploader) = (started, running)
        } else {
            let started = try store.backend.startUpload(key, attributes: attributes(now: state), path: path)
            (upload, uploader) = (
                started,
                PartUploader(concurrency: started.partConcurrency, budget: budget) {
                    try started.upload(part: $0, bytes: $1)
                }
            )
            (state.upload, state.uploader) = (upload, uploader)
        }
        let reserved = state.reserved
        state.reserved = 0
        try uploader.submit(state.nextPart, bytes: state.buffer, reserved: reserved)
        state.nextPart += 1
        state.partSize = upload.partSize(state.nextPart, base: partSize)
        state.buffer = uploader.makeBuffer(capacity: state.partSize)
        state.reserved = state.partSize
    }
}
