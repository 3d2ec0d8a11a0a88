import FileIO
import Foundation

/// One benchmark workload over a store root, as the driver (`Benchmarks/run`) names them.
enum Workload: String, CaseIterable {
    case seqWrite = "seq-write"
    case seqRead = "seq-read"
    case rand4K = "rand-4k"
    case rand1M = "rand-1m"
    case smallWrite = "small-write"
    case smallRead = "small-read"
    case listdir
    case walk
    case glob
    case copyWithin = "copy-within"
    case copyAcross = "copy-across"
    case cleanup

    /// Whether the workload reads what an earlier one wrote (and so may start with cold caches).
    var reads: Bool { [.seqRead, .rand4K, .rand1M, .smallRead].contains(self) }
}

/// What the workloads act on and how big they are.
struct WorkloadPlan {
    /// The folder under which every workload writes (`/var/tmp/x`, `s3://bench/run`).
    var root: String
    var size: UInt64
    var files: Int
    var fileSize: Int
    var randomReads: Int
    var copyTo: String?
    var verify: Bool

    var bigFile: String { root + "/big.bin" }
    var smallFolder: String { root + "/small" }
    func smallFile(_ index: Int) -> String { smallFolder + "/" + Self.smallName(index) }
    static func smallName(_ index: Int) -> String {
        "f" + String(repeating: "0", count: max(0, 5 - String(index).count)) + "\(index).bin"
    }
}

/// The figures of one workload run, printed as one JSON line.
struct WorkloadResult: Encodable {
    var workload: String
    var bytes: UInt64 = 0
    var ops: Int = 0
    var seconds: Double = 0
    var p50Milliseconds: Double?
    var p99Milliseconds: Double?
    var peakRSSMiB: Double?
    /// Whether the bytes read matched the pattern; nil when the workload reads nothing or was not asked to check.
    var verified: Bool?
    /// Entries a listing found, to check against the files written.
    var entries: Int?

    enum CodingKeys: String, CodingKey {
        case workload, bytes, ops, seconds, verified, entries
        case p50Milliseconds = "p50_ms"
        case p99Milliseconds = "p99_ms"
        case peakRSSMiB = "peak_rss_mib"
    }
}

/// Why a workload could not report a result worth comparing.
struct WorkloadFailure: Error, CustomStringConvertible {
    var description: String
}

/// Runs workloads through `fileio`, timing each and checking what it read.
struct WorkloadRunner: ~Copyable {
    let plan: WorkloadPlan
    let pattern = ContentPattern()

    func run(_ workload: Workload) throws -> WorkloadResult {
        var result = WorkloadResult(workload: workload.rawValue)
        var latencies: [Duration] = []
        let clock = ContinuousClock()
        let start = clock.now
        switch workload {
        case .seqWrite:
            let handle = try fileio.open(plan.bigFile, mode: "w")
            var written: UInt64 = 0
            var block: UInt64 = 0
            while written < plan.size {
                let length = Int(min(UInt64(ContentPattern.blockSize), plan.size - written))
                try handle.write(UnsafeRawBufferPointer(rebasing: pattern.stamped(block)[..<length]))
                written += UInt64(length)
                block += 1
            }
            try handle.close()
            result.bytes = written
            result.ops = Int(block)
        case .seqRead:
            let handle = try fileio.open(plan.bigFile)
            defer { try? handle.close() }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ContentPattern.blockSize, alignment: 64)
            defer { buffer.deallocate() }
            var matched = true
            while true {
                let got = try handle.read(into: buffer)
                if got == 0 { break }
                if plan.verify {
                    matched =
                        matched && pattern.matches(UnsafeRawBufferPointer(rebasing: buffer[..<got]), at: result.bytes)
                }
                result.bytes += UInt64(got)
                result.ops += 1
            }
            guard result.bytes == plan.size else {
                throw WorkloadFailure(description: "\(plan.bigFile): read \(result.bytes) bytes, expected \(plan.size)")
            }
            result.verified = plan.verify ? matched : nil
        case .rand4K, .rand1M:
            let blockSize = workload == .rand4K ? 4096 : 1 << 20
            let handle = try fileio.open(plan.bigFile)
            defer { try? handle.close() }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 64)
            defer { buffer.deallocate() }
            var generator = SplitMixGenerator(seed: UInt64(blockSize))
            let slots = max(1, plan.size / UInt64(blockSize))
            var matched = true
            for _ in 0..<plan.randomReads {
                let offset = generator.next() % slots * UInt64(blockSize)
                let began = clock.now
                var filled = 0
                while filled < blockSize {
                    let got = try handle.read(
                        at: offset + UInt64(filled),
                        into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...])
                    )
                    if got == 0 { break }
                    filled += got
                }
                latencies.append(clock.now - began)
                if plan.verify {
                    matched =
                        matched && pattern.matches(UnsafeRawBufferPointer(rebasing: buffer[..<filled]), at: offset)
                }
                result.bytes += UInt64(filled)
                result.ops += 1
            }
            result.verified = plan.verify ? matched : nil
        case .smallWrite:
            try fileio.makedirs(plan.smallFolder)
            for index in 0..<plan.files {
                let began = clock.now
                let handle = try fileio.open(plan.smallFile(index), mode: "w")
                try handle.write(UnsafeRawBufferPointer(rebasing: pattern.stamped(UInt64(index))[..<plan.fileSize]))
                try handle.close()
                latencies.append(clock.now - began)
                result.bytes += UInt64(plan.fileSize)
                result.ops += 1
            }
        case .smallRead:
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: plan.fileSize + 1, alignment: 64)
            defer { buffer.deallocate() }
            var matched = true
            for index in 0..<plan.files {
                let began = clock.now
                let handle = try fileio.open(plan.smallFile(index))
                var filled = 0
                while filled < buffer.count {
                    let got = try handle.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                    if got == 0 { break }
                    filled += got
                }
                try handle.close()
                latencies.append(clock.now - began)
                if plan.verify {
                    matched =
                        matched && filled == plan.fileSize
                        && pattern.matches(
                            UnsafeRawBufferPointer(rebasing: buffer[..<filled]),
                            at: 0,
                            stamp: UInt64(index)
                        )
                }
                result.bytes += UInt64(filled)
                result.ops += 1
            }
            result.verified = plan.verify ? matched : nil
        case .listdir:
            result.entries = try fileio.listdir(plan.smallFolder).count
        case .walk:
            var files = 0
            try fileio.walk(plan.smallFolder) { files += $0.files.count }
            result.entries = files
        case .glob:
            result.entries = try fileio.glob(plan.smallFolder + "/f*.bin").count
        case .copyWithin:
            try fileio.copy(plan.bigFile, plan.root + "/big-copy.bin", overwrite: true)
            result.bytes = plan.size
        case .copyAcross:
            guard let copyTo = plan.copyTo else {
                throw WorkloadFailure(description: "copy-across needs --copy-to URI")
            }
            try fileio.copy(plan.bigFile, copyTo + "/big-copy.bin", overwrite: true)
            result.bytes = plan.size
            result.verified = plan.verify ? try fileio.size(copyTo + "/big-copy.bin") == plan.size : nil
            try fileio.remove(copyTo + "/big-copy.bin")
        case .cleanup:
            for path in [plan.smallFolder, plan.bigFile, plan.root + "/big-copy.bin"] where try fileio.exists(path) {
                if try fileio.isdir(path) { try fileio.rmtree(path) } else { try fileio.remove(path) }
            }
        }
        result.seconds = (clock.now - start).seconds
        if !latencies.isEmpty {
            latencies.sort()
            result.p50Milliseconds = latencies[latencies.count / 2].seconds * 1000
            result.p99Milliseconds = latencies[min(latencies.count - 1, latencies.count * 99 / 100)].seconds * 1000
        }
        if [.listdir, .walk, .glob].contains(workload) {
            result.ops = 1
            guard result.entries == plan.files else {
                throw WorkloadFailure(
                    description:
                        "\(workload.rawValue) of \(plan.smallFolder) found \(result.entries ?? 0) entries, expected \(plan.files)"
                )
            }
        }
        return result
    }
}

/// A small, seedable generator so random offsets are the same in every run and every peer.
struct SplitMixGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 1
        return ContentPattern.splitmix64(state)
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
