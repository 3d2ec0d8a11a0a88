import FileIO

#if canImport(Glibc)
import Glibc
#endif

/// A file of an in-place store (``FileIO/InPlaceFileStore``, the local one) open through its own
/// descriptor: reads, writes, truncation and syncs go straight to the file on disk, so the mount
/// behaves as the disk does — other readers see each write, and nothing waits for `close`.
final class DirectFile: Sendable {
    let fd: Int32
    /// The store path it was opened at, for error messages.
    let path: String

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    /// Reads up to `buffer.count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let got = pread(fd, buffer.baseAddress! + filled, buffer.count - filled, off_t(offset) + off_t(filled))
            if got < 0 {
                if errno == EINTR { continue }
                throw failure("pread")
            }
            if got == 0 { break }
            filled += got
        }
        return filled
    }

    /// Writes all of `bytes` at `offset` (at the end for a file opened with `O_APPEND`).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        var done = 0
        while done < bytes.count {
            let wrote = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if wrote < 0 {
                if errno == EINTR { continue }
                throw failure("pwrite")
            }
            done += wrote
        }
    }

    func truncate(to size: UInt64) throws {
        if ftruncate(fd, off_t(size)) != 0 { throw failure("ftruncate") }
    }

    /// Makes the bytes durable (`fsync`, or `fdatasync` when only the data must be).
    func sync(dataOnly: Bool) throws {
        if (dataOnly ? fdatasync(fd) : fsync(fd)) != 0 { throw failure(dataOnly ? "fdatasync" : "fsync") }
    }

    /// Closes the descriptor; the error (a full disk on a network file system) is `close`'s.
    func close() throws {
        if Glibc.close(fd) != 0, errno != EINTR { throw failure("close") }
    }

    private func failure(_ call: String) -> ArtifactStoreError {
        let code = errno
        return ArtifactStoreError(
            .io,
            path: path,
            "\(call) failed: \(String(cString: strerror(code)))",
            cause: SystemCallError(call: call, errno: code)
        )
    }
}
