import Foundation
import TestServers
import Testing

/// One cell of the mount's fault matrix: an operation done through the mount while a
/// ``FaultProxy`` between the mount daemon and the store's server meets its requests with a fault,
/// once or on every attempt.
struct MountFaultCase: Sendable, CustomStringConvertible {
    /// The operations, each one system call checked in a Python snippet run in the fixture folder.
    enum Operation: String, Sendable, CaseIterable {
        case write, read, list, rename
    }

    let operation: Operation
    let fault: Fault
    let persistent: Bool
    /// Where the cell stands in ``all``: its objects' names start with `cNN-`, so no cell meets
    /// another's objects in the mount's caches or in a rule.
    let index: Int

    /// `operation × fault × once` (or `× every attempt`).
    var description: String { "\(operation) × \(fault)\(persistent ? " × every attempt" : " × once")" }

    /// The prefix of the cell's object names.
    var prefix: String { String(format: "c%02d-", index) }

    /// The objects the cell needs before it runs, by name, and which content each holds.
    var objects: [(name: String, content: MountFaultContent)] {
        switch operation {
        case .write: [(prefix + "w.bin", .old)]
        case .read: [(prefix + "r.bin", .data)]
        case .list: ["a", "b", "c"].map { (prefix + "d/" + $0, .old) }
        case .rename: [(prefix + "src.bin", .new), (prefix + "dst.bin", .old)]
        }
    }

    /// The requests of the operation on `flavor` the fault is aimed at. Object names travel as
    /// they are (s3, azure) or percent-encoded (gcp), so each match names the object without a
    /// slash; a gcp simple upload carries its name in the body, and is the cell's only upload.
    func match(_ flavor: ObjectStoreFlavor) -> RequestMatch {
        switch (operation, flavor) {
        case (.write, .s3):
            RequestMatch(method: "PUT", pathContains: prefix + "w.bin", headerLacks: ["x-amz-copy-source"])
        case (.write, .gcp): RequestMatch(method: "POST", pathContains: "/upload/storage/v1/")
        case (.write, .azure):
            RequestMatch(
                method: "PUT",
                pathContains: prefix + "w.bin",
                queryLacks: ["comp"],
                headerLacks: ["x-ms-copy-source"]
            )
        case (.read, _): RequestMatch(method: "GET", pathContains: prefix + "r.bin")
        case (.list, .s3): RequestMatch(method: "GET", queryHas: ["list-type"])
        case (.list, .gcp): RequestMatch(method: "GET", queryHas: ["prefix"])
        case (.list, .azure): RequestMatch(method: "GET", queryHas: ["restype"])
        case (.rename, .s3):
            RequestMatch(method: "PUT", pathContains: prefix + "dst.bin", headerHas: ["x-amz-copy-source"])
        case (.rename, .gcp): RequestMatch(method: "POST", pathContains: "/rewriteTo/")
        case (.rename, .azure):
            RequestMatch(method: "PUT", pathContains: prefix + "dst.bin", headerHas: ["x-ms-copy-source"])
        }
    }

    func rule(_ flavor: ObjectStoreFlavor) -> FaultRule {
        persistent ? .every(match(flavor), fault) : .nth(1, match(flavor), fault)
    }

    /// Each operation under a transient reset the server ran and a cut body (both retried away),
    /// and under a 500 and a refused connection that persist (the syscall fails with EIO).
    static let all: [MountFaultCase] = Operation.allCases.flatMap { operation in
        [
            (Fault.resetBeforeHeaders, false), (.cutResponseBody(after: 100), false), (.internalError, true),
            (.resetBeforeForwarding, true),
        ].map { (operation, $0.0, $0.1) }
    }
    .enumerated().map { MountFaultCase(operation: $1.0, fault: $1.1, persistent: $1.2, index: $0) }
}

/// The contents a cell's objects start with, and a write or a rename may leave.
enum MountFaultContent: String, CaseIterable {
    case old, new, data

    /// Bytes of each, from one seeded generator: distinct, and longer than a cut body.
    var size: Int {
        switch self {
        case .old: 65536
        case .new: 98304
        case .data: 1 << 20
        }
    }
}

/// Each object-store flavor mounted with its endpoint on a ``FaultProxy`` in front of its server
/// (SeaweedFS, fake-gcs-server, the Blob test server): a write checked at `close()`, a read, a
/// listing and a rename either succeed or fail with EIO, and the store then holds the old object
/// or the whole new one (by SHA-256, read around the proxy), never a partial or empty one.
///
/// Each store is mounted once and the cells run one after another against that mount, the proxy's
/// rules switched between them; each cell has objects of its own (``MountFaultCase/prefix``), so
/// the mount's caches carry nothing from one cell to the next. Serialized: the machine has two cores.
@Suite("artifactfs mount of s3, gcp and azure under injected faults", .serialized)
struct MountFaultTests {
    /// What the Python snippet of each operation does; it prints `ok` (and what it read) or the errno.
    static func snippet(_ cell: MountFaultCase) -> String {
        let body =
            switch cell.operation {
            case .write:
                """
                fd = os.open("mnt/\(cell.prefix)w.bin", os.O_WRONLY | os.O_TRUNC)
                os.write(fd, open("new.bin", "rb").read())
                os.close(fd)
                print("ok")
                """
            case .read:
                """
                print("ok", hashlib.sha256(open("mnt/\(cell.prefix)r.bin", "rb").read()).hexdigest())
                """
            case .list:
                """
                print("ok", ",".join(sorted(os.listdir("mnt/\(cell.prefix)d"))))
                """
            case .rename:
                """
                os.rename("mnt/\(cell.prefix)src.bin", "mnt/\(cell.prefix)dst.bin")
                print("ok")
                """
            }
        return "import hashlib, os\ntry:\n"
            + body.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
            + "\nexcept OSError as error:\n    print(\"errno\", error.errno)\n"
    }

    @Test(arguments: ObjectStoreFlavor.allCases)
    func operationsUnderFaults(_ flavor: ObjectStoreFlavor) throws {
        let server = try ObjectTestServer.shared(flavor)
        let proxy = try FaultProxy(upstream: try #require(server.endpoint))
        defer { proxy.stop() }
        let store = try MountedStore(flavor, fields: ["--endpoint_url=\(proxy.endpoint)", "--max_attempts=3"])
        defer { store.cleanUp() }
        let verifier = CLIRunner(directory: store.fixture.path, configDirectory: store.fixture.path + "-verifier")
        defer { try? FileManager.default.removeItem(atPath: store.fixture.path + "-verifier") }

        // The three contents, and every cell's objects in one tree uploaded around the proxy.
        try store.shell(
            "python3 -c \"import os, random; r = random.Random(7); "
                + "[open(n + '.bin', 'wb').write(r.randbytes(s)) for n, s in ("
                + MountFaultContent.allCases.map { "('\($0.rawValue)', \($0.size))" }.joined(separator: ", ")
                + ")]\""
        )
        var sums: [MountFaultContent: String] = [:]
        for content in MountFaultContent.allCases { sums[content] = try sha256(store, content.rawValue + ".bin") }
        let links = MountFaultCase.all.flatMap(\.objects).map { object in
            "mkdir -p \"$(dirname 'seed/\(object.name)')\" && ln \(object.content.rawValue).bin 'seed/\(object.name)'"
        }
        try store.shell(links.joined(separator: " && "))
        let seeded = try verifier.run(["cp", "-r", "seed", store.uri], environment: server.environment)
        try #require(seeded.status == 0, "seeding the objects failed: \(seeded.stderr)")
        try #require(try store.mount("--attr-ttl", "0").status == 0)

        var outcomes: [(cell: MountFaultCase, printed: String, context: String)] = []
        for cell in MountFaultCase.all {
            let first = proxy.events.count
            proxy.setRules([cell.rule(flavor)])
            let printed = try store.shell("python3 -c '\(Self.snippet(cell))'").stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            proxy.setRules([])
            let events = proxy.events.dropFirst(first)
            let context =
                "\(cell) on \(flavor): printed '\(printed)'\nfault proxy rule: \(cell.rule(flavor))\nrequests:\n"
                + events.map { "  \($0)" }.joined(separator: "\n")
            #expect(events.contains { $0.fault != nil }, "the fault hit no request\n\(context)")
            let succeeded = printed.hasPrefix("ok")
            #expect(succeeded || printed == "errno \(EIO)", "neither a success nor EIO\n\(context)")
            if !cell.persistent { #expect(succeeded, "a single transient fault was not retried away\n\(context)") }
            outcomes.append((cell, printed, context))
        }

        // What the store holds, read around the proxy in one copy of the whole tree.
        let fetched = try verifier.run(["cp", "-r", store.uri, "held"], environment: server.environment)
        try #require(fetched.status == 0, "reading the store back failed: \(fetched.stderr)")
        let listed = try store.shell("cd held && find . -type f -exec sha256sum {} +").stdout
        var held: [String: String] = [:]
        for line in listed.split(separator: "\n") {
            held[String(line.dropFirst(66).dropFirst(2))] = String(line.prefix(64))
        }
        let old = sums[.old]
        let new = sums[.new]
        for (cell, printed, context) in outcomes {
            let succeeded = printed.hasPrefix("ok")
            switch cell.operation {
            case .write:
                let object = held[cell.prefix + "w.bin"]
                #expect([old, new].contains(object), "neither the old nor the whole new object\n\(context)")
                if succeeded { #expect(object == new, "close() succeeded, yet the old object is there\n\(context)") }
            case .read:
                if succeeded {
                    #expect(printed == "ok " + (sums[.data] ?? ""), "the read returned wrong bytes\n\(context)")
                }
            case .list:
                if succeeded { #expect(printed == "ok a,b,c", "the listing is wrong\n\(context)") }
            case .rename:
                let destination = held[cell.prefix + "dst.bin"]
                let source = held[cell.prefix + "src.bin"]
                #expect([old, new].contains(destination), "the destination is damaged\n\(context)")
                #expect(source == nil || source == new, "the source is damaged\n\(context)")
                #expect(source != nil || destination == new, "the file was lost\n\(context)")
                if succeeded {
                    #expect(destination == new && source == nil, "the rename succeeded, yet did not happen\n\(context)")
                }
            }
        }
    }

    /// The endpoint of `server` the proxy goes in front of.
    /// An upload the store refuses (403) fails the `fsync` that asked for it; a second `fsync` and
    /// the `close` still fail, for nothing reached the store; the daemon logs the upload's failure
    /// once, and no later line blames the release of the file.
    @Test func aRefusedUploadKeepsFailingIsLoggedOnceAndNotBlamedOnTheRelease() throws {
        let proxy = try FaultProxy(upstream: try #require(try ObjectTestServer.shared(.s3).endpoint))
        defer { proxy.stop() }
        let store = try MountedStore(.s3, fields: ["--endpoint_url=\(proxy.endpoint)", "--max_attempts=2"])
        defer { store.cleanUp() }
        try #require(try store.mount("--attr-ttl", "0").status == 0)
        proxy.setRules([
            .every(RequestMatch(method: "PUT", pathContains: "refused.bin"), .status(403, code: "AccessDenied"))
        ])
        let steps = try store.shell(
            """
            python3 -c "
            import os
            fd = os.open('mnt/refused.bin', os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.write(fd, b'weights')
            for step in (os.fsync, os.fsync, os.close):
                try:
                    step(fd)
                    print('ok')
                except OSError as error:
                    print(error.errno)
            "
            """
        )
        #expect(steps.stdout == "\(EACCES)\n\(EIO)\n\(EIO)\n", "\(steps.stdout)\(steps.stderr)\n\(proxy.log)")
        #expect(try store.cli("ls", store.uri).stdout.contains("refused.bin") == false, "nothing reached the store")
        // The release follows the close at once; the listing above gave it time to be logged.
        let lines = try store.fixture.daemonLog().split(separator: "\n").filter { $0.contains("refused.bin") }
        #expect(lines.filter { $0.contains("upload of") }.count == 1, "\(lines)")
        #expect(!lines.contains { $0.contains("release") }, "\(lines)")
    }

    /// The SHA-256 of a file in the fixture folder.
    private func sha256(_ store: MountedStore, _ name: String) throws -> String {
        String(try store.shell("sha256sum \(name)").stdout.prefix(64))
    }
}
