import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An open file of a memory store. A read handle keeps a copy-on-write snapshot, so a file
/// replaced meanwhile does not change under it; a write handle builds its bytes privately and
/// publishes them on `close()`.
final class MemoryFileHandle: ArtifactFileHandle {
    private struct State {
        var bytes: [UInt8]
        var position: UInt64 = 0
        var closed = false
    }

    let path: String
    let mode: OpenMode
    private let store: MemoryArtifactStore
    private let target: ArtifactPath
    private let state: Mutex<State>

    init(store: MemoryArtifactStore, target: ArtifactPath, mode: OpenMode, bytes: [UInt8]) {
        self.store = store
        self.target = target
        self.path = target.description
        self.mode = mode
        var initial = State(bytes: bytes)
        if mode == .append { initial.position = UInt64(bytes.count) }
        self.state = Mutex(initial)
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try state.withLock { state in
            try checkAccess(closed: state.closed, reading: true)
            let got = Self.copy(state.bytes, from: state.position, into: buffer)
            state.position += UInt64(got)
            return got
        }
    }

    func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try state.withLock { state in
            try checkAccess(closed: state.closed, reading: true)
            return Self.copy(state.bytes, from: offset, into: buffer)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        try state.withLock { state in
            try checkAccess(closed: state.closed, reading: false)
            // Appends always go to the end, as O_APPEND does.
            let start = mode == .append ? state.bytes.count : Int(state.position)
            if start > state.bytes.count {
                // The hole is zeroed in one call: element by element, a write 2 GiB past the end
                // took minutes in a debug build (pjdfstest's open/25.t).
                let hole = [UInt8](unsafeUninitializedCapacity: start - state.bytes.count) { buffer, count in
                    _ = memset(buffer.baseAddress!, 0, buffer.count)
                    count = buffer.count
                }
                state.bytes.append(contentsOf: hole)
            }
            let overlap = min(bytes.count, state.bytes.count - start)
            if overlap > 0 {
                state.bytes.withUnsafeMutableBytes {
                    UnsafeMutableRawBufferPointer(rebasing: $0[start..<(start + overlap)])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[..<overlap]))
                }
            }
            state.bytes.append(contentsOf: bytes[overlap...])
            state.position = UInt64(start + bytes.count)
        }
    }

    func seek(to offset: Int64, from origin: SeekOrigin) throws -> UInt64 {
        try state.withLock { state in
            guard !state.closed else { throw closedFileError() }
            state.position = try seekTarget(
                offset,
                from: origin,
                position: state.position,
                end: { UInt64(state.bytes.count) }
            )
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
        let bytes: [UInt8]? = state.withLock { state in
            defer {
                state.closed = true
                state.bytes = []
            }
            return state.closed || mode == .read ? nil : state.bytes
        }
        if let bytes { try store.commit(bytes, to: target) }
    }

    // MARK: - Helpers

    private static func copy(_ bytes: [UInt8], from offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard offset < UInt64(bytes.count) else { return 0 }
        let start = Int(offset)
        let count = min(buffer.count, bytes.count - start)
        bytes.withUnsafeBytes {
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[start..<(start + count)]))
        }
        return count
    }

}
