import Dispatch
import Synchronization

/// Sequential reads of a remote object served from blocks fetched ahead in parallel (ranged GETs),
/// with memory bounded by `depth × blockSize`.
///
/// A read that continues where the last one stopped widens the window to `depth` blocks; a jump
/// (a seek) shrinks it to one, so random access fetches only what it reads. Blocks behind the
/// position are dropped. The object's first bytes may come with it (fetched when it was opened):
/// they are served from memory, and the first block starts after them. Blocks stay aligned to
/// `blockSize`, as the parts of an upload are, so no ranged GET straddles two stored parts.
public final class ReadAhead: Sendable {
    /// Fetches `buffer.count` bytes at `offset` into `buffer` and returns how many arrived.
    public typealias Fetch = @Sendable (_ offset: UInt64, _ buffer: UnsafeMutableRawBufferPointer) throws -> Int

    private let size: UInt64
    private let blockSize: Int
    private let depth: Int
    private let fetch: Fetch
    /// The object's first bytes, already held.
    private let leading: [UInt8]
    private let state: Mutex<State>

    private struct State {
        var blocks: [UInt64: Block] = [:]
        var nextSequential: UInt64 = 0
    }

    /// Creates a reader of an object of `size` bytes whose first bytes, `leading`, are already held;
    /// a read that goes on after them counts as sequential.
    public init(size: UInt64, blockSize: Int, depth: Int, leading: [UInt8] = [], fetch: @escaping Fetch) {
        self.size = size
        self.blockSize = max(1, blockSize)
        self.depth = max(1, depth)
        self.leading = leading
        self.fetch = fetch
        state = Mutex(State(nextSequential: UInt64(leading.count)))
    }

    /// Reads up to `buffer.count` bytes at `offset`; 0 at the end of the object.
    /// - Throws: the fetch's error for the block that holds `offset`.
    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let position = offset + UInt64(filled)
            guard position < size else { break }
            let count: Int
            if position < UInt64(leading.count) {
                count = copy(leading, from: Int(position), into: buffer, at: filled)
            } else {
                let index = position / UInt64(blockSize)
                let block = schedule(from: index, sequential: position == state.withLock { $0.nextSequential })
                let data = try block.wait()
                count = copy(data, from: Int(position - start(of: index)), into: buffer, at: filled)
            }
            guard count > 0 else { break }
            filled += count
            state.withLock { $0.nextSequential = position + UInt64(count) }
        }
        return filled
    }

    /// Serves a positional read from the first bytes held when they cover all of `buffer`; `nil` otherwise.
    public func readHeld(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        guard offset + UInt64(buffer.count) <= UInt64(leading.count) else { return nil }
        return copy(leading, from: Int(offset), into: buffer, at: 0)
    }

    /// Where the bytes of block `index` still to fetch start: at its boundary, or after the bytes held.
    private func start(of index: UInt64) -> UInt64 {
        max(index * UInt64(blockSize), UInt64(leading.count))
    }

    /// Copies what `buffer` has room for of `data` from `start` on into it at `offset`; returns the count.
    private func copy(
        _ data: [UInt8],
        from start: Int,
        into buffer: UnsafeMutableRawBufferPointer,
        at offset: Int
    ) -> Int {
        let count = min(buffer.count - offset, data.count - start)
        guard count > 0 else { return 0 }
        data.withUnsafeBytes { bytes in
            buffer.baseAddress!.advanced(by: offset).copyMemory(
                from: bytes.baseAddress!.advanced(by: start),
                byteCount: count
            )
        }
        return count
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
            let offset = start(of: current)
            let length = Int(min((current + 1) * UInt64(blockSize), size) - offset)
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
