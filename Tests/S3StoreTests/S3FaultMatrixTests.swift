import CurlHTTP
import FileIO
import Foundation
import ObjectStore
import S3Store
import TestServers
import Testing

/// The s3 store under faults, on SeaweedFS through a ``FaultProxy``: every operation under every
/// fault, once and on every attempt. Each either succeeds after retries or fails with an
/// ``ArtifactStoreError`` naming the path; either way the store then holds the old object or the
/// whole new one (compared by SHA-256, read without the proxy), and the requests the proxy saw stay
/// within the configured attempts.
@Suite("s3 store under injected faults (SeaweedFS)")
struct S3FaultMatrixTests {
    /// Attempts per request: one try and two retries.
    static let attempts = 3
    /// Client settings that make a stall fail fast: 1 s without a byte is a timeout.
    static let http = HTTPClientConfiguration(
        connectTimeout: 2,
        stallTimeout: 1,
        retry: RetryPolicy(maxAttempts: attempts, baseDelay: 0.01, maxDelay: 0.05)
    )
    static let partSize = 5 << 20

    static let old = pattern(64 << 10, seed: 1)
    static let new = pattern(96 << 10, seed: 2)
    static let large = pattern(2 * partSize + (1 << 20), seed: 3)
    static let data = pattern(1 << 20, seed: 4)
    static let readOffset = 512 << 10
    static let readCount = 64 << 10
    static let tree = [
        "x.bin": pattern(1000, seed: 5), "y.bin": pattern(2000, seed: 6), "sub/z.bin": pattern(3000, seed: 7),
    ]

    @Test(arguments: S3FaultCase.all)
    func operationUnderFault(_ cell: S3FaultCase) throws {
        let server = try SharedServers.server(.seaweedfs)
        let prefix = SharedServers.uniquePrefix("fault")
        let root = "s3://\(SharedServers.bucket)/\(prefix)"
        let clean = try store(endpoint: server.endpoint, server: server)
        try prepare(cell.target.operation, clean, root)
        defer { try? clean.rmtree(root) }

        let proxy = try FaultProxy(upstream: server.endpoint, rules: [cell.rule])
        defer { proxy.stop() }
        let faulty = try store(endpoint: proxy.endpoint, server: server)
        let outcome = Result { try run(cell.target.operation, faulty, root) }
        proxy.stop()
        let log = "\(cell.testDescription)\n\(proxy.log)"
        func because(_ what: String) -> Comment { "\(what)\n\(log)" }

        #expect(!proxy.injected.isEmpty, because("the fault hit no request"))
        switch outcome {
        case .success:
            if cell.persistent && cell.reachesClient {
                Issue.record(because("succeeded although every attempt met the fault"))
            }
        case .failure(let error):
            if !cell.persistent && cell.target.retried {
                Issue.record(because("a single transient fault was not retried away: \(error)"))
            }
            let storeError = error as? ArtifactStoreError
            #expect(storeError != nil, because("not a typed error: \(error)"))
            if let storeError {
                #expect(
                    paths(cell.target.operation, root).contains(storeError.path),
                    because("names no path of the operation: \(storeError)")
                )
            }
        }
        // Each request gets the configured attempts; libcurl may send an idempotent one twice
        // within an attempt (see RetryPolicy). One that is not idempotent goes exactly once.
        let attempts = proxy.requests(matching: cell.target.match).count
        let budget = Self.attempts * 2 * (cell.target.requests + cell.target.occurrence - 1)
        #expect(attempts <= budget, because("retried beyond the attempts"))
        if !cell.target.retried, cell.reachesClient {
            #expect(attempts == cell.target.occurrence, because("a request that is not idempotent was sent again"))
        }
        if cell.persistent, cell.reachesClient, cell.target.retried {
            #expect(
                attempts >= Self.attempts + cell.target.occurrence - 1,
                because("gave up before the attempts ran out")
            )
        }
        try verify(
            cell.target.operation,
            clean,
            root,
            succeeded: (try? outcome.get()) != nil,
            result: try? outcome.get(),
            because
        )
    }

    // MARK: - Operations

    private func prepare(_ operation: S3FaultTarget.Operation, _ store: S3ArtifactStore, _ root: String) throws {
        switch operation {
        case .put: try store.write(root + "/obj.bin", contents: Self.old)
        case .multipart: try store.write(root + "/big.bin", contents: Self.old)
        case .rangedRead: try store.write(root + "/data.bin", contents: Self.data)
        case .listing:
            for name in ["a", "b", "c"] { try store.write(root + "/dir/" + name, contents: Array(name.utf8)) }
        case .copy, .rename:
            try store.write(root + "/src.bin", contents: Self.new)
            try store.write(root + "/dst.bin", contents: Self.old)
        case .rmtree:
            for (name, contents) in Self.tree { try store.write(root + "/tree/" + name, contents: contents) }
        }
    }

    /// Runs the operation; returns the bytes or names it read.
    private func run(_ operation: S3FaultTarget.Operation, _ store: S3ArtifactStore, _ root: String) throws -> [String]
    {
        switch operation {
        case .put:
            try store.write(root + "/obj.bin", contents: Self.new)
        case .multipart:
            let writer = try store.open(root + "/big.bin", mode: .write)
            try writer.write(Self.large)
            try writer.close()
        case .rangedRead:
            let reader = try store.open(root + "/data.bin", mode: .read)
            let bytes = try reader.read(at: UInt64(Self.readOffset), count: Self.readCount)
            try reader.close()
            return [sha256Hex(bytes)]
        case .listing:
            return try store.scandir(root + "/dir").map(\.name).sorted()
        case .copy:
            try store.copyfile(root + "/src.bin", root + "/dst.bin", overwrite: true)
        case .rename:
            try store.rename(root + "/src.bin", root + "/dst.bin", overwrite: true)
        case .rmtree:
            try store.rmtree(root + "/tree")
        }
        return []
    }

    /// The paths an operation's errors may name.
    private func paths(_ operation: S3FaultTarget.Operation, _ root: String) -> [String] {
        switch operation {
        case .put: [root + "/obj.bin"]
        case .multipart: [root + "/big.bin"]
        case .rangedRead: [root + "/data.bin"]
        case .listing: [root + "/dir"]
        case .copy, .rename: [root + "/src.bin", root + "/dst.bin"]
        case .rmtree: [root + "/tree"]
        }
    }

    /// Checks what the store holds, without the proxy: the old object or the whole new one.
    private func verify(
        _ operation: S3FaultTarget.Operation,
        _ store: S3ArtifactStore,
        _ root: String,
        succeeded: Bool,
        result: [String]?,
        _ because: (String) -> Comment
    ) throws {
        switch operation {
        case .put, .multipart:
            let path = root + (operation == .put ? "/obj.bin" : "/big.bin")
            let written = operation == .put ? Self.new : Self.large
            let held = sha256Hex(try store.read(path))
            #expect(
                [sha256Hex(Self.old), sha256Hex(written)].contains(held),
                because("neither the old nor the new object")
            )
            if succeeded { #expect(held == sha256Hex(written), because("acknowledged, yet the old object is there")) }
        case .rangedRead:
            let slice = Array(Self.data[Self.readOffset..<Self.readOffset + Self.readCount])
            if succeeded { #expect(result == [sha256Hex(slice)], because("the read returned wrong bytes")) }
            #expect(
                sha256Hex(try store.read(root + "/data.bin")) == sha256Hex(Self.data),
                because("the object changed")
            )
        case .listing:
            if succeeded { #expect(result == ["a", "b", "c"], because("the listing is wrong")) }
        case .copy, .rename:
            let destination = sha256Hex(try store.read(root + "/dst.bin"))
            #expect(
                [sha256Hex(Self.old), sha256Hex(Self.new)].contains(destination),
                because("the destination is damaged")
            )
            let source = try store.exists(root + "/src.bin") ? sha256Hex(try store.read(root + "/src.bin")) : nil
            #expect(source == nil || source == sha256Hex(Self.new), because("the source is damaged"))
            if operation == .copy { #expect(source != nil, because("a copy lost its source")) }
            #expect(source != nil || destination == sha256Hex(Self.new), because("the file was lost"))
            if succeeded {
                #expect(destination == sha256Hex(Self.new), because("acknowledged, yet the destination is old"))
                if operation == .rename { #expect(source == nil, because("a rename acknowledged kept its source")) }
            }
        case .rmtree:
            for (name, contents) in Self.tree where try store.exists(root + "/tree/" + name) {
                #expect(try store.read(root + "/tree/" + name) == contents, because("'\(name)' is damaged"))
            }
            if succeeded { #expect(try !store.exists(root + "/tree"), because("acknowledged, yet the tree is there")) }
        }
    }

    // MARK: - Helpers

    private func store(endpoint: String, server: S3TestServer) throws -> S3ArtifactStore {
        var configuration = SharedServers.configuration(
            for: server,
            root: "s3://\(SharedServers.bucket)",
            partSize: Self.partSize
        )
        configuration.endpoint = endpoint
        configuration.concurrency = 2
        configuration.http = Self.http
        return try S3ArtifactStore(configuration: configuration)
    }

    private static func pattern(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                buffer[index] = UInt8(truncatingIfNeeded: state >> 33)
            }
            initialized = count
        }
    }
}
