import FileIO
import Synchronization

/// A file open for reading: positional reads on the store's handle, with an adaptive read-ahead
/// window for sequential patterns (it doubles while reads follow each other, up to
/// ``maximumWindow``, and resets on a seek), so a store with costly requests sees few large ones.
final class ReaderFile: Sendable {
    static let initialWindow = 256 << 10
    static let maximumWindow = 8 << 20

    private struct Window: @unchecked Sendable {
        /// Holds the bytes of the last window; allocated on the first sequential read.
        var buffer: UnsafeMutableRawBufferPointer?
        var start: UInt64 = 0
        var count = 0
        var size = ReaderFile.initialWindow
        var nextExpected: UInt64 = 0
    }

    let handle: any ArtifactFileHandle
    private let window = Mutex(Window())

    init(handle: any ArtifactFileHandle) {
        self.handle = handle
    }

    deinit {
        window.withLock { $0.buffer?.deallocate() }
    }

    /// Reads up to `destination.count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: UInt64, into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        let served: Int? = try window.withLock { window in
            if offset >= window.start, offset < window.start + UInt64(window.count) {
                let from = Int(offset - window.start)
                let count = min(destination.count, window.count - from)
                if count == destination.count || window.count < window.size {
                    copy(window.buffer!, from: from, count: count, to: destination)
                    window.nextExpected = offset + UInt64(count)
                    return count
                }
            }
            let sequential = offset == window.nextExpected
            window.nextExpected = offset + UInt64(destination.count)
            guard sequential else {
                window.size = Self.initialWindow
                return nil
            }
            if window.count > 0 { window.size = min(window.size * 2, Self.maximumWindow) }
            guard destination.count < window.size else { return nil }
            if window.buffer == nil {
                window.buffer = .allocate(byteCount: Self.maximumWindow, alignment: 4096)
            }
            let buffer = UnsafeMutableRawBufferPointer(rebasing: window.buffer![..<window.size])
            window.start = offset
            window.count = 0
            window.count = try handle.read(at: offset, into: buffer)
            let count = min(destination.count, window.count)
            copy(window.buffer!, from: 0, count: count, to: destination)
            return count
        }
        if let served { return served }
        return try handle.read(at: offset, into: destination)
    }

    private func copy(
        _ source: UnsafeMutableRawBufferPointer,
        from: Int,
        count: Int,
        to destination: UnsafeMutableRawBufferPointer
    ) {
        guard count > 0 else { return }
        destination.baseAddress!.copyMemory(from: source.baseAddress! + from, byteCount: count)
    }

    func close() {
        try? handle.close()
    }
}
