import FileIO
import Foundation
import Synchronization

/// Live counters of one mount, served as `.artifactfs/stats`: operations by kind, errors, bytes
/// moved, cache hits and latency percentiles, so a slow or failing mount can be diagnosed in place;
/// and the same as Prometheus metrics (`.artifactfs/metrics`, `--metrics-address`).
public final class MountStats: Sendable {
    /// The file-system operations that are counted.
    public enum Operation: String, CaseIterable, Sendable {
        case getattr, readlink, readdir, open, read, create, write, flush, release, fsync, truncate
        case unlink, mkdir, rmdir, rename, statfs, utimens
        case chmod, chown, symlink, link, mknod, getxattr, setxattr, listxattr, removexattr
        case copyFileRange = "copy_file_range"
    }

    /// Latencies are counted in power-of-two buckets of microseconds: bucket `i` holds [2^i, 2^(i+1)).
    private static let bucketCount = 40

    private struct Counters {
        var calls: [Operation: UInt64] = [:]
        var errors: [Operation: UInt64] = [:]
        var latency: [Operation: [UInt64]] = [:]
        var bytesRead: UInt64 = 0
        var bytesWritten: UInt64 = 0
        var cacheHits: UInt64 = 0
        var cacheMisses: UInt64 = 0
        var listingHits: UInt64 = 0
        var listingMisses: UInt64 = 0
        var uploads: UInt64 = 0
        var failedUploads: UInt64 = 0
    }

    private let counters = Mutex(Counters())
    private let metrics = MountMetrics()
    private let started = Date()

    /// Creates empty counters.
    public init() {}

    /// Counts one finished operation and its latency.
    func record(_ operation: Operation, nanoseconds: UInt64, failed: Bool) {
        let micros = max(nanoseconds / 1000, 1)
        let bucket = min(63 - micros.leadingZeroBitCount, Self.bucketCount - 1)
        counters.withLock { counters in
            counters.calls[operation, default: 0] += 1
            if failed { counters.errors[operation, default: 0] += 1 }
            counters.latency[operation, default: Array(repeating: 0, count: Self.bucketCount)][bucket] += 1
        }
        metrics.record(operation, nanoseconds: nanoseconds, failed: failed)
    }

    func addBytesRead(_ count: Int) {
        counters.withLock { $0.bytesRead += UInt64(count) }
        metrics.addBytesRead(count)
    }

    func addBytesWritten(_ count: Int) {
        counters.withLock { $0.bytesWritten += UInt64(count) }
        metrics.addBytesWritten(count)
    }

    func cacheLookup(hit: Bool) {
        counters.withLock { hit ? ($0.cacheHits += 1) : ($0.cacheMisses += 1) }
        metrics.cacheLookup(hit: hit)
    }

    func listingLookup(hit: Bool) {
        counters.withLock { hit ? ($0.listingHits += 1) : ($0.listingMisses += 1) }
        metrics.listingLookup(hit: hit)
    }

    func upload(failed: Bool) {
        counters.withLock { failed ? ($0.failedUploads += 1) : ($0.uploads += 1) }
        metrics.upload(failed: failed)
    }

    /// The counters in Prometheus's text format (the content of `.artifactfs/metrics` and of the
    /// `--metrics-address` endpoint).
    public func prometheusText() -> String {
        metrics.text(uptime: Date().timeIntervalSince(started))
    }

    /// The counters as pretty JSON (the content of `.artifactfs/stats`).
    public func json() -> String {
        let snapshot = counters.withLock { $0 }
        let blocks = BlockCache.shared.counters
        let memory = MemoryBudget.shared.counters
        var operations: [String: Any] = [:]
        for operation in Operation.allCases {
            guard let calls = snapshot.calls[operation] else { continue }
            let buckets = snapshot.latency[operation] ?? []
            operations[operation.rawValue] =
                [
                    "calls": calls, "errors": snapshot.errors[operation] ?? 0,
                    "latency_us": [
                        "p50": Self.percentile(buckets, 0.50), "p90": Self.percentile(buckets, 0.90),
                        "p99": Self.percentile(buckets, 0.99),
                    ],
                ] as [String: Any]
        }
        let body: [String: Any] = [
            "uptime_s": Int(Date().timeIntervalSince(started)),
            "operations": operations,
            "errors": snapshot.errors.values.reduce(0, +),
            "bytes_read": snapshot.bytesRead,
            "bytes_written": snapshot.bytesWritten,
            "cache": ["hits": snapshot.cacheHits, "misses": snapshot.cacheMisses],
            "listing_cache": ["hits": snapshot.listingHits, "misses": snapshot.listingMisses],
            "block_cache": [
                "hits": blocks.hits, "misses": blocks.misses, "evictions": blocks.evictions, "bytes": blocks.bytes,
                "capacity": blocks.capacity,
            ] as [String: Any],
            "disk_cache": blocks.disk.map { disk in
                [
                    "hits": disk.hits, "evictions": disk.evictions, "write_failures": disk.writeFailures,
                    "damaged": disk.damaged, "bytes": disk.bytes, "capacity": disk.capacity,
                ] as [String: Any]
            } ?? NSNull(),
            "uploads": ["completed": snapshot.uploads, "failed": snapshot.failedUploads],
            "memory": [
                "limit": memory.limit == .max ? NSNull() : memory.limit as Any, "in_use": memory.inUse,
                "peak": memory.peak, "refused": memory.refused,
            ] as [String: Any],
        ]
        let data =
            (try? JSONSerialization.data(withJSONObject: body, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The upper bound (µs) of the bucket holding the `fraction` quantile.
    private static func percentile(_ buckets: [UInt64], _ fraction: Double) -> UInt64 {
        let total = buckets.reduce(0, +)
        guard total > 0 else { return 0 }
        let wanted = UInt64((Double(total) * fraction).rounded(.up))
        var seen: UInt64 = 0
        for (index, count) in buckets.enumerated() {
            seen += count
            if seen >= wanted { return UInt64(1) << (index + 1) }
        }
        return UInt64(1) << buckets.count
    }
}
