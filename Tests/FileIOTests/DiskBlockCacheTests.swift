import FileIO
import Foundation
import Testing

/// The block cache's disk tier: bounded, least recently used out first, kept across processes,
/// never serving a damaged block, one process per folder.
@Suite("block cache on disk")
struct DiskBlockCacheTests {
    static func key(_ index: UInt64, version: String = "v1") -> BlockCache.Key {
        BlockCache.Key(object: "s3 bucket key 8388608", version: version, index: index)
    }

    static func block(_ index: UInt64, size: Int = 1000) -> BlockCache.Block {
        BlockCache.Block(start: index * 1000, data: (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ Int(index)) })
    }

    static func blockFiles(_ folder: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder + "/blocks")) ?? []
    }

    @Test func blocksOutliveTheProcessAndTheOldestGoFirst() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        do {
            let cache = try DiskBlockCache(directory: folder.path, capacity: 3_500)
            for index: UInt64 in 0..<3 { cache.insert(Self.key(index), Self.block(index)) }
            #expect(cache.block(Self.key(0))?.data == Self.block(0).data, "block 0 read again: now the most recent")
            cache.insert(Self.key(3), Self.block(3))
            #expect(cache.block(Self.key(1)) == nil, "block 1 was the least recently used")
            #expect(cache.counters.evictions == 1 && cache.counters.bytes <= 3_500)
            #expect(Self.blockFiles(folder.path).count == 3, "an evicted block's file is removed")
        }
        do {
            let reopened = try DiskBlockCache(directory: folder.path, capacity: 3_500)
            #expect(reopened.block(Self.key(3))?.data == Self.block(3).data, "kept by the process before")
            #expect(reopened.block(Self.key(3))?.start == 3_000)
            #expect(reopened.block(Self.key(0, version: "v2")) == nil, "another version meets none of the old bytes")
        }
        let smaller = try DiskBlockCache(directory: folder.path, capacity: 1_500)
        #expect(smaller.counters.bytes <= 1_500, "a smaller size evicts at once: \(smaller.counters)")
        #expect(Self.blockFiles(folder.path).count == 1)
    }

    @Test func aDamagedBlockIsDroppedNotServed() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let cache = try DiskBlockCache(directory: folder.path, capacity: 1 << 20)
        cache.insert(Self.key(0), Self.block(0))
        cache.insert(Self.key(1), Self.block(1))
        let files = Self.blockFiles(folder.path).map { folder.path + "/blocks/" + $0 }
        try #require(files.count == 2)
        // One byte of data flipped in the first file; the second cut short, as a torn write leaves it.
        let first = try FileHandle(forUpdating: URL(fileURLWithPath: files[0]))
        try first.seek(toOffset: try first.seekToEnd() - 10)
        let byte = try #require(try first.read(upToCount: 1))
        try first.seek(toOffset: try first.offset() - 1)
        try first.write(contentsOf: [byte[0] ^ 0xFF])
        try first.close()
        #expect(truncate(files[1], 500) == 0)

        #expect(cache.block(Self.key(0)) == nil && cache.block(Self.key(1)) == nil)
        #expect(cache.counters.damaged == 2 && cache.counters.bytes == 0)
        #expect(Self.blockFiles(folder.path).isEmpty, "a damaged block's file is removed")
    }

    @Test func oneProcessUsesAFolderAtATime() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        var first: DiskBlockCache? = try DiskBlockCache(directory: folder.path, capacity: 1 << 20)
        let refusal = #expect(throws: ArtifactStoreError.self) {
            _ = try DiskBlockCache(directory: folder.path, capacity: 1 << 20)
        }
        #expect(refusal?.description.contains(folder.path) == true && refusal?.description.contains("in use") == true)
        #expect(first != nil)
        first = nil
        #expect(throws: Never.self) { _ = try DiskBlockCache(directory: folder.path, capacity: 1 << 20) }

        let file = folder.path + "/file"
        #expect(FileManager.default.createFile(atPath: file, contents: Data()))
        let notAFolder = #expect(throws: ArtifactStoreError.self) {
            _ = try DiskBlockCache(directory: file, capacity: 1)
        }
        #expect(notAFolder?.description.contains(file) == true)
    }

    /// With no memory tier, blocks still come back from disk; with a small one, a block evicted
    /// from memory is read from disk and held in memory again.
    @Test func theMemoryTierFallsBackToDisk() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let cache = BlockCache(capacity: 0)
        #expect(!cache.isEnabled)
        cache.disk = try DiskBlockCache(directory: folder.path, capacity: 1 << 20)
        #expect(cache.isEnabled)
        cache.insert(Self.key(0), Self.block(0))
        #expect(cache.contains(Self.key(0)))
        #expect(cache.block(Self.key(0))?.data == Self.block(0).data)
        #expect(cache.block(Self.key(1)) == nil)
        #expect(cache.counters.hits == 1 && cache.counters.misses == 1 && cache.counters.disk?.hits == 1)

        cache.capacity = 1_000
        cache.insert(Self.key(1), Self.block(1))
        #expect(cache.counters.bytes == 1_000, "block 1 in memory")
        #expect(cache.block(Self.key(0))?.data == Self.block(0).data, "block 0 from disk")
        #expect(cache.counters.disk?.hits == 2)
        #expect(cache.block(Self.key(0)) != nil)
        #expect(cache.counters.disk?.hits == 2, "then from memory")
    }
}
