import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Bounded retries with exponential backoff and full jitter, as the AWS SDKs and mountpoint-s3 do:
/// attempt `n` waits a random time up to `min(maxDelay, baseDelay * 2^n)`.
///
/// Only idempotent requests are retried (``HTTPRequest/idempotent``), on the transient failures
/// ``HTTPTransportError/isTransient`` names and the statuses ``isRetryable(status:)`` names, waiting
/// at least what a `Retry-After` asks (up to ``maxDelay``). Within
/// one attempt libcurl itself may send an idempotent request a second time, at once, when the
/// kept-alive connection it reused turns out closed before any answer byte (a server closing idle
/// connections races the request), so a server sees at most `2 × maxAttempts` copies. A request
/// that is not idempotent always goes on a fresh connection and is sent exactly once.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included; 1 means no retry.
    public var maxAttempts: Int
    /// The backoff cap of the first retry, in seconds.
    public var baseDelay: Double
    /// The largest wait between two attempts, in seconds.
    public var maxDelay: Double

    /// Describes a policy; the defaults retry 4 times within about 6 seconds.
    public init(maxAttempts: Int = 5, baseDelay: Double = 0.1, maxDelay: Double = 3) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The wait a `Retry-After` value asks for, in seconds: delta-seconds, or an HTTP date from now.
    public static func serverDelay(retryAfter value: String?) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return seconds }
        return HTTPDates.parseHTTP(value).map { max(0, $0.timeIntervalSinceNow) }
    }

    /// True for statuses that say "try again": 5xx (SlowDown is a 503), 408 and 429.
    public static func isRetryable(status: Int) -> Bool {
        status >= 500 || status == 429 || status == 408
    }

    /// Sleeps before retry number `retry` (1 for the first retry); at least `serverDelay` seconds
    /// when the server asked for a wait (`Retry-After`), but never longer than ``maxDelay``, so the
    /// documented bound on a request's time holds whatever the server says.
    public func backoff(before retry: Int, serverDelay: Double? = nil) {
        let cap = min(maxDelay, baseDelay * Double(1 << min(retry - 1, 20)))
        let seconds = max(Double.random(in: 0...cap), min(serverDelay ?? 0, maxDelay))
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1, errno == EINTR { request = remaining }
    }
}
