import CurlHTTP
import StackModel

/// The transfer settings every object-store flavor (`s3`, `gcp`, `azure`) takes, with the same
/// field names, defaults and checks: one place for what the three configs would otherwise each repeat.
public struct TransferSettings: Sendable {
    /// Bytes per uploaded part (chunk, block) and per read-ahead block.
    public var partSize: Int
    /// Parallel transfers per file or tree.
    public var concurrency: Int
    /// TLS and retries.
    public var http: HTTPClientConfiguration

    /// The default number of parallel transfers.
    public static let defaultConcurrency = 8
    /// The default number of attempts per request.
    public static let defaultMaxAttempts = 5

    /// Reads `part_size`, `concurrency`, `verify_tls`, `ca_bundle` and `max_attempts` from a
    /// validated config; `partSizeProblem` returns what the protocol requires of a part size it refuses.
    /// - Throws: ``StackModel/StackError`` naming `part_size` and the requirement it breaks.
    public init(config: ComponentConfig, defaultPartSize: Int, partSizeProblem: (Int) -> String?) throws {
        partSize = config["part_size"]?.integerValue ?? defaultPartSize
        if let problem = partSizeProblem(partSize) {
            throw StackError(.invalidConfig, "field 'part_size' must be \(problem), got \(partSize)")
        }
        concurrency = max(1, config["concurrency"]?.integerValue ?? Self.defaultConcurrency)
        var verify = true
        if case .boolean(let flag)? = config["verify_tls"] { verify = flag }
        http = HTTPClientConfiguration(
            verifyTLS: verify,
            caBundle: config.text("ca_bundle"),
            retry: RetryPolicy(maxAttempts: config["max_attempts"]?.integerValue ?? Self.defaultMaxAttempts)
        )
    }

    /// The schema fields these settings are read from, for a flavor's ``StackModel/ConfigSchema``.
    public static func fields(
        defaultPartSize: Int,
        partSizeHelp: String,
        concurrencyHelp: String = "parallel transfers per file or tree"
    ) -> [ConfigField] {
        [
            ConfigField("verify_tls", .boolean, default: .boolean(true), help: "check the server's TLS certificate"),
            ConfigField("ca_bundle", .string, help: "PEM file of certificate authorities to trust"),
            ConfigField("part_size", .integer, default: .integer(defaultPartSize), help: partSizeHelp),
            ConfigField("concurrency", .integer, default: .integer(defaultConcurrency), help: concurrencyHelp),
            ConfigField(
                "max_attempts",
                .integer,
                default: .integer(defaultMaxAttempts),
                help: "attempts per request on transient failures (1: no retry)"
            ),
        ]
    }
}

extension Dictionary where Key == String, Value == String {
    /// The environment variable `name`, nil when unset or empty (as the official clients treat an empty one).
    public func variable(_ name: String) -> String? {
        guard let value = self[name], !value.isEmpty else { return nil }
        return value
    }
}
