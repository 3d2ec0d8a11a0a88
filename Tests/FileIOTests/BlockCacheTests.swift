import FileIO
import Testing

/// The process's block cache: bounded by bytes, least recently used out first, versions apart.
@Suite("block cache")
struct BlockCacheTests {
    static func key(_ index: UInt64, version: String = "v1") -> BlockCache.Key {
        BlockCache.Key(object: "s3 bucket key", version: version, index: index)
    }

    static func block(_ index: UInt64, size: Int = 100) -> BlockCache.Block {
        BlockCache.Block(start: index * 100, data: [UInt8](repeating: UInt8(index), count: size))
    }

    @Test func theLeastRecentlyUsedBlockGoesFirstAndTheBytesStayUnderTheCapacity() {
        let cache = BlockCache(capacity: 300)
        for index: UInt64 in 0..<3 { cache.insert(Self.key(index), Self.block(index)) }
        #expect(cache.block(Self.key(0))?.data.first == 0, "block 0 used again: now the most recent")
        cache.insert(Self.key(3), Self.block(3))
        #expect(cache.block(Self.key(1)) == nil, "block 1 was the least recently used")
        #expect(cache.block(Self.key(0)) != nil && cache.block(Self.key(2)) != nil && cache.block(Self.key(3)) != nil)
        let counters = cache.counters
        #expect(counters.bytes == 300 && counters.evictions == 1)
        #expect(counters.hits == 4 && counters.misses == 1)

        cache.capacity = 150
        #expect(cache.counters.bytes == 100, "lowering the capacity drops blocks at once")
        cache.insert(Self.key(9), Self.block(9, size: 151))
        #expect(!cache.contains(Self.key(9)), "a block larger than the capacity is not kept")
    }

    @Test func anotherVersionOfAnObjectMeetsNoneOfTheOldBlocks() {
        let cache = BlockCache(capacity: 1000)
        cache.insert(Self.key(0), Self.block(0))
        #expect(cache.block(Self.key(0, version: "v2")) == nil)
        #expect(cache.block(Self.key(0))?.holds(50) == true)
        #expect(cache.block(Self.key(0))?.holds(100) == false)
    }

    @Test func aCacheOfNoBytesKeepsNothing() {
        let cache = BlockCache(capacity: 0)
        cache.insert(Self.key(0), Self.block(0))
        #expect(cache.block(Self.key(0)) == nil)
        #expect(cache.counters.bytes == 0)
    }
}
