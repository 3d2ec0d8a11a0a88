import Dispatch
import Synchronization

/// Sequential reads of a remote object served from blocks fetched ahead in parallel (ranged GETs),
/// with memory bounded by `depth × blockSize`.
///
/// A read that continues where the last one stopped widens the window to `depth` blocks; a jump
/// (a seek) shrinks it to one, so random access fetches only what it reads. Blocks behind the
/// position are dropped.
public final class ReadAhead: Sendable {
    /// Fetches `buffer.count` bytes at `offset` into `buffer` and returns how many arrived.
    public typealias Fetch = @Sendable (_ offset: UInt64, _ buffer: UnsafeMutableRawBufferPointer) throws -> Int

    private let size: UInt64
    private let blockSize: Int
    private let depth: Int
    private let fetch: Fetch
    private let state = Mutex<State>(State())

    private struct State {
        var blocks: [UInt64: Block] = [:]
        var nextSequential: UInt64 = 0
    }

    /// Creates a reader of an object of `size` bytes.
    public init(size: UInt64, blockSize: Int, depth: Int, fetch: @escaping Fetch) {
        self.size = size
        self.blockSize = max(1, blockSize)
        self.depth = max(1, depth)
        self.fetch = fetch
    }

    /// Reads up to `buffer.count` bytes at `offset`; 0 at the end of the object.
    /// - Throws: the fetch's error for the block that holds `offset`.
    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let position = offset + UInt64(filled)
            guard position < size else { break }
            let index = position / UInt64(blockSize)
            let block = schedule(from: index, sequential: position == state.withLock { $0.nextSequential })
            let data = try block.wait()
            let start = Int(position - index * UInt64(blockSize))
            let count = min(buffer.count - filled, data.count - start)
            guard count > 0 else { break }
            data.withUnsafeBytes { bytes in
                buffer.baseAddress!.advanced(by: filled).copyMemory(from: bytes.baseAddress!.advanced(by: start), byteCount: count)
            }
            filled += count
            state.withLock { $0.nextSequential = position + UInt64(count) }
        }
        return filled
    }

    /// Makes sure the block at `index` (and, for sequential reads, the window after it) is being
    /// fetched, drops blocks outside the window, and returns the block at `index`.
    private func schedule(from index: UInt64, sequential: Bool) -> Block {
        let lastBlock = (size - 1) / UInt64(blockSize)
        let window = UInt64(sequential ? depth : 1)
        var started: [(UInt64, Block)] = []
        let block = state.withLock { state in
            state.blocks = state.blocks.filter { $0.key >= index && $0.key < index + UInt64(depth) }
            for current in index...min(lastBlock, index + window - 1) where state.blocks[current] == nil {
                let block = Block()
                state.blocks[current] = block
                started.append((current, block))
            }
            return state.blocks[index]!
        }
        for (current, pending) in started {
            let offset = current * UInt64(blockSize)
            let length = Int(min(UInt64(blockSize), size - offset))
            let fetch = self.fetch
            Parallel.detach {
                var data = [UInt8](repeating: 0, count: length)
                do {
                    let got = try data.withUnsafeMutableBytes { try fetch(offset, $0) }
                    if got < length { data.removeSubrange(got...) }
                    pending.complete(.success(data))
                } catch {
                    pending.complete(.failure(error))
                }
            }
        }
        return block
    }
}

/// One block being fetched: readers wait until it holds bytes or an error.
private final class Block: Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private let result = Mutex<Result<[UInt8], any Error>?>(nil)

    func complete(_ outcome: Result<[UInt8], any Error>) {
        result.withLock { $0 = outcome }
        ready.signal()
    }

    func wait() throws -> [UInt8] {
        if let done = result.withLock({ $0 }) { return try done.get() }
        ready.wait()
        ready.signal()
        return try result.withLock { $0 }!.get()
    }
}
