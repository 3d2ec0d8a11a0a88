import FileIO

/// A file open for reading through the mount: every read goes straight to the store's handle,
/// whose own read path (an object store's read-ahead, a local file, memory) decides what to fetch,
/// so the kernel's parallel reads of one file run at once and each comes back whole.
final class ReaderFile: Sendable {
    let handle: any ArtifactFileHandle

    init(handle: any ArtifactFileHandle) {
        self.handle = handle
    }

    /// Reads up to `destination.count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: UInt64, into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < destination.count {
            let got = try handle.read(
                at: offset + UInt64(filled),
                into: UnsafeMutableRawBufferPointer(rebasing: destination[filled...])
            )
            guard got > 0 else { break }
            filled += got
        }
        return filled
    }

    func close() {
        try? handle.close()
    }
}
