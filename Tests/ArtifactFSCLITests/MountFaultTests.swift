import Foundation
import TestServers
import Testing

/// One cell of the mount's fault matrix: an operation done through the mount while a
/// ``FaultProxy`` between the mount daemon and SeaweedFS meets its requests with a fault, once or
/// on every attempt.
struct MountFaultCase: Sendable, CustomTestStringConvertible {
    /// The operations, each one system call checked in a Python snippet run in the fixture folder.
    enum Operation: String, Sendable, CaseIterable {
        case write, read, list, rename
    }

    let operation: Operation
    let fault: Fault
    let persistent: Bool

    /// `operation × fault × once` (or `× every attempt`).
    var testDescription: String { "\(operation) × \(fault)\(persistent ? " × every attempt" : " × once")" }

    /// The requests of the operation the fault is aimed at.
    var match: RequestMatch {
        switch operation {
        case .write: RequestMatch(method: "PUT", pathContains: "/w.bin", headerLacks: ["x-amz-copy-source"])
        case .read: RequestMatch(method: "GET", pathContains: "/r.bin")
        case .list: RequestMatch(method: "GET", queryHas: ["list-type"])
        case .rename: RequestMatch(method: "PUT", pathContains: "/dst.bin", headerHas: ["x-amz-copy-source"])
        }
    }

    var rule: FaultRule { persistent ? .every(match, fault) : .nth(1, match, fault) }

    /// Each operation under a transient reset the server ran and a cut body (both retried away),
    /// and under a 500 and a refused connection that persist (the syscall fails with EIO).
    static let all: [MountFaultCase] = Operation.allCases.flatMap { operation in
        [
            MountFaultCase(operation: operation, fault: .resetBeforeHeaders, persistent: false),
            MountFaultCase(operation: operation, fault: .cutResponseBody(after: 100), persistent: false),
            MountFaultCase(operation: operation, fault: .internalError, persistent: true),
            MountFaultCase(operation: operation, fault: .resetBeforeForwarding, persistent: true),
        ]
    }
}

/// The s3 store mounted with its endpoint on a ``FaultProxy`` in front of SeaweedFS: a write
/// checked at `close()`, a read, a listing and a rename either succeed or fail with EIO, and the
/// bucket then holds the old object or the whole new one (by SHA-256, read around the proxy),
/// never a partial or empty one. Serialized: each cell mounts, and the machine has two cores.
@Suite("artifactfs mount of s3 under injected faults", .serialized)
struct MountFaultTests {
    /// What the Python snippet of each operation does; it prints `ok` (and what it read) or the errno.
    static func snippet(_ operation: MountFaultCase.Operation) -> String {
        let body =
            switch operation {
            case .write:
                """
                fd = os.open("mnt/w.bin", os.O_WRONLY | os.O_TRUNC)
                os.write(fd, open("new.bin", "rb").read())
                os.close(fd)
                print("ok")
                """
            case .read:
                """
                print("ok", hashlib.sha256(open("mnt/r.bin", "rb").read()).hexdigest())
                """
            case .list:
                """
                print("ok", ",".join(sorted(os.listdir("mnt/d"))))
                """
            case .rename:
                """
                os.rename("mnt/src.bin", "mnt/dst.bin")
                print("ok")
                """
            }
        return "import hashlib, os\ntry:\n"
            + body.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
            + "\nexcept OSError as error:\n    print(\"errno\", error.errno)\n"
    }

    @Test(arguments: MountFaultCase.all)
    func operationUnderFault(_ cell: MountFaultCase) throws {
        let server = try ObjectTestServer.shared(.s3)
        let upstream = try #require(server.environment["AWS_ENDPOINT_URL"])
        let proxy = try FaultProxy(upstream: upstream)
        defer { proxy.stop() }
        let store = try MountedStore(.s3, fields: ["--endpoint_url=\(proxy.endpoint)", "--max_attempts=3"])
        defer { store.cleanUp() }
        let verifier = CLIRunner(directory: store.fixture.path, configDirectory: store.fixture.path + "-verifier")
        defer { try? FileManager.default.removeItem(atPath: store.fixture.path + "-verifier") }

        // Old and new contents, and the objects the operation finds, written through fileio.
        try store.shell(
            "python3 -c \"import random; r = random.Random(7); "
                + "[open(n, 'wb').write(r.randbytes(s)) for n, s in (('old.bin', 65536), ('new.bin', 98304), ('data.bin', 1 << 20))]\""
        )
        let old = try sha256(store, "old.bin")
        let new = try sha256(store, "new.bin")
        switch cell.operation {
        case .write: try put(store, "old.bin", "w.bin")
        case .read: try put(store, "data.bin", "r.bin")
        case .list: for name in ["a", "b", "c"] { try put(store, "old.bin", "d/" + name) }
        case .rename:
            try put(store, "new.bin", "src.bin")
            try put(store, "old.bin", "dst.bin")
        }
        try #require(try store.mount("--attr-ttl", "0").status == 0)

        proxy.setRules([cell.rule])
        let printed = try store.shell("python3 -c '\(Self.snippet(cell.operation))'").stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        proxy.setRules([])
        let context = "\(cell.testDescription): printed '\(printed)'\n\(proxy.log)"
        #expect(!proxy.injected.isEmpty, "the fault hit no request\n\(context)")
        let succeeded = printed.hasPrefix("ok")
        #expect(succeeded || printed == "errno \(EIO)", "neither a success nor EIO\n\(context)")
        if !cell.persistent { #expect(succeeded, "a single transient fault was not retried away\n\(context)") }

        // What the bucket holds, read around the proxy.
        func held(_ name: String) throws -> String? {
            let copied = try verifier.run(
                ["cp", store.uri + "/" + name, "held-" + name.replacingOccurrences(of: "/", with: "-")],
                environment: server.environment
            )
            guard copied.status == 0 else { return nil }
            return try sha256(store, "held-" + name.replacingOccurrences(of: "/", with: "-"))
        }
        switch cell.operation {
        case .write:
            let object = try held("w.bin")
            #expect([old, new].contains(object), "neither the old nor the whole new object\n\(context)")
            if succeeded { #expect(object == new, "close() succeeded, yet the old object is there\n\(context)") }
        case .read:
            if succeeded {
                #expect(printed == "ok " + (try sha256(store, "data.bin")), "the read returned wrong bytes\n\(context)")
            }
        case .list:
            if succeeded { #expect(printed == "ok a,b,c", "the listing is wrong\n\(context)") }
        case .rename:
            let destination = try held("dst.bin")
            let source = try held("src.bin")
            #expect([old, new].contains(destination), "the destination is damaged\n\(context)")
            #expect(source == nil || source == new, "the source is damaged\n\(context)")
            #expect(source != nil || destination == new, "the file was lost\n\(context)")
            if succeeded {
                #expect(destination == new && source == nil, "the rename succeeded, yet did not happen\n\(context)")
            }
        }
    }

    /// Uploads the fixture folder's `local` to the component's `name` through fileio (no rules yet).
    private func put(_ store: MountedStore, _ local: String, _ name: String) throws {
        let copied = try store.shell("./artifactfs cp \(local) '\(store.uri)/\(name)'")
        try #require(copied.status == 0, "\(copied.stderr)")
    }

    /// The SHA-256 of a file in the fixture folder.
    private func sha256(_ store: MountedStore, _ name: String) throws -> String {
        String(try store.shell("sha256sum \(name)").stdout.prefix(64))
    }
}
