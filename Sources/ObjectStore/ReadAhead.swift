import Dispatch
import FileIO
import Synchronization

/// Reads of one remote object version, sequential and positional alike, served from blocks
/// fetched ahead in parallel (ranged GETs) on the process's ``FetchPool``, with no lock held
/// across a fetch.
///
/// The access pattern decides what is fetched. A read that continues where the last one stopped,
/// or lands in a block already fetched (the kernel's parallel reads of one stream arrive a little
/// out of order), counts as sequential: its block and a window after it are fetched, the window
/// doubling with every new block the stream enters, up to `depth` blocks. Any other read is random
/// and fetches exactly the bytes it asks for, so random access moves no more than it reads.
/// Memory stays bounded by `depth + 1` blocks. The object's first bytes may come with it (fetched
/// when it was opened): they are served from memory, and the first block starts after them.
/// Blocks stay aligned to `blockSize`, as the parts of an upload are, so no ranged GET straddles
/// two stored parts. Given a ``BlockCache`` and the object version's name in it, every block
/// fetched whole is kept there, and any read (sequential or random) is served from a block held
/// there before anything is fetched. Each block fetched takes its bytes from a ``MemoryBudget``
/// while held: refused, the stream reads ahead no further, and a block it cannot hold at all is
/// read exactly as asked, into the caller's buffer, so many open files never hold more than the
/// budget.
public final class ReadAhead: Sendable {
    /// Fetches `buffer.count` bytes at `offset` into `buffer` and returns how many arrived.
    public typealias Fetch = @Sendable (_ offset: UInt64, _ buffer: UnsafeMutableRawBufferPointer) throws -> Int

    private let size: UInt64
    private let blockSize: Int
    private let depth: Int
    private let fetch: Fetch
    /// The object's first bytes, already held.
    private let leading: [UInt8]
    private let cache: (cache: BlockCache, object: String, version: String)?
    private let budget: MemoryBudget
    private let state: Mutex<State>

    private struct State {
        var blocks: [UInt64: Block] = [:]
        /// Where a read that goes on from the last one starts.
        var nextSequential: UInt64 = 0
        /// How many blocks past the current one a sequential stream keeps fetched; 0 until one starts.
        var window = 0
        /// The last block a sequential read entered, so the window grows once per block.
        var lastEntered: UInt64?
        /// The block the cache answered last: the reads that follow within it ask the cache no
        /// more (a disk tier would read its file again for each).
        var lastCached: BlockCache.Block?
    }

    /// Creates a reader of an object of `size` bytes whose first bytes, `leading`, are already held;
    /// a read that goes on after them counts as sequential. With `cache`, blocks are shared through
    /// it under `object` (the object and how it is cut, see ``BlockCache/Key/object``) and `version`.
    /// Blocks held take their bytes from `budget`.
    public init(
        size: UInt64,
        blockSize: Int,
        depth: Int,
        leading: [UInt8] = [],
        cache: (cache: BlockCache, object: String, version: String)? = nil,
        budget: MemoryBudget = .shared,
        fetch: @escaping Fetch
    ) {
        self.size = size
        self.blockSize = max(1, blockSize)
        self.depth = max(1, depth)
        self.leading = leading
        self.cache = cache
        self.budget = budget
        self.fetch = fetch
        state = Mutex(State(nextSequential: UInt64(leading.count)))
    }

    deinit {
        cancel()
    }

    /// Reads up to `buffer.count` bytes at `offset`; fewer only at the end of the object (0 past it).
    /// - Throws: the fetch's error for the bytes that could not be read.
    public func read(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        let end = min(size, offset + UInt64(buffer.count))
        while offset + UInt64(filled) < end {
            let position = offset + UInt64(filled)
            let count: Int
            if position < UInt64(leading.count) {
                count = copy(leading, from: Int(position), into: buffer, at: filled)
            } else if let cached = cached(at: position) {
                count = copy(cached.data, from: Int(position - cached.start), into: buffer, at: filled)
            } else if let block = plan(at: position, continuing: filled > 0), let data = try block.wait() {
                let index = position / UInt64(blockSize)
                count = copy(data, from: Int(position - start(of: index)), into: buffer, at: filled)
            } else {
                // Random (or a block dropped before its fetch began): exactly the bytes asked
                // for, up to the next block held.
                let stop = min(end, nextHeld(after: position) ?? end)
                let wanted = UnsafeMutableRawBufferPointer(
                    rebasing: buffer[filled..<(filled + Int(stop - position))]
                )
                count = try fetchFully(at: position, into: wanted)
            }
            guard count > 0 else { break }
            filled += count
        }
        state.withLock { $0.nextSequential = offset + UInt64(filled) }
        return filled
    }

    /// Drops every block and stops fetches not yet started; called when the handle closes.
    public func cancel() {
        let dropped = state.withLock { state in
            defer {
                state.blocks = [:]
                state.lastCached = nil
            }
            return Array(state.blocks.values)
        }
        for block in dropped { block.abandon() }
    }

    /// Decides how `position` is served: the block that holds it (fetched or scheduled now, with
    /// the window after it for a sequential read), or `nil` for an exact fetch (a random read).
    /// `continuing` marks the rest of a read already under way, which follows its own bytes.
    private func plan(at position: UInt64, continuing: Bool) -> Block? {
        let index = position / UInt64(blockSize)
        let lastBlock = (size - 1) / UInt64(blockSize)
        var started: [(UInt64, Block)] = []
        let block: Block? = state.withLock { state in
            let held = state.blocks[index] != nil
            guard held || continuing || position == state.nextSequential else {
                state.window = 0
                state.lastEntered = nil
                return nil
            }
            if state.lastEntered != index {
                state.window = state.window == 0 ? 1 : min(state.window * 2, depth)
                state.lastEntered = index
            }
            // One block behind stays, for reads of a stream that arrive late.
            let keep = (index == 0 ? 0 : index - 1)...(index + UInt64(depth))
            for (key, stale) in state.blocks where !keep.contains(key) {
                stale.abandon()
                state.blocks[key] = nil
            }
            for current in index...min(lastBlock, index + UInt64(state.window))
            where state.blocks[current] == nil && (current == index || !isCached(current)) {
                // Refused room, the stream reads ahead no further (and the block asked for, if
                // it is the one refused, is read exactly instead).
                guard budget.tryReserve(length(of: current)) else { break }
                let block = Block(budget: budget, holding: length(of: current))
                state.blocks[current] = block
                started.append((current, block))
            }
            return state.blocks[index]
        }
        for (current, pending) in started {
            let offset = start(of: current)
            let length = length(of: current)
            FetchPool.shared.submit { [self] in
                guard !pending.isAbandoned else { return pending.complete(.success(nil)) }
                var data = [UInt8](repeating: 0, count: length)
                do {
                    let got = try data.withUnsafeMutableBytes { try fetchFully(at: offset, into: $0) }
                    if got < length {
                        data.removeSubrange(got...)
                    } else if let cache {
                        cache.cache.insert(key(of: current, in: cache), BlockCache.Block(start: offset, data: data))
                    }
                    pending.complete(.success(data))
                } catch {
                    pending.complete(.failure(error))
                }
            }
        }
        return block
    }

    /// The cached block holding `position`, if one is.
    private func cached(at position: UInt64) -> BlockCache.Block? {
        guard let cache else { return nil }
        if let last = state.withLock({ $0.lastCached }), last.holds(position) {
            cache.cache.countHit()
            return last
        }
        guard let block = cache.cache.block(key(of: position / UInt64(blockSize), in: cache)), block.holds(position)
        else { return nil }
        state.withLock { $0.lastCached = block }
        return block
    }

    /// True when block `index` is in the cache.
    private func isCached(_ index: UInt64) -> Bool {
        guard let cache else { return false }
        return cache.cache.contains(key(of: index, in: cache))
    }

    private func key(of index: UInt64, in cache: (cache: BlockCache, object: String, version: String)) -> BlockCache.Key
    {
        BlockCache.Key(object: cache.object, version: cache.version, index: index)
    }

    /// Where the first block held after `position` starts, if one is.
    private func nextHeld(after position: UInt64) -> UInt64? {
        let index = position / UInt64(blockSize)
        return state.withLock { state in
            state.blocks.keys.filter { $0 > index }.min().map { start(of: $0) }
        }
    }

    /// Fetches all of `buffer` at `offset`, asking again for the rest after a short answer; fewer
    /// bytes only where the object ends.
    private func fetchFully(at offset: UInt64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let got = try fetch(offset + UInt64(filled), UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            guard got > 0 else { break }
            filled += got
        }
        return filled
    }

    /// Where the bytes of block `index` still to fetch start: at its boundary, or after the bytes held.
    private func start(of index: UInt64) -> UInt64 {
        max(index * UInt64(blockSize), UInt64(leading.count))
    }

    /// How many bytes of block `index` are still to fetch.
    private func length(of index: UInt64) -> Int {
        Int(min((index + 1) * UInt64(blockSize), size) - start(of: index))
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
}

/// One block being fetched: readers wait until it holds bytes, an error, or `nil` when it was
/// dropped before its fetch began (the reader then fetches what it needs itself). Its bytes are
/// given back to the budget when the last reference to it goes.
private final class Block: Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private let result = Mutex<Result<[UInt8]?, any Error>?>(nil)
    private let abandoned = Atomic<Bool>(false)
    private let budget: MemoryBudget
    private let reserved: Int

    init(budget: MemoryBudget, holding reserved: Int) {
        self.budget = budget
        self.reserved = reserved
    }

    deinit {
        budget.release(reserved)
    }

    /// True once no reader wants the block, so a fetch not yet started is skipped.
    var isAbandoned: Bool { abandoned.load(ordering: .relaxed) }

    func abandon() {
        abandoned.store(true, ordering: .relaxed)
    }

    func complete(_ outcome: Result<[UInt8]?, any Error>) {
        result.withLock { $0 = outcome }
        ready.signal()
    }

    func wait() throws -> [UInt8]? {
        if let done = result.withLock({ $0 }) { return try done.get() }
        ready.wait()
        ready.signal()
        return try result.withLock { $0 }!.get()
    }
}
