import CSystemShims
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file of the local store, over one descriptor.
///
/// Reads use `pread`, so sequential and positional reads never disturb each other and positional
/// reads from several threads run in parallel. A `w` handle writes into a hidden temporary file
/// beside the destination and renames it into place on `close()`: readers see the old file or the
/// whole new one, never a part. A descriptor that cannot seek (a FIFO, a pipe given as
/// `/dev/stdin`) is read in order with `read`, so `artifactfs cp` streams from one.
final class LocalFileHandle: ArtifactFileHandle {
    /// Where a `w` handle stages its bytes, and where they go on close.
    struct Staging: Sendable {
        let temporary: String
        let destination: String
    }

    private struct State {
        var position: UInt64 = 0
        var closed = false
        /// Set once `pread` answered ESPIPE: the descriptor is a stream.
        var streaming = false
    }

    let path: String
    let mode: OpenMode
    private let fd: Int32
    private let staging: Staging?
    private let state = Mutex(State())

    init(path: String, mode: OpenMode, fd: Int32, staging: Staging?) {
        self.path = path
        self.mode = mode
        self.fd = fd
        self.staging = staging
    }

    var readableFileDescriptor: Int32? { mode == .read ? fd : nil }

    deinit {
        // A handle dropped without close() discards its staged bytes: nothing half-written appears.
        if !state.withLock({ $0.closed }) {
            Glibc.close(fd)
            if let staging { _ = POSIXCalls.at(staging.temporary) { unlinkat($0, $1, 0) } }
        }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try state.withLock { state in
            try checkAccess(closed: state.closed, reading: true)
            if !state.streaming {
                do {
                    let got = try pread(into: buffer, at: state.position)
                    state.position += UInt64(got)
                    return got
                } catch let error as ArtifactStoreError where error.errno == ESPIPE {
                    state.streaming = true
                }
            }
            let got = try POSIXCalls.check("read", path: path) { Glibc.read(fd, buffer.baseAddress, buffer.count) }
            state.position += UInt64(got)
            return got
        }
    }

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try state.withLock { try checkAccess(closed: $0.closed, reading: true) }
        var filled = 0
        while filled < buffer.count {
            let got = try pread(
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]),
                at: offset + UInt64(filled)
            )
            if got == 0 { break }
            filled += got
        }
        return filled
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try state.withLock { state in
            try checkAccess(closed: state.closed, reading: false)
            if mode == .append {
                try POSIXCalls.writeAll(fd, bytes, offset: nil, path: path)
                state.position = UInt64(lseek(fd, 0, SEEK_CUR))
            } else {
                try POSIXCalls.writeAll(fd, bytes, offset: state.position, path: path)
                state.position += UInt64(bytes.count)
            }
        }
    }

    func seek(to offset: Int64, from origin: SeekOrigin) throws -> UInt64 {
        try state.withLock { state in
            guard !state.closed else { throw closedFileError() }
            state.position = try seekTarget(offset, from: origin, position: state.position, end: { try fileSize() })
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
        let wasOpen = state.withLock { state in
            defer { state.closed = true }
            return !state.closed
        }
        guard wasOpen else { return }
        let closeFailed = Glibc.close(fd) != 0 ? errno : 0
        guard let staging else {
            if closeFailed != 0 { throw POSIXCalls.error(closeFailed, call: "close", path: path) }
            return
        }
        do {
            if closeFailed != 0 { throw POSIXCalls.error(closeFailed, call: "close", path: path) }
            try POSIXCalls.check("rename", path: path) {
                POSIXCalls.at(staging.temporary) { fromDirectory, fromName in
                    POSIXCalls.at(staging.destination) { afs_renameat(fromDirectory, fromName, $0, $1, 0) }
                }
            }
        } catch {
            _ = POSIXCalls.at(staging.temporary) { unlinkat($0, $1, 0) }
            throw error
        }
    }

    // MARK: - Helpers

    private func pread(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int {
        try POSIXCalls.check("read", path: path) { Glibc.pread(fd, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    private func fileSize() throws -> UInt64 {
        var info = Glibc.stat()
        try POSIXCalls.check("fstat", path: path) { fstat(fd, &info) }
        return UInt64(info.st_size)
    }
}
