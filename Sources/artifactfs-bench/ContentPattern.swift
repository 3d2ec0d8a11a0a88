import Glibc

/// The deterministic bytes every benchmark file holds, so any reader (ours, a Python peer, `cmp`)
/// can check what it read without a checksum pass in the timed loop.
///
/// One 1 MiB base block of pseudo-random words (splitmix64 of the word index) is repeated; the
/// first 8 bytes of each block carry the block's number (little-endian), so misplaced blocks show.
/// A small file is the first `size` bytes of one block stamped with the file's number.
struct ContentPattern: ~Copyable {
    /// The size of one block, which is also the write and sequential read size.
    static let blockSize = 1 << 20

    /// One block, stamped anew before each write.
    let block: UnsafeMutableRawBufferPointer

    init() {
        block = .allocate(byteCount: Self.blockSize, alignment: 64)
        let words = block.bindMemory(to: UInt64.self)
        for index in words.indices { words[index] = Self.splitmix64(UInt64(index)) }
    }

    deinit { block.deallocate() }

    /// The block with number `stamp` in its first word, ready to write.
    func stamped(_ stamp: UInt64) -> UnsafeRawBufferPointer {
        block.storeBytes(of: stamp.littleEndian, toByteOffset: 0, as: UInt64.self)
        return UnsafeRawBufferPointer(block)
    }

    /// Whether `bytes`, read at `offset` of a file whose blocks are stamped with their numbers
    /// (or, with `stamp`, a small file stamped `stamp`), are the bytes that belong there.
    func matches(_ bytes: UnsafeRawBufferPointer, at offset: UInt64, stamp: UInt64? = nil) -> Bool {
        var position = 0
        while position < bytes.count {
            let absolute = offset + UInt64(position)
            let inBlock = Int(absolute % UInt64(Self.blockSize))
            let length = min(Self.blockSize - inBlock, bytes.count - position)
            var expected = UInt64(stamp ?? absolute / UInt64(Self.blockSize)).littleEndian
            let stampLength = max(0, min(8 - inBlock, length))
            if stampLength > 0 {
                let same = withUnsafeBytes(of: &expected) { stampBytes in
                    memcmp(bytes.baseAddress! + position, stampBytes.baseAddress! + inBlock, stampLength) == 0
                }
                guard same else { return false }
            }
            let rest = length - stampLength
            if rest > 0,
                memcmp(bytes.baseAddress! + position + stampLength, block.baseAddress! + inBlock + stampLength, rest)
                    != 0
            {
                return false
            }
            position += length
        }
        return true
    }

    static func splitmix64(_ index: UInt64) -> UInt64 {
        var z = index &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
