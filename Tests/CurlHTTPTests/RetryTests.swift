import CurlHTTP
import Foundation
import Testing

/// A real HTTP server on 127.0.0.1 (Python's http.server) that answers the first `failures`
/// requests with `status` and an S3 `SlowDown` document (and `Retry-After: retryAfter` when given),
/// then 200 — a fault injector for retries.
final class FlakyServer {
    let port: Int
    private let process = Process()
    private let output = Pipe()

    init(failures: Int, status: Int, retryAfter: String = "") throws {
        let script = """
            import http.server, sys
            failures, status, retry_after, seen = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], [0]
            class Handler(http.server.BaseHTTPRequestHandler):
                protocol_version = 'HTTP/1.1'
                def answer(self):
                    length = int(self.headers.get('Content-Length') or 0)
                    if length: self.rfile.read(length)
                    seen[0] += 1
                    if self.path == '/count':
                        body = str(seen[0] - 1).encode()
                        self.send_response(200)
                    elif seen[0] <= failures:
                        body = b'<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'
                        self.send_response(status)
                        if retry_after: self.send_header('Retry-After', retry_after)
                    else:
                        body = b'ok'
                        self.send_response(200)
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                do_GET = do_PUT = do_POST = answer
                def log_message(self, *args): pass
            server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, String(failures), String(status), retryAfter]
        process.standardOutput = output
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(process.processIdentifier, SIGKILL)
            throw CancellationError()
        }
        self.port = port
    }

    deinit {
        // SIGKILL: the child may inherit a signal mask that blocks SIGTERM from the test's threads.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    var url: String { "http://127.0.0.1:\(port)/object" }

    /// How many requests (other than this one) the server answered.
    func requestCount(_ client: HTTPClient) throws -> Int {
        Int(
            String(
                decoding: try client.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/count")).body,
                as: UTF8.self
            )
        ) ?? -1
    }
}

@Suite("HTTPClient retries against a flaky server")
struct RetryTests {
    let quick = RetryPolicy(maxAttempts: 4, baseDelay: 0.01, maxDelay: 0.05)

    @Test(arguments: [503, 500, 429])
    func transientStatusesAreRetriedUntilSuccess(_ status: Int) throws {
        let server = try FlakyServer(failures: 2, status: status)
        let client = HTTPClient(configuration: HTTPClientConfiguration(retry: quick))
        let response = try client.send(HTTPRequest(method: "GET", url: server.url))
        #expect(response.status == 200)
        #expect(response.body == Array("ok".utf8))
        #expect(try server.requestCount(client) == 3)
    }

    @Test func retriesAreBounded() throws {
        let server = try FlakyServer(failures: 10, status: 503)
        let client = HTTPClient(configuration: HTTPClientConfiguration(retry: quick))
        let response = try client.send(
            HTTPRequest(method: "PUT", url: server.url),
            body: UnsafeRawBufferPointer(start: nil, count: 0)
        )
        #expect(response.status == 503)
        #expect(try server.requestCount(client) == 4)
    }

    @Test func requestsThatAreNotSafeToRepeatAreSentOnce() throws {
        let server = try FlakyServer(failures: 1, status: 503)
        let client = HTTPClient(configuration: HTTPClientConfiguration(retry: quick))
        let response = try client.send(HTTPRequest(method: "POST", url: server.url, idempotent: false))
        #expect(response.status == 503)
        #expect(try server.requestCount(client) == 1)
    }

    /// A server's `Retry-After` is waited for, up to the policy's largest delay and no longer.
    @Test func retryAfterIsHonouredWithinTheLargestDelay() throws {
        let server = try FlakyServer(failures: 2, status: 503, retryAfter: "1")
        let patient = HTTPClient(
            configuration: HTTPClientConfiguration(retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.001, maxDelay: 5))
        )
        var started = Date()
        #expect(try patient.send(HTTPRequest(method: "GET", url: server.url)).status == 200)
        #expect(Date().timeIntervalSince(started) >= 2, "the client did not wait the seconds Retry-After asked for")
        let capped = HTTPClient(
            configuration: HTTPClientConfiguration(retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.001, maxDelay: 0.1))
        )
        let again = try FlakyServer(failures: 1, status: 503, retryAfter: "30")
        started = Date()
        #expect(try capped.send(HTTPRequest(method: "GET", url: again.url)).status == 200)
        #expect(Date().timeIntervalSince(started) < 5, "a Retry-After beyond the largest delay was waited for")
    }

    @Test func retryAfterTakesSecondsOrAnHTTPDate() {
        #expect(RetryPolicy.serverDelay(retryAfter: "2") == 2)
        #expect(RetryPolicy.serverDelay(retryAfter: nil) == nil)
        #expect(RetryPolicy.serverDelay(retryAfter: "soon") == nil)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let inAMinute = RetryPolicy.serverDelay(retryAfter: formatter.string(from: Date().addingTimeInterval(60)))
        #expect(inAMinute.map { (55...60).contains($0) } == true, "\(String(describing: inAMinute))")
    }

    @Test func clientErrorsAreNotRetried() throws {
        let server = try FlakyServer(failures: 1, status: 404)
        let client = HTTPClient(configuration: HTTPClientConfiguration(retry: quick))
        #expect(try client.send(HTTPRequest(method: "GET", url: server.url)).status == 404)
        #expect(try server.requestCount(client) == 1)
    }
}
