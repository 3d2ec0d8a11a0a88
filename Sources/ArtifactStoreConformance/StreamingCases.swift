import Dispatch
import FileIO
import Synchronization

extension ArtifactStoreConformance {
    static let streamingCases: [ConformanceCase] = [
        ConformanceCase("64 MiB streamed in 1 MiB chunks, checked by hash") { ctx in
            let pattern = ContentPattern(seed: 64)
            let total = 64 << 20
            let chunk = 1 << 20
            var written = WordHash()
            let writer = try ctx.store.open(ctx.path("large.bin"), mode: "wb")
            for offset in stride(from: 0, to: total, by: chunk) {
                let bytes = pattern.bytes(at: UInt64(offset), count: chunk)
                written.add(bytes)
                try writer.write(bytes)
            }
            try writer.close()
            try expectEqual(try ctx.store.stat(ctx.path("large.bin")).size, UInt64(total), "size of the large file")
            var read = WordHash()
            let reader = try ctx.store.open(ctx.path("large.bin"), mode: "rb")
            defer { try? reader.close() }
            var count = 0
            while true {
                let bytes = try reader.read(upToCount: 3 << 19)  // 1.5 MiB: reads need not align with writes
                if bytes.isEmpty { break }
                read.add(bytes)
                count += bytes.count
            }
            try expectEqual(count, total, "bytes read back")
            try expectEqual(read.value, written.value, "hash of the bytes read back")
            for offset in [0, 1, 4095, 1 << 20, total - 10] {
                try expectEqual(
                    try reader.read(at: UInt64(offset), count: 100),
                    pattern.bytes(at: UInt64(offset), count: min(100, total - offset)),
                    "positional read at \(offset)"
                )
            }
        },
        ConformanceCase("files of every size around 256 KiB read back whole, in chunks and at any offset") { ctx in
            // Object stores fetch an object's first 256 KiB with its size when it is opened: reads
            // inside, up to and across that boundary must all see the file as written.
            let boundary = 256 << 10
            for size in [0, 1, boundary - 1, boundary, boundary + 1, 3 * boundary + 17] {
                let pattern = ContentPattern(seed: UInt64(size))
                let name = "sizes/\(size).bin"
                try ctx.store.write(ctx.path(name), contents: pattern.bytes(at: 0, count: size))
                try expectEqual(
                    try ctx.store.read(ctx.path(name)),
                    pattern.bytes(at: 0, count: size),
                    "\(size) bytes read whole"
                )
                let handle = try ctx.store.open(ctx.path(name), mode: "rb")
                defer { try? handle.close() }
                var chunked: [UInt8] = []
                while true {
                    let bytes = try handle.read(upToCount: 100_003)
                    if bytes.isEmpty { break }
                    chunked += bytes
                }
                try expectEqual(chunked, pattern.bytes(at: 0, count: size), "\(size) bytes read in chunks of 100,003")
                for offset in [0, boundary - 10, boundary, size - 1, size] where offset >= 0 && offset <= size {
                    try expectEqual(
                        try handle.read(at: UInt64(offset), count: 20),
                        pattern.bytes(at: UInt64(offset), count: min(20, size - offset)),
                        "\(size) bytes: positional read of 20 at \(offset)"
                    )
                }
            }
        },
        ConformanceCase("seek, tell and positional reads") { ctx in
            try ctx.write("s", "0123456789")
            let handle = try ctx.store.open(ctx.path("s"), mode: "r")
            defer { try? handle.close() }
            try expectEqual(try handle.read(upToCount: 3), Array("012".utf8), "first read")
            try expectEqual(try handle.tell(), 3, "position after reading 3 bytes")
            try expectEqual(try handle.read(at: 7, count: 10), Array("789".utf8), "positional read stops at the end")
            try expectEqual(try handle.tell(), 3, "positional reads leave the position alone")
            try handle.seek(to: -2, from: .end)
            try expectEqual(try handle.read(upToCount: 10), Array("89".utf8), "read after seeking from the end")
            try expectEqual(try handle.read(upToCount: 10), [], "read at the end")
            try handle.seek(to: 5)
            try expectEqual(try handle.read(upToCount: 2), Array("56".utf8), "read after an absolute seek")
            try expectError(.invalidArgument, naming: "s", "seek before the start") {
                try handle.seek(to: -1, from: .start)
            }
        },
        ConformanceCase("8 threads write and read distinct files") { ctx in
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { index in
                do {
                    let pattern = ContentPattern(seed: UInt64(index))
                    let path = ctx.path("parallel/file-\(index).bin")
                    for round in 0..<3 {
                        let expected = pattern.bytes(at: UInt64(round), count: (1 << 20) + index)
                        try ctx.store.write(path, contents: expected)
                        if try ctx.store.read(path) != expected {
                            failures.withLock { $0.append("thread \(index) round \(round): content differs") }
                        }
                    }
                } catch {
                    failures.withLock { $0.append("thread \(index): \(error)") }
                }
            }
            try expectEqual(failures.withLock { $0 }, [], "failures of parallel writers")
            try expectEqual(try ctx.store.listdir(ctx.path("parallel")).count, 8, "files written in parallel")
        },
        ConformanceCase("8 threads share one read handle") { ctx in
            let pattern = ContentPattern(seed: 8)
            let size = 4 << 20
            try ctx.store.write(ctx.path("shared.bin"), contents: pattern.bytes(at: 0, count: size))
            let handle = try ctx.store.open(ctx.path("shared.bin"), mode: "rb")
            defer { try? handle.close() }
            let failures = Mutex<[String]>([])
            DispatchQueue.concurrentPerform(iterations: 8) { index in
                var generator = SplitMix(state: UInt64(index))
                for _ in 0..<32 {
                    let offset = Int(generator.next() % UInt64(size))
                    let count = Int(generator.next() % 70_000)
                    do {
                        let got = try handle.read(at: UInt64(offset), count: count)
                        if got != pattern.bytes(at: UInt64(offset), count: min(count, size - offset)) {
                            failures.withLock { $0.append("thread \(index): wrong bytes at \(offset)+\(count)") }
                        }
                    } catch {
                        failures.withLock { $0.append("thread \(index): \(error)") }
                    }
                }
            }
            try expectEqual(failures.withLock { $0 }, [], "failures of parallel positional reads")
        },
    ]
}

/// Deterministic bytes that depend on their offset, so any range can be checked without keeping
/// the whole file.
struct ContentPattern {
    let seed: UInt64

    func bytes(at offset: UInt64, count: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        result.withUnsafeMutableBytes { buffer in
            var index = 0
            while index < count {
                let position = offset + UInt64(index)
                var mixer = SplitMix(state: seed &+ (position >> 3))
                let word = mixer.next()
                let skip = Int(position & 7)
                let take = min(8 - skip, count - index)
                withUnsafeBytes(of: word.littleEndian) { wordBytes in
                    buffer.baseAddress!.advanced(by: index).copyMemory(
                        from: wordBytes.baseAddress!.advanced(by: skip),
                        byteCount: take
                    )
                }
                index += take
            }
        }
        return result
    }
}

/// SplitMix64: a tiny, good-enough generator for test content and offsets.
struct SplitMix {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// An order-dependent 64-bit hash over a byte stream, independent of how the stream is chunked.
struct WordHash {
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325
    private var pending: [UInt8] = []

    mutating func add(_ bytes: [UInt8]) {
        pending += bytes
        let whole = pending.count & ~7
        pending.withUnsafeBytes { raw in
            var index = 0
            while index < whole {
                value = (value ^ raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0x100_0000_01B3
                value ^= value >> 29
                index += 8
            }
        }
        pending.removeFirst(whole)
    }
}
