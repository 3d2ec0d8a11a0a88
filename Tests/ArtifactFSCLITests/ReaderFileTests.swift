import FileIO
import Foundation
import TestServers
import Testing

@testable import FuseBridge

/// The mount's reads of a file open for reading: the kernel asks in many sizes (up to 1 MiB)
/// and, from parallel requests, out of order. Each answer must be whole: a short one mid-file is
/// taken by the kernel as the end of the file (it cuts the file's size there), so the reader
/// would see a truncated file.
@Suite("mount reads")
struct ReaderFileTests {
    @Test func everyReadComesBackWholeWhateverItsOrderAndSize() throws {
        let store = try MemoryArtifactStore()
        let size = 12 << 20
        var generator = SeededGenerator(seed: 5)
        let data = [UInt8](unsafeUninitializedCapacity: size) { bytes, count in
            let words = UnsafeMutableRawBufferPointer(bytes).bindMemory(to: UInt64.self)
            for index in words.indices { words[index] = generator.next() }
            count = size
        }
        let writer = try store.open("memory://reads/f.bin", mode: .write)
        try data.withUnsafeBytes { try writer.write($0) }
        try writer.close()

        let reader = ReaderFile(handle: try store.open("memory://reads/f.bin", mode: .read))
        defer { reader.close() }
        let kib = 1024
        // A small first read, a large one after it, one back inside the first one's range and
        // reaching past it; then runs of reads, some repeated or stepping back, some jumps.
        var plan = [(0, 128 * kib), (128 * kib, 768 * kib), (64 * kib, 256 * kib)]
        var offset = 0
        for _ in 0..<400 {
            let length = [4, 64, 128, 256, 512, 768, 1008].randomElement(using: &generator)! * kib
            offset = [offset, offset, max(0, offset - length), Int(generator.next() % UInt64(size))]
                .randomElement(using: &generator)!
            if offset >= size { offset = 0 }
            plan.append((offset, min(length, size - offset)))
            offset += length
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        defer { buffer.deallocate() }
        var wrong: [String] = []
        for (offset, length) in plan {
            let got = try reader.read(
                at: UInt64(offset),
                into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<length])
            )
            let same = data.withUnsafeBytes { memcmp(buffer.baseAddress!, $0.baseAddress! + offset, got) == 0 }
            if got != length || !same {
                wrong.append("\(length) at \(offset): \(got == length ? "wrong bytes" : "\(got) bytes")")
            }
        }
        #expect(wrong.count == 0, "\(wrong.count) of \(plan.count) reads: \(wrong.prefix(5))")
    }
}
