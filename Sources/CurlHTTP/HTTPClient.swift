import CCurl
import Synchronization

/// How an ``HTTPClient`` connects: TLS checks, timeouts and retries.
public struct HTTPClientConfiguration: Sendable, Hashable {
    /// Check the server's certificate and host name (turn off only for test servers).
    public var verifyTLS: Bool
    /// A PEM file of certificate authorities to trust instead of the system's.
    public var caBundle: String?
    /// Seconds to wait for a connection.
    public var connectTimeout: Int
    /// Seconds a transfer may go without a byte before it counts as timed out.
    public var stallTimeout: Int
    /// When and how often to retry.
    public var retry: RetryPolicy

    /// Describes a configuration; the defaults verify TLS and retry 4 times.
    public init(
        verifyTLS: Bool = true,
        caBundle: String? = nil,
        connectTimeout: Int = 10,
        stallTimeout: Int = 30,
        retry: RetryPolicy = RetryPolicy()
    ) {
        self.verifyTLS = verifyTLS
        self.caBundle = caBundle
        self.connectTimeout = connectTimeout
        self.stallTimeout = stallTimeout
        self.retry = retry
    }
}

/// A blocking HTTP client over libcurl, shared by every HTTP-speaking flavor.
///
/// Thread-safe: each call checks an easy handle out of a pool and returns it afterwards, so
/// connections stay open between requests (keep-alive) and several threads transfer in parallel,
/// each on its own connection. Idempotent requests are retried on transient failures
/// (connection errors, timeouts, 5xx, 429) with exponential backoff and jitter.
public final class HTTPClient: Sendable {
    /// The configuration every request uses.
    public let configuration: HTTPClientConfiguration
    private let idle = Mutex<[EasyHandle]>([])
    private let maxIdle: Int

    /// `curl_global_init`, run once before the first handle is made.
    static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    /// Creates a client that keeps up to `maxIdleConnections` connections open between requests.
    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration(), maxIdleConnections: Int = 32) {
        self.configuration = configuration
        self.maxIdle = maxIdleConnections
    }

    /// Sends a request, retrying it while the failure is transient and the request idempotent.
    ///
    /// A response with any status is returned (the caller interprets 4xx); only when no HTTP answer
    /// arrived after the last attempt is an error thrown. `body` is sent as the request body
    /// (`PUT`/`POST`); the response body is collected or written into the caller's buffer.
    /// - Throws: ``HTTPTransportError`` naming the URL and the number of attempts.
    public func send(
        _ request: HTTPRequest,
        body: UnsafeRawBufferPointer? = nil,
        response: ResponseBody = .collect
    ) throws -> HTTPResponse {
        let attempts = request.idempotent ? configuration.retry.maxAttempts : 1
        var attempt = 1
        while true {
            let handle = checkOut()
            do {
                let result = try handle.perform(request, body: body, response: response, settings: configuration)
                checkIn(handle)
                if attempt < attempts, RetryPolicy.isRetryable(status: result.status) {
                    configuration.retry.backoff(
                        before: attempt,
                        serverDelay: RetryPolicy.serverDelay(retryAfter: result.header("retry-after"))
                    )
                    attempt += 1
                    continue
                }
                return result
            } catch var error as HTTPTransportError {
                // A handle whose transfer broke may hold a dead connection; let it go.
                if attempt < attempts, error.isTransient {
                    configuration.retry.backoff(before: attempt)
                    attempt += 1
                    continue
                }
                error.attempts = attempt
                throw error
            }
        }
    }

    private func checkOut() -> EasyHandle {
        idle.withLock { $0.popLast() } ?? EasyHandle()
    }

    private func checkIn(_ handle: EasyHandle) {
        idle.withLock { idle in
            if idle.count < maxIdle { idle.append(handle) }
        }
    }
}
