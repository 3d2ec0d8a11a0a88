import Synchronization

/// Blocks of remote objects' bytes, shared by every read handle of a process, so a file read
/// once is read again from memory: by the mount's many handles of one file, by a pipeline step
/// opening the same artifact twice, by a random read after a sequential pass.
///
/// A block is keyed by the object, its version (ETag, generation) and its index, so a replaced
/// object, having a new version, never meets the old one's bytes; an object without a version is
/// never cached. The bytes held stay under ``capacity``, the least recently used block going
/// first. With a ``disk`` tier, every block kept goes to disk as well, and a block not in memory
/// is looked for there (and brought back into memory) before it is fetched. The object stores
/// (`s3`, `gcp`, `azure`) use ``shared`` for every read; it holds nothing until given a capacity
/// or a disk tier (the mount gives it 512 MiB, and `--cache-dir`), so a one-shot copy keeps no
/// memory it will not read again.
public final class BlockCache: Sendable {
    /// One block of one version of one object.
    public struct Key: Hashable, Sendable {
        /// Names the object and how it is cut into blocks (service, bucket, key, block size).
        public var object: String
        /// The version the bytes belong to.
        public var version: String
        /// The block's index (its offset divided by the block size).
        public var index: UInt64

        /// Names a block.
        public init(object: String, version: String, index: UInt64) {
            self.object = object
            self.version = version
            self.index = index
        }
    }

    /// A block's bytes: `data` holds the object's bytes from `start` on.
    public struct Block: Sendable {
        /// The object offset of the first byte held.
        public var start: UInt64
        /// The bytes.
        public var data: [UInt8]

        /// Describes the bytes held from `start` on.
        public init(start: UInt64, data: [UInt8]) {
            self.start = start
            self.data = data
        }

        /// True when the byte at `offset` is held.
        public func holds(_ offset: UInt64) -> Bool {
            offset >= start && offset - start < UInt64(data.count)
        }
    }

    /// What the cache did so far, for `.artifactfs/stats` and the metrics.
    public struct Counters: Sendable {
        /// Reads of a block answered from the cache (from memory or disk).
        public var hits: UInt64 = 0
        /// Reads of a block that had to fetch it.
        public var misses: UInt64 = 0
        /// Blocks dropped to stay under the capacity.
        public var evictions: UInt64 = 0
        /// Bytes held now.
        public var bytes: Int = 0
        /// The most bytes held.
        public var capacity: Int = 0
        /// The disk tier's counters, when there is one.
        public var disk: DiskBlockCache.Counters?

        /// All zero.
        public init() {}
    }

    private struct Entry {
        var block: Block
        var lastUse: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var counters = Counters()
        var clock: UInt64 = 0
        var disk: DiskBlockCache?
    }

    /// The cache of the process: empty and holding nothing until its ``capacity`` is set.
    public static let shared = BlockCache(capacity: 0)

    private let state: Mutex<State>

    /// A cache holding at most `capacity` bytes (0: nothing).
    public init(capacity: Int) {
        var initial = State()
        initial.counters.capacity = max(0, capacity)
        state = Mutex(initial)
    }

    /// The most bytes held; lowering it drops blocks at once.
    public var capacity: Int {
        get { state.withLock { $0.counters.capacity } }
        set {
            state.withLock { state in
                state.counters.capacity = max(0, newValue)
                Self.evict(&state, toFit: 0)
            }
        }
    }

    /// The disk tier, when blocks are also kept on disk (see ``DiskBlockCache``).
    public var disk: DiskBlockCache? {
        get { state.withLock { $0.disk } }
        set { state.withLock { $0.disk = newValue } }
    }

    /// True when blocks are kept at all: in memory (a capacity above 0) or on disk.
    public var isEnabled: Bool {
        state.withLock { $0.counters.capacity > 0 || $0.disk != nil }
    }

    /// The counters so far.
    public var counters: Counters {
        let (counters, disk) = state.withLock { ($0.counters, $0.disk) }
        var all = counters
        all.disk = disk?.counters
        return all
    }

    /// The block at `key` when held in memory or on disk (counted as a hit), else nil (counted
    /// as a miss). A block found on disk is kept in memory again.
    public func block(_ key: Key) -> Block? {
        let (found, disk) = state.withLock { state -> (Block?, DiskBlockCache?) in
            guard var entry = state.entries[key] else { return (nil, state.disk) }
            state.counters.hits += 1
            state.clock += 1
            entry.lastUse = state.clock
            state.entries[key] = entry
            return (entry.block, nil)
        }
        if let found { return found }
        let fromDisk = disk?.block(key)
        state.withLock { state in
            guard state.counters.capacity > 0 || state.disk != nil else { return }
            if fromDisk == nil {
                state.counters.misses += 1
            } else {
                state.counters.hits += 1
            }
        }
        if let fromDisk { keepInMemory(key, fromDisk) }
        return fromDisk
    }

    /// Counts a read answered from a block this cache gave before (a reader keeps the block it
    /// reads through, rather than asking again for each read within it).
    public func countHit() {
        state.withLock { $0.counters.hits += 1 }
    }

    /// True when the block at `key` is held in memory or on disk; counts nothing and keeps its
    /// place in line.
    public func contains(_ key: Key) -> Bool {
        let (inMemory, disk) = state.withLock { ($0.entries[key] != nil, $0.disk) }
        return inMemory || disk?.contains(key) == true
    }

    /// Keeps `block` under `key` in memory, dropping the least recently used blocks to make room
    /// (a block larger than the whole capacity is not kept there), and on disk when there is a
    /// disk tier.
    public func insert(_ key: Key, _ block: Block) {
        keepInMemory(key, block)
        state.withLock { $0.disk }?.insert(key, block)
    }

    private func keepInMemory(_ key: Key, _ block: Block) {
        state.withLock { state in
            let size = block.data.count
            guard size > 0, size <= state.counters.capacity else { return }
            if let old = state.entries.removeValue(forKey: key) { state.counters.bytes -= old.block.data.count }
            Self.evict(&state, toFit: size)
            state.clock += 1
            state.entries[key] = Entry(block: block, lastUse: state.clock)
            state.counters.bytes += size
        }
    }

    /// Drops least recently used blocks until `size` more bytes fit.
    private static func evict(_ state: inout State, toFit size: Int) {
        while state.counters.bytes + size > state.counters.capacity,
            let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })
        {
            state.entries[oldest.key] = nil
            state.counters.bytes -= oldest.value.block.data.count
            state.counters.evictions += 1
        }
    }
}
