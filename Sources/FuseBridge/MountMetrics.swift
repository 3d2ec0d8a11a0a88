import FileIO
import Prometheus
import Synchronization

/// The mount's live statistics as Prometheus metrics (swift-prometheus formats the text): what
/// `.artifactfs/metrics` and the `--metrics-address` endpoint serve, for a scraper watching many
/// mounts at once.
final class MountMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let calls: [MountStats.Operation: Counter]
    private let errors: [MountStats.Operation: Counter]
    private let latency: [MountStats.Operation: DurationHistogram]
    private let bytesRead: Counter
    private let bytesWritten: Counter
    private let cacheHits: Counter
    private let cacheMisses: Counter
    private let listingHits: Counter
    private let listingMisses: Counter
    private let blockHits: Counter
    private let blockMisses: Counter
    private let blockEvictions: Counter
    private let blockBytes: Gauge
    private let diskHits: Counter
    private let diskEvictions: Counter
    private let diskWriteFailures: Counter
    private let diskBytes: Gauge
    /// The counters kept outside the registry as last emitted: each scrape adds what changed since.
    private let emitted = Mutex(Emitted())
    private let memoryInUse: Gauge
    private let memoryPeak: Gauge
    private let memoryRefused: Counter
    private let uploads: Counter
    private let failedUploads: Counter
    private let uptime: Gauge

    /// The descriptor of the metric `artifactfs_NAME_UNIT` (`artifactfs_read_bytes_total`), with its help line.
    static func named(_ name: String, unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "artifactfs", metricName: name, unitName: unit, helpText: help)
    }

    /// Latency buckets from 50 µs (a cached getattr) to 10 s (a large upload at close).
    static let buckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        .seconds(10),
    ]

    init() {
        let registry = registry
        func byOperation<Metric>(_ make: (MountStats.Operation) -> Metric) -> [MountStats.Operation: Metric] {
            Dictionary(uniqueKeysWithValues: MountStats.Operation.allCases.map { ($0, make($0)) })
        }
        calls = byOperation {
            registry.makeCounter(
                descriptor: Self.named("operations", unit: "total", "File-system operations served, by kind."),
                labels: [("operation", $0.rawValue)]
            )
        }
        errors = byOperation {
            registry.makeCounter(
                descriptor: Self.named(
                    "operation_errors",
                    unit: "total",
                    "Operations answered with an error, by kind."
                ),
                labels: [("operation", $0.rawValue)]
            )
        }
        latency = byOperation {
            registry.makeDurationHistogram(
                descriptor: Self.named("operation_duration", unit: "seconds", "Time to serve an operation, by kind."),
                labels: [("operation", $0.rawValue)],
                buckets: Self.buckets
            )
        }
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: Self.named(name, unit: "total", help))
        }
        bytesRead = counter("read_bytes", "Bytes read through the mount.")
        bytesWritten = counter("written_bytes", "Bytes written through the mount.")
        cacheHits = counter("attribute_cache_hits", "Attribute lookups answered from the cache.")
        cacheMisses = counter("attribute_cache_misses", "Attribute lookups that asked the store.")
        listingHits = counter("listing_cache_hits", "Folder listings answered from the cache.")
        listingMisses = counter("listing_cache_misses", "Folder listings that asked the store.")
        blockHits = counter("block_cache_hits", "Reads answered from the block cache.")
        blockMisses = counter("block_cache_misses", "Reads that fetched from the store.")
        blockEvictions = counter("block_cache_evictions", "Blocks dropped to stay under the capacity.")
        blockBytes = registry.makeGauge(
            descriptor: Self.named("block_cache", unit: "bytes", "Bytes the block cache holds.")
        )
        diskHits = counter("disk_cache_hits", "Blocks read from the disk cache (--cache-dir).")
        diskEvictions = counter("disk_cache_evictions", "Blocks dropped from the disk cache to stay under its size.")
        diskWriteFailures = counter(
            "disk_cache_write_failures",
            "Blocks the disk cache could not write (a full disk) and did not keep."
        )
        diskBytes = registry.makeGauge(
            descriptor: Self.named("disk_cache", unit: "bytes", "Bytes of block files the disk cache holds.")
        )
        memoryInUse = registry.makeGauge(
            descriptor: Self.named("memory_in_use", unit: "bytes", "Bytes reads ahead and uploads in flight hold now.")
        )
        memoryPeak = registry.makeGauge(
            descriptor: Self.named("memory_peak", unit: "bytes", "The most bytes reads ahead and uploads held at once.")
        )
        memoryRefused = counter(
            "memory_refused",
            "Blocks not read ahead and parts slowed to stay under --memory-limit."
        )
        uploads = registry.makeCounter(
            descriptor: Self.named("uploads", unit: "total", "Files published to the store at close, by outcome."),
            labels: [("outcome", "completed")]
        )
        failedUploads = registry.makeCounter(
            descriptor: Self.named("uploads", unit: "total", "Files published to the store at close, by outcome."),
            labels: [("outcome", "failed")]
        )
        uptime = registry.makeGauge(
            descriptor: Self.named("uptime", unit: "seconds", "Seconds since the mount started.")
        )
    }

    func record(_ operation: MountStats.Operation, nanoseconds: UInt64, failed: Bool) {
        calls[operation]?.increment()
        if failed { errors[operation]?.increment() }
        latency[operation]?.recordNanoseconds(Int64(clamping: nanoseconds))
    }

    func addBytesRead(_ count: Int) { bytesRead.increment(by: Int64(count)) }
    func addBytesWritten(_ count: Int) { bytesWritten.increment(by: Int64(count)) }
    func cacheLookup(hit: Bool) { (hit ? cacheHits : cacheMisses).increment() }
    func listingLookup(hit: Bool) { (hit ? listingHits : listingMisses).increment() }
    func upload(failed: Bool) { (failed ? failedUploads : uploads).increment() }

    /// The metrics in Prometheus's text exposition format (version 0.0.4).
    func text(uptime seconds: Double) -> String {
        uptime.set(to: seconds)
        // Taken under the lock, so two scrapes at once never count a change twice or backwards.
        let (now, last) = emitted.withLock { last in
            let now = Emitted(blocks: BlockCache.shared.counters, memory: MemoryBudget.shared.counters)
            defer { last = now }
            return (now, last)
        }
        let blocks = now.blocks
        blockHits.increment(by: Int64(blocks.hits - last.blocks.hits))
        blockMisses.increment(by: Int64(blocks.misses - last.blocks.misses))
        blockEvictions.increment(by: Int64(blocks.evictions - last.blocks.evictions))
        blockBytes.set(to: Double(blocks.bytes))
        if let disk = blocks.disk {
            let before = last.blocks.disk ?? DiskBlockCache.Counters()
            diskHits.increment(by: Int64(disk.hits - before.hits))
            diskEvictions.increment(by: Int64(disk.evictions - before.evictions))
            diskWriteFailures.increment(by: Int64(disk.writeFailures - before.writeFailures))
            diskBytes.set(to: Double(disk.bytes))
        }
        memoryInUse.set(to: Double(now.memory.inUse))
        memoryPeak.set(to: Double(now.memory.peak))
        memoryRefused.increment(by: Int64(now.memory.refused - min(last.memory.refused, now.memory.refused)))
        return registry.emitToString()
    }

    /// What the block cache and the memory budget had counted at the last scrape.
    private struct Emitted {
        var blocks = BlockCache.Counters()
        var memory = MemoryBudget.Counters()
    }
}
