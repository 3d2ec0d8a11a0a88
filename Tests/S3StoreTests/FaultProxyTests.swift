import CurlHTTP
import FileIO
import Foundation
import ObjectStore
import S3Store
import Synchronization
import TestServers
import Testing

/// The fault proxy itself: what passes through arrives unchanged, rules hit what they say, and
/// stopping it ends every connection and thread, a stall included.
@Suite("fault proxy")
struct FaultProxyTests {
    @Test func aStoreWorksThroughTheProxyUnchangedOverKeptAliveConnections() throws {
        let server = try SharedServers.server(.seaweedfs)
        let proxy = try FaultProxy(upstream: server.endpoint)
        defer { proxy.stop() }
        let prefix = SharedServers.uniquePrefix("proxied")
        let root = "s3://\(SharedServers.bucket)/\(prefix)"
        var configuration = SharedServers.configuration(
            for: server,
            root: "s3://\(SharedServers.bucket)",
            partSize: 5 << 20
        )
        configuration.endpoint = proxy.endpoint
        let store = try S3ArtifactStore(configuration: configuration)
        let large = (0..<(11 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 9) }
        try store.write(root + "/large.bin", contents: large)
        for name in ["a", "b", "c"] { try store.write(root + "/dir/" + name, contents: Array(name.utf8)) }
        #expect(try store.read(root + "/large.bin") == large)
        #expect(try store.listdir(root + "/dir") == ["a", "b", "c"])
        try store.rmtree(root)
        #expect(proxy.injected.isEmpty)
        #expect(
            proxy.events.allSatisfy { $0.status.map { (200..<300).contains($0) || $0 == 404 } == true },
            "\(proxy.log)"
        )
        #expect(
            proxy.connectionsAccepted < proxy.events.count / 2,
            "connections are kept alive: \(proxy.connectionsAccepted) for \(proxy.events.count) requests"
        )
    }

    @Test func chunkedBodiesBothWaysPassOnOneConnection() throws {
        let echo = try ChunkedEchoServer()
        defer { echo.stop() }
        let proxy = try FaultProxy(upstream: "http://127.0.0.1:\(echo.port)")
        defer { proxy.stop() }
        let output = try ServerProcess.run(
            "/usr/bin/env",
            [
                "timeout", "60", "python3", "-c",
                """
                import http.client, hashlib, sys
                connection = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]))
                for size in (0, 1, 70000, 300001):
                    body = bytes((i * 7) % 251 for i in range(size))
                    connection.request('POST', '/echo', body=iter([body[:size // 2], body[size // 2:]]), encode_chunked=True)
                    answer = connection.getresponse()
                    echoed = answer.read()
                    print(size, answer.status, echoed == body)
                """,
                String(proxy.port),
            ],
            environment: [:]
        )
        #expect(output == "0 200 True\n1 200 True\n70000 200 True\n300001 200 True\n")
        #expect(proxy.connectionsAccepted == 1)
        #expect(proxy.events.map(\.status) == [200, 200, 200, 200])
    }

    @Test func rulesHitTheOccurrencesTheyNameAndRatesRepeatForASeed() throws {
        let echo = try ChunkedEchoServer()
        defer { echo.stop() }
        let client = HTTPClient(configuration: HTTPClientConfiguration(retry: RetryPolicy(maxAttempts: 1)))
        func statuses(_ rules: [FaultRule], seed: UInt64) throws -> [Int] {
            let proxy = try FaultProxy(upstream: "http://127.0.0.1:\(echo.port)", rules: rules, seed: seed)
            defer { proxy.stop() }
            return try (0..<20).map { index in
                try client.send(HTTPRequest(method: "GET", url: "\(proxy.endpoint)/item/\(index)?part=\(index)")).status
            }
        }
        let second = try statuses([.nth(2, RequestMatch(queryHas: ["part"]), .slowDown)], seed: 0)
        #expect(second == [200, 503] + Array(repeating: 200, count: 18))
        let rated = FaultRule(.internalError, on: RequestMatch(method: "GET"), schedule: .rate(0.3), limit: 4)
        let first = try statuses([rated], seed: 42)
        #expect(first.filter { $0 == 500 }.count == 4)
        #expect(try statuses([rated], seed: 42) == first)
    }

    @Test func stopEndsAStallAndEveryConnection() throws {
        let echo = try ChunkedEchoServer()
        defer { echo.stop() }
        let proxy = try FaultProxy(
            upstream: "http://127.0.0.1:\(echo.port)",
            rules: [.every(RequestMatch(), .stall(seconds: 60))]
        )
        let client = HTTPClient(
            configuration: HTTPClientConfiguration(stallTimeout: 120, retry: RetryPolicy(maxAttempts: 1))
        )
        let outcome = Mutex<Result<Int, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let url = proxy.endpoint + "/stalled"
        Thread.detachNewThread {
            outcome.withLock { $0 = Result { try client.send(HTTPRequest(method: "GET", url: url)).status } }
            done.signal()
        }
        while proxy.events.isEmpty { usleep(10_000) }
        let started = Date()
        proxy.stop()
        #expect(Date().timeIntervalSince(started) < 10, "stop waited for the stall")
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(throws: HTTPTransportError.self) { try outcome.withLock { $0 }?.get() }
        #expect(!FreePorts.isListening(proxy.port))
    }
}

/// A Python HTTP/1.1 server on 127.0.0.1 that answers every request with its body (chunked or
/// not), chunked, in pieces: something whose framing the proxy must carry intact.
final class ChunkedEchoServer {
    let port: Int
    private let process = Process()
    private let output = Pipe()

    init() throws {
        let script = """
            import http.server
            class Handler(http.server.BaseHTTPRequestHandler):
                protocol_version = 'HTTP/1.1'
                def answer(self):
                    if 'chunked' in (self.headers.get('Transfer-Encoding') or ''):
                        body = b''
                        while True:
                            size = int(self.rfile.readline().split(b';')[0], 16)
                            if size == 0:
                                while self.rfile.readline() not in (b'\\r\\n', b''): pass
                                break
                            body += self.rfile.read(size + 2)[:size]
                    else:
                        body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                    self.send_response(200)
                    self.send_header('Transfer-Encoding', 'chunked')
                    self.end_headers()
                    for start in range(0, len(body), 65536):
                        piece = body[start:start + 65536]
                        self.wfile.write(b'%x\\r\\n' % len(piece) + piece + b'\\r\\n')
                    self.wfile.write(b'0\\r\\n\\r\\n')
                do_GET = do_PUT = do_POST = answer
                def log_message(self, *args): pass
            server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
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

    deinit { stop() }

    /// Kills the server and waits for it; also what keeps it alive until a test's `defer`.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
