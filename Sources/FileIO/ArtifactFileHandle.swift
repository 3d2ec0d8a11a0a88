import Foundation

/// An open file of an artifact store: it streams, and never holds the whole file in memory.
///
/// Read handles serve sequential reads (which advance the position) and positional reads (which
/// do not), and are safe to use from several threads at once. Write handles publish their content
/// only when ``close()`` succeeds; a handle dropped without `close()` discards what it wrote, so a
/// reader never sees a half-written file.
public protocol ArtifactFileHandle: AnyObject, Sendable {
    /// The path the handle was opened for, as the store writes it.
    var path: String { get }
    /// The mode it was opened with.
    var mode: OpenMode { get }

    /// Reads up to `buffer.count` bytes at the current position and advances it.
    /// - Returns: the number of bytes read; 0 at the end of the file.
    /// - Throws: ``ArtifactStoreError`` when the handle is not readable, closed, or I/O fails.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int

    /// Reads up to `buffer.count` bytes starting at `offset`, leaving the position alone.
    /// - Returns: the number of bytes read; fewer than asked only at the end of the file.
    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int

    /// Writes all of `bytes` at the current position and advances it.
    /// - Throws: ``ArtifactStoreError`` when the handle is not writable, closed, or I/O fails.
    func write(_ bytes: UnsafeRawBufferPointer) throws

    /// Moves the position, as `lseek(2)` does, and returns the new one.
    /// - Throws: ``ArtifactStoreError/Code/invalidArgument`` for a negative result;
    ///   ``ArtifactStoreError/Code/unsupportedOperation`` where the flavor cannot seek a write.
    @discardableResult
    func seek(to offset: Int64, from origin: SeekOrigin) throws -> UInt64

    /// The current position.
    func tell() throws -> UInt64

    /// Finishes the handle. For a write handle this publishes the file, and its failure means the
    /// file was not written. Closing twice does nothing.
    func close() throws

    /// The descriptor of the local file a read handle reads, valid until ``close()``; nil when the
    /// bytes come from anywhere else. The FUSE bridge splices such files to the kernel uncopied.
    var readableFileDescriptor: Int32? { get }

    /// What opening the file learned of it, where the open brought its metadata (an object
    /// store's first GET answers with the size, version and metadata), so a caller needs not ask
    /// the store again; nil where the handle learned nothing.
    var openedInfo: FileInfo? { get }

    /// Makes ``close()`` publish the file with `modified` as its modification and access time, in
    /// the request that publishes it (a copy keeping times, as `cp -p` does, without a second step).
    /// - Returns: false where the handle cannot (a read handle, a store that keeps no times, an
    ///   upload already started): the caller then sets the times after ``close()``.
    func setModificationTimeOnClose(_ modified: Date) -> Bool

    /// Makes ``close()`` publish the file with these permission bits, owner and group (nil: as the
    /// handle would), in the request that publishes it: a file created through a mount gets its
    /// creator's mode without a second request.
    /// - Returns: false where the handle cannot (a read handle, a store that keeps no modes, an
    ///   upload already started): the caller then sets them after ``close()``.
    func setOwnershipOnClose(permissions: UInt16?, owner: UInt32?, group: UInt32?) -> Bool
}

extension ArtifactFileHandle {
    /// Nil: most handles do not read from one local file.
    public var readableFileDescriptor: Int32? { nil }

    /// Nil: most handles learn nothing of the file by opening it.
    public var openedInfo: FileInfo? { nil }

    /// False: most handles publish with the time of their close, and the caller sets times after it.
    public func setModificationTimeOnClose(_ modified: Date) -> Bool { false }

    /// False: most handles publish with their store's mode and owner, and the caller sets them after.
    public func setOwnershipOnClose(permissions: UInt16?, owner: UInt32?, group: UInt32?) -> Bool { false }

    /// Reads up to `count` bytes at the current position; an empty array at the end of the file.
    public func read(upToCount count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = try bytes.withUnsafeMutableBytes { try read(into: $0) }
        bytes.removeSubrange(got...)
        return bytes
    }

    /// Reads up to `count` bytes at `offset` without moving the position.
    public func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = try bytes.withUnsafeMutableBytes {
                try read(at: offset + UInt64(filled), into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...]))
            }
            if got == 0 { break }
            filled += got
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// Reads from the current position to the end. Meant for small files; stream large ones.
    public func readToEnd(chunkSize: Int = 1 << 20) throws -> [UInt8] {
        var result: [UInt8] = []
        while true {
            let chunk = try read(upToCount: chunkSize)
            if chunk.isEmpty { return result }
            result += chunk
        }
    }

    /// Writes a byte array.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Writes a string as UTF-8.
    public func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Moves the position to an absolute offset.
    @discardableResult
    public func seek(to offset: UInt64) throws -> UInt64 {
        try seek(to: Int64(offset), from: .start)
    }
}

extension ArtifactFileHandle {
    /// Refuses I/O on a closed handle, reads on a write handle and writes on a read handle.
    public func checkAccess(closed: Bool, reading: Bool) throws {
        guard !closed else { throw closedFileError() }
        if reading, mode != .read {
            throw ArtifactStoreError(
                .unsupportedOperation,
                path: path,
                "file is open for writing ('\(mode)'), not reading"
            )
        }
        if !reading, mode == .read {
            throw ArtifactStoreError(.unsupportedOperation, path: path, "file is open for reading, not writing")
        }
    }

    /// Where `seek(to:from:)` lands, as `lseek(2)` computes it.
    /// - Throws: ``ArtifactStoreError/Code/invalidArgument`` for a position before the start.
    public func seekTarget(
        _ offset: Int64,
        from origin: SeekOrigin,
        position: UInt64,
        end: () throws -> UInt64
    ) throws -> UInt64 {
        let base: Int64 =
            switch origin {
            case .start: 0
            case .current: Int64(position)
            case .end: try Int64(end())
            }
        let target = base + offset
        guard target >= 0 else {
            throw ArtifactStoreError(.invalidArgument, path: path, "seek to a negative offset (\(target))")
        }
        return UInt64(target)
    }

    /// The error for I/O on a closed handle.
    public func closedFileError() -> ArtifactStoreError {
        ArtifactStoreError(.invalidArgument, path: path, "I/O on a closed file")
    }
}
