import Prometheus

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
    private let uploads: Counter
    private let failedUploads: Counter
    private let uptime: Gauge

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
                name: "artifactfs_operations_total",
                labels: [("operation", $0.rawValue)],
                help: "File-system operations served, by kind."
            )
        }
        errors = byOperation {
            registry.makeCounter(
                name: "artifactfs_operation_errors_total",
                labels: [("operation", $0.rawValue)],
                help: "Operations answered with an error, by kind."
            )
        }
        latency = byOperation {
            registry.makeDurationHistogram(
                name: "artifactfs_operation_duration_seconds",
                labels: [("operation", $0.rawValue)],
                buckets: Self.buckets,
                help: "Time to serve an operation, by kind."
            )
        }
        bytesRead = registry.makeCounter(name: "artifactfs_read_bytes_total", help: "Bytes read through the mount.")
        bytesWritten = registry.makeCounter(
            name: "artifactfs_written_bytes_total",
            help: "Bytes written through the mount."
        )
        cacheHits = registry.makeCounter(
            name: "artifactfs_attribute_cache_hits_total",
            help: "Attribute lookups answered from the cache."
        )
        cacheMisses = registry.makeCounter(
            name: "artifactfs_attribute_cache_misses_total",
            help: "Attribute lookups that asked the store."
        )
        uploads = registry.makeCounter(
            name: "artifactfs_uploads_total",
            labels: [("outcome", "completed")],
            help: "Files published to the store at close, by outcome."
        )
        failedUploads = registry.makeCounter(
            name: "artifactfs_uploads_total",
            labels: [("outcome", "failed")],
            help: "Files published to the store at close, by outcome."
        )
        uptime = registry.makeGauge(name: "artifactfs_uptime_seconds", help: "Seconds since the mount started.")
    }

    func record(_ operation: MountStats.Operation, nanoseconds: UInt64, failed: Bool) {
        calls[operation]?.increment()
        if failed { errors[operation]?.increment() }
        latency[operation]?.recordNanoseconds(Int64(clamping: nanoseconds))
    }

    func addBytesRead(_ count: Int) { bytesRead.increment(by: Int64(count)) }
    func addBytesWritten(_ count: Int) { bytesWritten.increment(by: Int64(count)) }
    func cacheLookup(hit: Bool) { (hit ? cacheHits : cacheMisses).increment() }
    func upload(failed: Bool) { (failed ? failedUploads : uploads).increment() }

    /// The metrics in Prometheus's text exposition format (version 0.0.4).
    func text(uptime seconds: Double) -> String {
        uptime.set(to: seconds)
        return registry.emitToString()
    }
}
