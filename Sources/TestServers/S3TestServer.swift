import Foundation
import Synchronization

/// A real S3 server on 127.0.0.1 for tests: SeaweedFS (`weed mini`, the primary one) or moto
/// (`moto_server`, a second implementation for dialect differences), on free ports in a fresh
/// temporary folder.
///
/// The server runs as a ``ServerProcess``: stopped by ``stop()``, by `deinit`, at process exit,
/// and — should the test process die — by its watchdog, so no run leaves one behind.
public final class S3TestServer: S3Endpoint, Sendable {
    /// The two implementations.
    public enum Kind: String, Sendable, CaseIterable, CustomStringConvertible {
        case seaweedfs, moto
        public var description: String { rawValue }
    }

    /// Which implementation this is.
    public let kind: Kind
    /// `http://127.0.0.1:PORT`.
    public var endpoint: String { "http://127.0.0.1:\(ports.withLock { $0[kind == .seaweedfs ? 6 : 0] })" }
    /// The access key the server was started with (SeaweedFS enforces it; moto accepts any).
    public let accessKey = "artifactfs-test"
    /// The matching secret key.
    public let secretKey = "artifactfs-test-secret"
    /// The server's data and log folder.
    public let directory: String
    private let ports: Mutex<[Int]>
    private let server = Mutex<ServerProcess?>(nil)

    /// Starts a server of `kind` and creates `buckets`.
    /// - Throws: ``TestServerError`` when the program is missing or does not answer within 60 s.
    public init(_ kind: Kind, buckets: [String] = []) throws {
        self.kind = kind
        directory = try ServerProcess.scratchDirectory("\(kind)")
        ports = Mutex(try FreePorts.take(kind == .seaweedfs ? 11 : 1))
        // A port free a moment ago may be taken before the server binds it: retry on new ports.
        for attempt in 1...3 {
            do {
                try start()
                break
            } catch is TestServerError where attempt < 3 {
                ports.withLock { $0 = (try? FreePorts.take($0.count)) ?? $0 }
            }
        }
        for bucket in buckets { try createBucket(bucket) }
    }

    deinit { stop() }

    /// Starts the server (again, after ``stop()``, on the same ports and data) and waits until it answers.
    /// - Throws: ``TestServerError`` when it does not answer within 60 s.
    public func start() throws {
        let program: String
        var arguments: [String]
        switch kind {
        case .seaweedfs:
            program = "weed"
            let p = ports.withLock { $0 }
            arguments = [
                "mini", "-dir=\(directory)/data", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-admin.ui=false",
                "-webdav=false",
                "-master.port=\(p[0])", "-master.port.grpc=\(p[1])", "-volume.port=\(p[2])",
                "-volume.port.grpc=\(p[3])",
                "-filer.port=\(p[4])", "-filer.port.grpc=\(p[5])", "-s3.port=\(p[6])", "-s3.port.grpc=\(p[7])",
                "-admin.port=\(p[8])", "-admin.port.grpc=\(p[9])", "-s3.port.iceberg=0", "-s3.port.lance=0",
                "-metricsPort=\(p[10])",
            ]
        case .moto:
            program = "moto_server"
            arguments = ["-H", "127.0.0.1", "-p", String(ports.withLock { $0[0] })]
        }
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        // SeaweedFS takes several seconds to stop gracefully; after 3 s it is killed.
        let server = ServerProcess(
            name: kind.rawValue,
            program: try ServerProcess.locate(program),
            arguments: arguments,
            environment: ["AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey],
            log: directory + "/server.log",
            scratch: directory,
            gracePeriod: 3
        )
        try server.start()
        self.server.withLock { $0 = server }
        try waitUntilReady()
    }

    /// Stops the server and waits for it to exit; its data stays for a restart.
    public func stop() {
        server.withLock { state in
            defer { state = nil }
            return state
        }?.stop()
    }

    /// Stops the server and removes its folder.
    public func shutDown() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func waitUntilReady() throws {
        let port = ports.withLock { $0[kind == .seaweedfs ? 6 : 0] }
        guard let server = server.withLock({ $0 }) else { return }
        try server.waitUntil(seconds: 60, endpoint) {
            FreePorts.isListening(port) && (try? runPython("import boto3\nboto3.client('s3').list_buckets()")) != nil
        }
    }
}

/// A test server that could not be started or used.
public struct TestServerError: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    public var description: String { message }
}

/// Free TCP ports on 127.0.0.1, found by binding port 0.
public enum FreePorts {
    /// `count` distinct ports that were free a moment ago, picked at random in 20000–32767: below
    /// the kernel's ephemeral range, so no outgoing connection (of a starting server, say) takes one
    /// before the server binds it.
    /// - Throws: ``TestServerError`` when no free ports are found.
    public static func take(_ count: Int) throws -> [Int] {
        var ports: [Int] = []
        var tries = 0
        while ports.count < count {
            tries += 1
            guard tries < 10_000 else { throw TestServerError(message: "no free ports in 20000-32767") }
            let port = Int.random(in: 20000...32767)
            if !ports.contains(port), isFree(port) { ports.append(port) }
        }
        return ports
    }

    /// True when a socket can bind 127.0.0.1:`port` now.
    static func isFree(_ port: Int) -> Bool {
        onLoopback(port) { bind($0, $1, $2) }
    }

    /// True when something accepts connections on 127.0.0.1:`port`.
    public static func isListening(_ port: Int) -> Bool {
        onLoopback(port) { connect($0, $1, $2) }
    }

    /// Runs a socket call on a new TCP socket with the address 127.0.0.1:`port`; true when it returned 0.
    private static func onLoopback(_ port: Int, _ call: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                call(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
