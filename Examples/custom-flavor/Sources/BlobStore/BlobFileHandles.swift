import ArtifactFSPlugin
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Reads a blob: the file's content, streamed from `blobs/<sha256>` by a local read handle.
final class BlobReadHandle: ArtifactFileHandle {
    let path: String
    var mode: OpenMode { .read }
    private let inner: any ArtifactFileHandle
    private let closed = Mutex(false)

    init(path: String, inner: any ArtifactFileHandle) {
        self.path = path
        self.inner = inner
    }

    /// Checks the handle is open, then runs `body`, naming the caller's path in its errors.
    private func reading<T>(_ body: () throws -> T) throws -> T {
        try checkAccess(closed: closed.withLock { $0 }, reading: true)
        do {
            return try body()
        } catch let error as ArtifactStoreError {
            throw ArtifactStoreError(error.code, path: path, error.message, cause: error)
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int { try reading { try inner.read(into: buffer) } }
    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try reading { try inner.read(at: offset, into: buffer) }
    }
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try checkAccess(closed: closed.withLock { $0 }, reading: false)
    }
    func seek(to offset: Int64, from origin: SeekOrigin) throws -> UInt64 {
        try reading { try inner.seek(to: offset, from: origin) }
    }
    func tell() throws -> UInt64 { try reading { try inner.tell() } }

    func close() throws {
        guard
            closed.withLock({
                let was = $0
                $0 = true
                return !was
            })
        else { return }
        try inner.close()
    }
}

/// Writes a file: the bytes stream into `incoming/`, hashed on the way; `close()` files the blob
/// under its hash (keeping the one already there, if any) and only then publishes the pointer.
final class BlobWriteHandle: ArtifactFileHandle {
    let path: String
    let mode: OpenMode
    private let store: BlobArtifactStore
    private let pointer: any ArtifactFileHandle
    private let staging: any ArtifactFileHandle
    private let stagingPath: String
    private let state = Mutex(State())

    private struct State {
        var hash = SHA256()
        var size: UInt64 = 0
        var closed = false
    }

    init(path: String, mode: OpenMode, store: BlobArtifactStore, pointer: any ArtifactFileHandle) throws {
        self.path = path
        self.mode = mode
        self.store = store
        self.pointer = pointer
        stagingPath = store.incoming.root.description + "/" + UUID().uuidString
        staging = try store.incoming.open(stagingPath, mode: .write)
    }

    /// Starts an append from the current content of the blob at `blobPath`.
    func copyExisting(_ blobPath: String) throws {
        let reader = try store.blobs.open(blobPath, mode: .read)
        defer { try? reader.close() }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = try buffer.withUnsafeMutableBytes { try reader.read(into: $0) }
            if count == 0 { return }
            try buffer.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try checkAccess(closed: state.withLock { $0.closed }, reading: true)
        return 0
    }

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try read(into: buffer)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try state.withLock { state in
            try checkAccess(closed: state.closed, reading: false)
            try staging.write(bytes)
            state.hash.update(bytes)
            state.size += UInt64(bytes.count)
        }
    }

    /// A blob is written front to back: a write handle reports its position but cannot move it.
    func seek(to offset: Int64, from origin: SeekOrigin) throws -> UInt64 {
        let size = try tell()
        if origin == .current && offset == 0 || origin == .end && offset == 0
            || origin == .start && offset == Int64(size)
        {
            return size
        }
        throw ArtifactStoreError(
            .unsupportedOperation,
            path: path,
            "the blob flavor writes files front to back: seeking a write is not supported"
        )
    }

    func tell() throws -> UInt64 {
        try state.withLock { state in
            guard !state.closed else { throw closedFileError() }
            return state.size
        }
    }

    func close() throws {
        let (digest, size) = state.withLock { state -> (String?, UInt64) in
            guard !state.closed else { return (nil, 0) }
            state.closed = true
            return (state.hash.finalize(), state.size)
        }
        guard let digest else { return }
        try staging.close()
        // Same content, same name: a blob already there holds these very bytes, so keep it.
        if Glibc.rename(stagingPath, store.blobPath(digest)) != 0 {
            throw ArtifactStoreError(
                .io,
                path: path,
                "cannot file the blob \(digest): \(String(cString: strerror(errno)))"
            )
        }
        try store.inTree {
            try pointer.write("\(digest) \(size)\n")
            try pointer.close()
        }
    }
}
