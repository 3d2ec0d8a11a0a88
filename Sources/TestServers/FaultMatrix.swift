import Crypto
import FileIO
import Foundation
import Testing

/// One request of a store operation that a fault is aimed at: the operation, how the proxy tells
/// the request apart, and what the store may do when it fails. Each object-store flavor lists its
/// own (its protocol's requests); ``FaultMatrix`` runs them all the same way.
public struct FaultTarget: Sendable, CustomStringConvertible {
    /// The store operations of the matrix.
    public enum Operation: String, Sendable {
        case put, multipart, rangedRead, listing, copy, rename, rmtree
    }

    /// `operation.request`, for test names and messages.
    public let name: String
    public let operation: Operation
    /// The requests of the operation the fault may hit.
    public let match: RequestMatch
    /// Which of the matching requests a single fault hits; a persistent fault hits it and every later one.
    public let occurrence: Int
    /// True when the client may repeat the request (it is idempotent), so a single transient fault
    /// must be retried away.
    public let retried: Bool
    /// True when the client sends the request again only after the server's error answer (a 5xx
    /// or 429 says nothing was kept), never after no answer: a resumable chunk the server may
    /// already have appended.
    public let retriedAfterErrorAnswers: Bool
    /// How many matching requests the operation sends when nothing fails: with the attempts per
    /// request, the bound on what the proxy may see.
    public let requests: Int
    /// Whether the request has a body to cut.
    public let hasRequestBody: Bool
    /// Whether the response has a body, so a cut or a reset after the headers reaches the client.
    public let hasResponseBody: Bool
    /// Whether the server may answer with an error inside a `200 OK` (S3 copies and completions).
    public let mayEmbedError: Bool

    /// A target; `occurrence` 1 is the first matching request.
    public init(
        name: String,
        operation: Operation,
        match: RequestMatch,
        occurrence: Int = 1,
        retried: Bool,
        requests: Int,
        hasRequestBody: Bool,
        hasResponseBody: Bool,
        mayEmbedError: Bool = false,
        retriedAfterErrorAnswers: Bool = false
    ) {
        self.name = name
        self.operation = operation
        self.match = match
        self.occurrence = occurrence
        self.retried = retried
        self.retriedAfterErrorAnswers = retriedAfterErrorAnswers
        self.requests = requests
        self.hasRequestBody = hasRequestBody
        self.hasResponseBody = hasResponseBody
        self.mayEmbedError = mayEmbedError
    }

    /// The name.
    public var description: String { name }
}

/// One cell of the fault matrix: a target, a fault, and whether the fault hits once or persists.
public struct FaultCase: Sendable, CustomStringConvertible, CustomTestStringConvertible {
    public let target: FaultTarget
    public let fault: Fault
    /// True when every request of the target from its occurrence on meets the fault.
    public let persistent: Bool

    /// `target × fault × once` (or `× every attempt`).
    public var description: String { "\(target.name) × \(fault)\(persistent ? " × every attempt" : " × once")" }
    /// The description, as the test's name.
    public var testDescription: String { description }

    /// Every target under every fault that applies to it (a body cut needs a body, an error inside
    /// `200 OK` a request that may get one), once and persistent.
    public static func all(_ targets: [FaultTarget], faults: [Fault]) -> [FaultCase] {
        targets.flatMap { target in
            faults.filter { fault in
                switch fault {
                case .cutRequestBody: target.hasRequestBody
                case .errorInside200: target.mayEmbedError
                default: true
                }
            }.flatMap { fault in [false, true].map { FaultCase(target: target, fault: fault, persistent: $0) } }
        }
    }

    /// The proxy rule: the target's occurrence, or it and every later one.
    public var rule: FaultRule {
        persistent
            ? FaultRule(fault, on: target.match, schedule: .from(target.occurrence))
            : .nth(target.occurrence, target.match, fault)
    }

    /// True when the store must send the request again under this fault: it is idempotent, or
    /// the fault is an error answer and the store retries after those.
    public var retried: Bool {
        guard !target.retried, target.retriedAfterErrorAnswers else { return target.retried }
        if case .status = fault { return true }
        return false
    }

    /// True when the server ran the request although the client got no whole answer: a store
    /// that settles such a request it does not send again, by reading what the server holds, may
    /// rightly succeed.
    public var serverRan: Bool {
        switch fault {
        case .resetBeforeHeaders, .resetAfterHeaders, .cutResponseBody, .stall: true
        default: false
        }
    }

    /// True when the fault keeps the client from a whole answer (a reset after an empty body's
    /// headers does not: the answer was complete).
    public var reachesClient: Bool {
        switch fault {
        case .resetAfterHeaders, .cutResponseBody: target.hasResponseBody
        default: true
        }
    }
}

/// What one cell of the matrix found: every broken promise, and the proxy's log of which fault
/// hit which request.
public struct FaultReport: Sendable, CustomStringConvertible {
    public let cell: FaultCase
    /// Empty when the store kept every promise.
    public let problems: [String]
    public let log: String

    /// The cell, its problems and the log.
    public var description: String { ([cell.description] + problems + [log]).joined(separator: "\n") }
}

/// The fault matrix every object-store flavor runs: each operation under each fault either
/// succeeds after retries or fails with an ``ArtifactStoreError`` naming one of its paths; either
/// way the store then holds the old object or the whole new one (compared by SHA-256, read without
/// the proxy), and the requests the proxy saw stay within the configured attempts.
public struct FaultMatrix: Sendable {
    /// Attempts per request the stores under test are configured with.
    public let attempts: Int
    private let old: [UInt8]
    private let new: [UInt8]
    private let large: [UInt8]
    private let data: [UInt8]
    private let readOffset: Int
    private let readCount = 64 << 10
    private let tree: [String: [UInt8]]

    /// The matrix for stores making `attempts` per request and uploading in parts of `partSize`:
    /// a multipart write is two whole parts and `extra` bytes; a ranged read takes 64 KiB from the
    /// middle of `dataSize` bytes.
    public init(attempts: Int, partSize: Int, extra: Int, dataSize: Int) {
        self.attempts = attempts
        old = Self.pattern(64 << 10, seed: 1)
        new = Self.pattern(96 << 10, seed: 2)
        large = Self.pattern(2 * partSize + extra, seed: 3)
        data = Self.pattern(dataSize, seed: 4)
        readOffset = dataSize / 2
        tree = [
            "x.bin": Self.pattern(1000, seed: 5), "y.bin": Self.pattern(2000, seed: 6),
            "sub/z.bin": Self.pattern(3000, seed: 7),
        ]
    }

    /// Runs one cell under `root`: prepares through a store on `upstream`, runs the operation
    /// through a store on a ``FaultProxy`` in front of it, then checks both the answer and what the
    /// store holds. `store` makes a store for an endpoint.
    public func check(
        _ cell: FaultCase,
        upstream: String,
        root: String,
        store: (String) throws -> any ArtifactStore
    ) throws -> FaultReport {
        let clean = try store(upstream)
        try prepare(cell.target.operation, clean, root)
        defer { try? clean.rmtree(root) }

        let proxy = try FaultProxy(upstream: upstream, rules: [cell.rule])
        defer { proxy.stop() }
        let faulty = try store(proxy.endpoint)
        let outcome = Result { try run(cell.target.operation, faulty, root) }
        proxy.stop()

        var problems: [String] = []
        func expect(_ holds: Bool, _ what: String) { if !holds { problems.append(what) } }
        expect(!proxy.injected.isEmpty, "the fault hit no request")
        switch outcome {
        case .success:
            expect(
                !(cell.persistent && cell.reachesClient && !(cell.serverRan && !cell.target.retried)),
                "succeeded although every attempt met the fault"
            )
        case .failure(let error):
            expect(
                cell.persistent || !cell.retried,
                "a single transient fault was not retried away: \(error)"
            )
            if let error = error as? ArtifactStoreError {
                expect(
                    paths(cell.target.operation, root).contains(error.path),
                    "names no path of the operation: \(error)"
                )
            } else {
                problems.append("not a typed error: \(error)")
            }
        }
        // Each request gets the configured attempts; libcurl may send an idempotent one twice
        // within an attempt (see RetryPolicy). One that is not idempotent goes exactly once.
        let sent = proxy.requests(matching: cell.target.match).count
        expect(
            sent <= attempts * 2 * (cell.target.requests + cell.target.occurrence - 1),
            "retried beyond the attempts"
        )
        if !cell.retried, cell.reachesClient {
            expect(sent == cell.target.occurrence, "a request that is not idempotent was sent again")
        }
        if cell.persistent, cell.reachesClient, cell.retried {
            expect(sent >= attempts + cell.target.occurrence - 1, "gave up before the attempts ran out")
        }
        problems += try verify(cell.target.operation, clean, root, result: try? outcome.get())
        return FaultReport(cell: cell, problems: problems, log: proxy.log)
    }

    // MARK: - Operations

    private func prepare(_ operation: FaultTarget.Operation, _ store: any ArtifactStore, _ root: String) throws {
        switch operation {
        case .put: try store.write(root + "/obj.bin", contents: old)
        case .multipart: try store.write(root + "/big.bin", contents: old)
        case .rangedRead: try store.write(root + "/data.bin", contents: data)
        case .listing:
            for name in ["a", "b", "c"] { try store.write(root + "/dir/" + name, contents: Array(name.utf8)) }
        case .copy, .rename:
            try store.write(root + "/src.bin", contents: new)
            try store.write(root + "/dst.bin", contents: old)
        case .rmtree:
            for (name, contents) in tree { try store.write(root + "/tree/" + name, contents: contents) }
        }
    }

    /// Runs the operation; returns the digest or names it read.
    private func run(_ operation: FaultTarget.Operation, _ store: any ArtifactStore, _ root: String) throws -> [String]
    {
        switch operation {
        case .put:
            try store.write(root + "/obj.bin", contents: new)
        case .multipart:
            let writer = try store.open(root + "/big.bin", mode: .write)
            try writer.write(large)
            try writer.close()
        case .rangedRead:
            let reader = try store.open(root + "/data.bin", mode: .read)
            let bytes = try reader.read(at: UInt64(readOffset), count: readCount)
            try reader.close()
            return [Self.digest(bytes)]
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
    private func paths(_ operation: FaultTarget.Operation, _ root: String) -> [String] {
        switch operation {
        case .put: [root + "/obj.bin"]
        case .multipart: [root + "/big.bin"]
        case .rangedRead: [root + "/data.bin"]
        case .listing: [root + "/dir"]
        case .copy, .rename: [root + "/src.bin", root + "/dst.bin"]
        case .rmtree: [root + "/tree"]
        }
    }

    /// What the store holds, read without the proxy, against what the operation answered
    /// (`result` nil when it failed): the old object or the whole new one, never a mix.
    private func verify(
        _ operation: FaultTarget.Operation,
        _ store: any ArtifactStore,
        _ root: String,
        result: [String]?
    ) throws -> [String] {
        var problems: [String] = []
        func expect(_ holds: Bool, _ what: String) { if !holds { problems.append(what) } }
        let succeeded = result != nil
        switch operation {
        case .put, .multipart:
            let path = root + (operation == .put ? "/obj.bin" : "/big.bin")
            let written = Self.digest(operation == .put ? new : large)
            let held = Self.digest(try store.read(path))
            expect([Self.digest(old), written].contains(held), "neither the old nor the new object")
            if succeeded { expect(held == written, "acknowledged, yet the old object is there") }
        case .rangedRead:
            let slice = Array(data[readOffset..<readOffset + readCount])
            if succeeded { expect(result == [Self.digest(slice)], "the read returned wrong bytes") }
            expect(Self.digest(try store.read(root + "/data.bin")) == Self.digest(data), "the object changed")
        case .listing:
            if succeeded { expect(result == ["a", "b", "c"], "the listing is wrong") }
        case .copy, .rename:
            let destination = Self.digest(try store.read(root + "/dst.bin"))
            expect([Self.digest(old), Self.digest(new)].contains(destination), "the destination is damaged")
            let source = try store.exists(root + "/src.bin") ? Self.digest(try store.read(root + "/src.bin")) : nil
            expect(source == nil || source == Self.digest(new), "the source is damaged")
            if operation == .copy { expect(source != nil, "a copy lost its source") }
            expect(source != nil || destination == Self.digest(new), "the file was lost")
            if succeeded {
                expect(destination == Self.digest(new), "acknowledged, yet the destination is old")
                if operation == .rename { expect(source == nil, "a rename acknowledged kept its source") }
            }
        case .rmtree:
            for (name, contents) in tree where try store.exists(root + "/tree/" + name) {
                expect(try store.read(root + "/tree/" + name) == contents, "'\(name)' is damaged")
            }
            if succeeded { expect(try !store.exists(root + "/tree"), "acknowledged, yet the tree is there") }
        }
        return problems
    }

    private static func digest(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Deterministic bytes, different for each seed.
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
