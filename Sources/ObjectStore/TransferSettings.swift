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

    /// What a flavor's protocol allows as a part size, and the default.
    public struct PartSize: Sendable {
        /// The part size when the config gives none.
        public var defaultValue: Int
        /// The smallest part the service takes (bytes).
        public var minimum: Int
        /// The largest part the service takes (bytes), if it has a limit.
        public var maximum: Int?
        /// Parts must be a multiple of this (bytes), if the service says so.
        public var multiple: Int?

        /// A part-size rule.
        public init(default defaultValue: Int, minimum: Int, maximum: Int? = nil, multiple: Int? = nil) {
            self.defaultValue = defaultValue
            self.minimum = minimum
            self.maximum = maximum
            self.multiple = multiple
        }
    }

    /// Reads `part_size`, `concurrency`, `verify_tls`, `ca_bundle` and `max_attempts` from a
    /// config whose rules were checked (``StackModel/ConfigSchema/checkRules(_:flavor:)``).
    public init(config: ComponentConfig, partSize rule: PartSize) {
        partSize = config["part_size"]?.integerValue ?? rule.defaultValue
        concurrency = config["concurrency"]?.integerValue ?? Self.defaultConcurrency
        var verify = true
        if case .boolean(let flag)? = config["verify_tls"] { verify = flag }
        http = HTTPClientConfiguration(
            verifyTLS: verify,
            caBundle: config.text("ca_bundle"),
            retry: RetryPolicy(maxAttempts: config["max_attempts"]?.integerValue ?? Self.defaultMaxAttempts)
        )
    }

    /// The schema fields these settings are read from, with their rules, for a flavor's
    /// ``StackModel/ConfigSchema``.
    public static func fields(
        partSize rule: PartSize,
        partSizeHelp: String,
        concurrencyHelp: String = "parallel transfers per file or tree"
    ) -> [ConfigField] {
        var partSize = ConfigField("part_size", .integer, default: .integer(rule.defaultValue), help: partSizeHelp)
            .range(Double(rule.minimum), rule.maximum.map(Double.init))
        if let multiple = rule.multiple { partSize = partSize.multiple(of: multiple) }
        return [
            ConfigField("verify_tls", .boolean, default: .boolean(true), help: "check the server's TLS certificate"),
            ConfigField("ca_bundle", .string, help: "PEM file of certificate authorities to trust (read when used)"),
            partSize,
            ConfigField("concurrency", .integer, default: .integer(defaultConcurrency), help: concurrencyHelp)
                .range(1, 256),
            ConfigField(
                "max_attempts",
                .integer,
                default: .integer(defaultMaxAttempts),
                help: "attempts per request on transient failures (1: no retry)"
            )
            .range(1, 20),
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
