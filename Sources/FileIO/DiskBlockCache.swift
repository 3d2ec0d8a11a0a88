import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The disk tier of the ``BlockCache``: blocks of remote objects kept as files in a folder of the
/// user's choosing, under a byte bound, so re-reads outlive the memory tier and a remount
/// (`--cache-dir DIR --cache-size 20G`).
///
/// Each block is one file named by a 128-bit hash of its key, written to `tmp/` and renamed into
/// `blocks/`, so a reader never meets a half-written block. The file starts with its whole key and
/// the CRC-32C of its bytes: a block whose key or checksum does not match (a hash collision, a
/// torn write after a power loss, a disk error) is dropped and read from the store again. The
/// least recently used blocks go first when the bound is reached, and when a write fails (a disk
/// fuller than the bound allows for), the oldest blocks go until the free space holds the new
/// one, which is written once more; a read never fails because of the cache. One process uses a folder at a time (an exclusive `flock` on `DIR/lock`); blocks a
/// previous process left are used again, oldest first out.
public final class DiskBlockCache: Sendable {
    /// What the disk tier did so far.
    public struct Counters: Sendable, Equatable {
        /// Blocks read from disk.
        public var hits: UInt64 = 0
        /// Blocks dropped to stay under the capacity or to make room on a full disk.
        public var evictions: UInt64 = 0
        /// Block writes that failed (a full disk, an I/O error); a block that failed twice is not kept.
        public var writeFailures: UInt64 = 0
        /// Blocks found damaged (key or checksum not matching) and dropped.
        public var damaged: UInt64 = 0
        /// Bytes of block files held now (each block's data and its header).
        public var bytes: Int = 0
        /// The most bytes of block files held.
        public var capacity: Int = 0

        /// All zero.
        public init() {}
    }

    private struct Entry {
        var size: Int
        var lastUse: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Blocks being written now: their bytes are counted, so the bound holds while they are.
        var writing: [String: Int] = [:]
        var counters = Counters()
        var clock: UInt64 = 0
    }

    /// The folder the blocks are kept in.
    public let directory: String
    private let lock: Int32
    private let state: Mutex<State>

    private static let magic = Array("ArtifactFS block 1\n".utf8)

    /// Opens (creating it, mode 0700) the cache folder `directory` holding at most `capacity` bytes
    /// of blocks, taking its lock and adopting the blocks a previous process left there.
    /// - Throws: ``ArtifactStoreError`` naming the folder when it cannot be made or written, or
    ///   another process uses it.
    public init(directory: String, capacity: Int) throws {
        guard capacity > 0 else {
            throw ArtifactStoreError(
                .invalidArgument,
                path: directory,
                "the disk cache's size must be more than 0 bytes"
            )
        }
        self.directory = directory
        for folder in [directory, directory + "/blocks", directory + "/tmp"] {
            if mkdir(folder, 0o700) != 0 && errno != EEXIST {
                throw POSIXCalls.error(errno, call: "mkdir", path: folder)
            }
            var info = stat()
            guard stat(folder, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
                throw ArtifactStoreError(.notADirectory, path: folder, "the disk cache's folder is not a directory")
            }
            guard access(folder, W_OK | X_OK) == 0 else {
                throw POSIXCalls.error(errno, call: "access", path: folder)
            }
        }
        let lockPath = directory + "/lock"
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw POSIXCalls.error(errno, call: "open", path: lockPath) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let failure = errno
            close(lock)
            if busy {
                throw ArtifactStoreError(
                    .io,
                    path: directory,
                    "the disk cache's folder is in use by another artifactfs process (it holds \(lockPath)); give each mount its own --cache-dir"
                )
            }
            throw POSIXCalls.error(failure, call: "flock", path: lockPath)
        }
        self.lock = lock
        var initial = State()
        initial.counters.capacity = capacity
        state = Mutex(initial)
        adoptLeftovers()
    }

    deinit {
        close(lock)
    }

    /// The counters so far.
    public var counters: Counters {
        state.withLock { $0.counters }
    }

    /// True when the block at `key` is held; keeps its place in line.
    public func contains(_ key: BlockCache.Key) -> Bool {
        state.withLock { $0.entries[Self.name(of: key)] != nil }
    }

    /// The block at `key` when held and whole, else nil (a damaged one is dropped).
    public func block(_ key: BlockCache.Key) -> BlockCache.Block? {
        let name = Self.name(of: key)
        guard state.withLock({ $0.entries[name] != nil }) else { return nil }
        guard let block = read(name, expecting: key) else {
            drop(name, damaged: true)
            return nil
        }
        state.withLock { state in
            state.clock += 1
            state.entries[name]?.lastUse = state.clock
            state.counters.hits += 1
        }
        return block
    }

    /// Keeps `block` under `key` when it fits, dropping the least recently used blocks to make
    /// room; a block that cannot be written is not kept, and the oldest blocks go to free space.
    public func insert(_ key: BlockCache.Key, _ block: BlockCache.Block) {
        let name = Self.name(of: key)
        let size = Self.headerSize(of: key) + block.data.count
        let reserved = state.withLock { state -> [String]? in
            guard !block.data.isEmpty, size <= state.counters.capacity, state.entries[name] == nil,
                state.writing[name] == nil
            else { return nil }
            defer { state.writing[name] = size }
            return Self.evict(&state, toFit: size)
        }
        guard let evicted = reserved else { return }
        remove(evicted)
        var written = write(name, key: key, block: block)
        if !written {
            // The disk is fuller than the bound allows for (other files share it): the oldest
            // blocks go until the free space holds this one, which is tried once more.
            let available = freeBytes()
            let dropped = state.withLock { state -> [String] in
                state.counters.writeFailures += 1
                return Self.evict(&state, until: { _, freed in freed + available >= size })
            }
            remove(dropped)
            written = !dropped.isEmpty && write(name, key: key, block: block)
        }
        state.withLock { state in
            state.writing[name] = nil
            guard written else { return }
            state.clock += 1
            state.entries[name] = Entry(size: size, lastUse: state.clock)
            state.counters.bytes += size
        }
    }

    /// The bytes the folder's file system has free for this process (`statvfs`), 0 when unknown.
    private func freeBytes() -> Int {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { return 0 }
        return Int(clamping: UInt64(info.f_bavail) &* UInt64(info.f_frsize))
    }

    /// The file name of a block: two 64-bit FNV-1a hashes of its key, in hex.
    static func name(of key: BlockCache.Key) -> String {
        let bytes = Array(Self.keyText(key).utf8)
        func fnv(_ seed: UInt64) -> UInt64 {
            var hash = seed
            for byte in bytes {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01B3
            }
            return hash
        }
        let high = String(fnv(0xCBF2_9CE4_8422_2325), radix: 16)
        let low = String(fnv(0x6C62_272E_07BB_0142), radix: 16)
        return String(repeating: "0", count: 16 - high.count) + high + String(repeating: "0", count: 16 - low.count)
            + low
    }

    private static func keyText(_ key: BlockCache.Key) -> String {
        "\(key.object)\u{0}\(key.version)\u{0}\(key.index)"
    }

    /// The bytes a block file of `key` holds before its data.
    private static func headerSize(of key: BlockCache.Key) -> Int {
        magic.count + 8 + keyText(key).utf8.count + 3 * 8
    }

    /// Drops least recently used blocks until `size` more bytes fit (counting blocks being
    /// written); returns the names whose files are to be removed.
    private static func evict(_ state: inout State, toFit size: Int) -> [String] {
        let writing = state.writing.values.reduce(0, +)
        let capacity = state.counters.capacity
        return evict(&state, until: { counters, _ in counters.bytes + writing + size <= capacity })
    }

    /// Drops least recently used blocks until `done(counters, bytes freed so far)` holds or none
    /// is left; returns the names whose files are to be removed.
    private static func evict(_ state: inout State, until done: (Counters, Int) -> Bool) -> [String] {
        var removed: [String] = []
        var freed = 0
        while !done(state.counters, freed), let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })
        {
            state.entries[oldest.key] = nil
            state.counters.bytes -= oldest.value.size
            state.counters.evictions += 1
            freed += oldest.value.size
            removed.append(oldest.key)
        }
        return removed
    }

    private func remove(_ names: [String]) {
        for name in names { unlink(directory + "/blocks/" + name) }
    }

    private func drop(_ name: String, damaged: Bool) {
        let removed = state.withLock { state -> Bool in
            guard let entry = state.entries.removeValue(forKey: name) else { return false }
            state.counters.bytes -= entry.size
            if damaged { state.counters.damaged += 1 }
            return true
        }
        if removed { remove([name]) }
    }

    /// Writes the block's file: header (magic, key, start, length, CRC-32C) then the bytes, into
    /// `tmp/` and renamed into place. False when any step failed; nothing is left behind then.
    private func write(_ name: String, key: BlockCache.Key, block: BlockCache.Block) -> Bool {
        let temporary = directory + "/tmp/" + name + ".\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return false }
        var header = Self.magic
        let keyBytes = Array(Self.keyText(key).utf8)
        Self.append(UInt64(keyBytes.count), to: &header)
        header += keyBytes
        Self.append(block.start, to: &header)
        Self.append(UInt64(block.data.count), to: &header)
        Self.append(UInt64(CRC32C.checksum(block.data)), to: &header)
        let whole =
            header.withUnsafeBytes { Self.writeAll(descriptor, $0) }
            && block.data.withUnsafeBytes { Self.writeAll(descriptor, $0) }
        let closed = close(descriptor) == 0
        guard whole, closed, rename(temporary, directory + "/blocks/" + name) == 0 else {
            unlink(temporary)
            return false
        }
        return true
    }

    /// Reads and checks the block file `name`: nil when it is missing, not the block of `key`, or
    /// its bytes do not match their checksum.
    private func read(_ name: String, expecting key: BlockCache.Key) -> BlockCache.Block? {
        guard let contents = FileManager.default.contents(atPath: directory + "/blocks/" + name) else { return nil }
        let bytes = [UInt8](contents)
        var position = Self.magic.count
        guard bytes.count > position, Array(bytes[..<position]) == Self.magic else { return nil }
        func number() -> UInt64? {
            guard bytes.count - position >= 8 else { return nil }
            defer { position += 8 }
            return bytes[position..<(position + 8)].reduce(0) { $0 << 8 | UInt64($1) }
        }
        let expected = Array(Self.keyText(key).utf8)
        guard let keyLength = number(), keyLength == UInt64(expected.count),
            bytes.count - position >= expected.count, Array(bytes[position..<(position + expected.count)]) == expected
        else { return nil }
        position += expected.count
        guard let start = number(), let length = number(), let checksum = number(),
            UInt64(bytes.count - position) == length
        else { return nil }
        let data = Array(bytes[position...])
        guard UInt64(CRC32C.checksum(data)) == checksum else { return nil }
        return BlockCache.Block(start: start, data: data)
    }

    /// Counts the blocks a previous process left (oldest by modification time first out), removes
    /// its unfinished writes, and evicts down to the capacity.
    private func adoptLeftovers() {
        let manager = FileManager.default
        for leftover in (try? manager.contentsOfDirectory(atPath: directory + "/tmp")) ?? [] {
            unlink(directory + "/tmp/" + leftover)
        }
        var found: [(name: String, size: Int, modified: Int)] = []
        for name in (try? manager.contentsOfDirectory(atPath: directory + "/blocks")) ?? [] {
            var info = stat()
            guard stat(directory + "/blocks/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
                info.st_size > Self.magic.count
            else {
                unlink(directory + "/blocks/" + name)
                continue
            }
            found.append((name, Int(info.st_size), info.st_mtim.tv_sec))
        }
        let evicted = state.withLock { state -> [String] in
            for file in found.sorted(by: { $0.modified < $1.modified }) {
                state.clock += 1
                state.entries[file.name] = Entry(size: file.size, lastUse: state.clock)
                state.counters.bytes += file.size
            }
            return Self.evict(&state, toFit: 0)
        }
        remove(evicted)
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((value >> UInt64(shift)) & 0xFF)) }
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var done = 0
        while done < bytes.count {
            let wrote = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if wrote < 0 && errno == EINTR { continue }
            guard wrote > 0 else { return false }
            done += wrote
        }
        return true
    }
}
