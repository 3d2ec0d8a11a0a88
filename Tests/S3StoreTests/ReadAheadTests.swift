import Dispatch
import FileIO
import Foundation
import ObjectStore
import Synchronization
import TestServers
import Testing

/// The one read path of object handles (fileio's and the mount's): what it fetches for each
/// access pattern, that every read comes back whole, and that reads of one object run at once.
@Suite("read-ahead")
struct ReadAheadTests {
    static let kib = 1024
    static let block = 1 << 20

    /// An object in memory that records every ranged fetch; `short` answers each with at most
    /// that many bytes, as a server may.
    final class Object: Sendable {
        let bytes: [UInt8]
        let short: Int?
        let fetches = Mutex<[(offset: UInt64, count: Int)]>([])
        let inFlight = Atomic<Int>(0)
        let mostInFlight = Atomic<Int>(0)

        init(size: Int, short: Int? = nil) {
            var generator = SeededGenerator(seed: 11)
            bytes = [UInt8](unsafeUninitializedCapacity: size) { bytes, count in
                for index in 0..<size { bytes[index] = UInt8(truncatingIfNeeded: generator.next()) }
                count = size
            }
            self.short = short
        }

        func fetch(_ offset: UInt64, _ buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            let now = inFlight.add(1, ordering: .relaxed).newValue
            mostInFlight.max(now, ordering: .relaxed)
            defer { inFlight.subtract(1, ordering: .relaxed) }
            usleep(2000)
            let count = min(buffer.count, short ?? buffer.count, bytes.count - Int(offset))
            bytes.withUnsafeBytes {
                buffer.baseAddress!.copyMemory(from: $0.baseAddress! + Int(offset), byteCount: count)
            }
            fetches.withLock { $0.append((offset, count)) }
            return count
        }

        func reader(leading: Int = 0, depth: Int = 4, cache: BlockCache? = nil, version: String = "v1") -> ReadAhead {
            ReadAhead(
                size: UInt64(bytes.count),
                blockSize: ReadAheadTests.block,
                depth: depth,
                leading: Array(bytes[..<leading]),
                cache: cache.map { ($0, "object", version) }
            ) { [self] in try fetch($0, $1) }
        }

        var fetchedBytes: Int { fetches.withLock { $0.reduce(0) { $0 + $1.count } } }
    }

    /// Reads `count` bytes at `offset` and checks them against the object.
    static func check(_ reader: ReadAhead, _ object: Object, at offset: Int, _ count: Int) throws -> Bool {
        var buffer = [UInt8](repeating: 0, count: count)
        let got = try buffer.withUnsafeMutableBytes { try reader.read(at: UInt64(offset), into: $0) }
        let expected = Array(object.bytes[offset..<min(object.bytes.count, offset + count)])
        return got == expected.count && Array(buffer[..<got]) == expected
    }

    @Test func readsInAnyOrderComeBackWholeEvenFromAServerThatAnswersShort() throws {
        for short in [nil, 100_000] {
            let object = Object(size: 6 * Self.block + 12345, short: short)
            let reader = object.reader(leading: 256 * Self.kib)
            var generator = SeededGenerator(seed: 3)
            var offset = 0
            var wrong: [String] = []
            for _ in 0..<300 {
                let count = [1, 4096, 65536, 300_000, 1_032_192].randomElement(using: &generator)!
                offset = [offset, offset, max(0, offset - count), Int(generator.next() % UInt64(object.bytes.count))]
                    .randomElement(using: &generator)!
                if offset >= object.bytes.count { offset = 0 }
                if !(try Self.check(reader, object, at: offset, count)) {
                    wrong.append("\(count) at \(offset)")
                }
                offset += count
            }
            #expect(wrong.count == 0, "server answering at most \(short.map(String.init) ?? "all"): \(wrong.prefix(5))")
            var past = [UInt8](repeating: 0, count: 10)
            #expect(try past.withUnsafeMutableBytes { try reader.read(at: UInt64(object.bytes.count), into: $0) } == 0)
        }
    }

    @Test func aSecondReaderOfTheSameVersionReadsFromTheCacheAndANewVersionFetchesAgain() throws {
        let object = Object(size: 8 * Self.block + 777)
        let cache = BlockCache(capacity: 64 * Self.block)
        func stream(_ reader: ReadAhead) throws -> Bool {
            var offset = 0
            var whole = true
            while offset < object.bytes.count {
                whole = try Self.check(reader, object, at: offset, 128 * Self.kib) && whole
                offset += 128 * Self.kib
            }
            return whole
        }
        #expect(try stream(object.reader(leading: 256 * Self.kib, cache: cache)))
        let cold = object.fetchedBytes
        #expect(cold == object.bytes.count - 256 * Self.kib)

        // Random reads and a second stream of the same version fetch nothing more.
        let warm = object.reader(leading: 256 * Self.kib, cache: cache)
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<100 {
            let offset = Int(generator.next() % UInt64(object.bytes.count - 4096))
            #expect(try Self.check(warm, object, at: offset, 4096))
        }
        #expect(try stream(warm))
        #expect(object.fetchedBytes == cold, "a cached block was fetched again")
        #expect(cache.counters.hits > 100)

        // Another version of the object shares nothing with the first.
        #expect(try stream(object.reader(leading: 256 * Self.kib, cache: cache, version: "v2")))
        #expect(object.fetchedBytes == 2 * cold)
    }

    @Test func randomReadsFetchOnlyWhatTheyRead() throws {
        let object = Object(size: 64 * Self.block)
        let reader = object.reader()
        var generator = SeededGenerator(seed: 8)
        for _ in 0..<200 {
            let offset = Int(generator.next() % UInt64(object.bytes.count - 4096)) / 4096 * 4096
            #expect(try Self.check(reader, object, at: offset, 4096))
        }
        #expect(object.fetchedBytes == 200 * 4096)
    }

    @Test func aStreamFetchesWholeAlignedBlocksAheadInParallelWithinItsDepth() throws {
        let object = Object(size: 32 * Self.block)
        let reader = object.reader(leading: 256 * Self.kib, depth: 4)
        var offset = 0
        while offset < object.bytes.count {
            #expect(try Self.check(reader, object, at: offset, 128 * Self.kib))
            offset += 128 * Self.kib
        }
        let fetches = object.fetches.withLock { $0 }
        // Every block once, from its boundary (the first after the bytes held at open).
        #expect(object.fetchedBytes == object.bytes.count - 256 * Self.kib)
        #expect(fetches.allSatisfy { $0.offset % UInt64(Self.block) == 0 || $0.offset == UInt64(256 * Self.kib) })
        #expect(object.mostInFlight.load(ordering: .relaxed) > 1, "blocks were fetched one at a time")
        #expect(object.mostInFlight.load(ordering: .relaxed) <= 5)
    }

    @Test func readsOfOneObjectFromManyThreadsRunAtOnce() throws {
        // Each fetch waits until two are in flight: a reader that held a lock across its fetch
        // would leave the other waiting, and neither would finish.
        let object = Object(size: 16 * Self.block)
        let together = DispatchSemaphore(value: 0)
        let arrived = Atomic<Int>(0)
        let reader = ReadAhead(size: UInt64(object.bytes.count), blockSize: Self.block, depth: 1) {
            offset,
            buffer in
            if arrived.add(1, ordering: .relaxed).newValue == 2 {
                together.signal()
                together.signal()
            }
            _ = together.wait(timeout: .now() + 10)
            return try object.fetch(offset, buffer)
        }
        let results = Mutex<[Bool]>([])
        let group = DispatchGroup()
        for offset in [3 * Self.block + 7, 11 * Self.block + 99] {
            group.enter()
            Parallel.detach {
                let whole = (try? Self.check(reader, object, at: offset, 4096)) ?? false
                results.withLock { $0.append(whole) }
                group.leave()
            }
        }
        #expect(group.wait(timeout: .now() + 20) == .success)
        #expect(results.withLock { $0 } == [true, true])
        #expect(object.mostInFlight.load(ordering: .relaxed) == 2, "the two reads ran one after the other")
    }

    /// Four streams sharing a budget of three blocks read whole and in order, never hold more than
    /// the budget (the refused blocks are read exactly as asked), and give it all back when done.
    @Test func streamsSharingAMemoryBudgetNeverHoldMoreThanItAndReadWhole() throws {
        let budget = MemoryBudget(limit: 3 * Self.block)
        let objects = (0..<4).map { _ in Object(size: 12 * Self.block) }
        let whole = Mutex<[Bool]>([])
        let group = DispatchGroup()
        for object in objects {
            group.enter()
            Parallel.detach {
                let reader = ReadAhead(
                    size: UInt64(object.bytes.count),
                    blockSize: Self.block,
                    depth: 4,
                    budget: budget
                ) {
                    try object.fetch($0, $1)
                }
                var offset = 0
                var intact = true
                while offset < object.bytes.count {
                    intact = intact && ((try? Self.check(reader, object, at: offset, 128 * Self.kib)) ?? false)
                    offset += 128 * Self.kib
                }
                reader.cancel()
                whole.withLock { $0.append(intact) }
                group.leave()
            }
        }
        #expect(group.wait(timeout: .now() + 60) == .success)
        #expect(whole.withLock { $0 } == [true, true, true, true])
        // Fetches ahead already started finish after the readers are done, then give back.
        for _ in 0..<500 where budget.counters.inUse > 0 { usleep(10000) }
        let counters = budget.counters
        #expect(counters.peak <= 3 * Self.block, "held \(counters.peak) bytes under a budget of 3 blocks")
        #expect(counters.refused > 0, "four streams of depth 4 wanted more than 3 blocks")
        #expect(counters.inUse == 0, "every block's bytes came back")
    }
}
