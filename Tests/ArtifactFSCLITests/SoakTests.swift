import Crypto
import Foundation
import TestServers
import Testing

/// A bounded soak: 8 processes writing, reading back, renaming and listing at once, 4 through one
/// s3 mount and 4 through `fileio` (`artifactfs cp`/`mv`/`ls`), while a ``FaultProxy`` in front of
/// SeaweedFS meets about 10% of all requests with a fault. Each process keeps a ledger of the
/// writes it was told succeeded; a verification pass around the proxy then finds every one of
/// them whole (by SHA-256). Any read that succeeded must have returned the bytes written.
///
/// `ARTIFACTFS_SOAK_SECONDS` sets how long the processes run (default 60, what CI runs);
/// `ARTIFACTFS_SOAK_SEED` the proxy's seed.
@Suite("soak: 8 processes through an s3 mount and fileio under 10% faults", .serialized)
struct SoakTests {
    static let seconds = Int(ProcessInfo.processInfo.environment["ARTIFACTFS_SOAK_SECONDS"] ?? "") ?? 60
    static let seed = UInt64(ProcessInfo.processInfo.environment["ARTIFACTFS_SOAK_SEED"] ?? "") ?? 42

    /// The faults, each on about 1.7% of requests: resets before and after the server acted,
    /// bodies cut both ways, and error statuses.
    static let rules: [FaultRule] = [
        Fault.resetBeforeForwarding, .resetBeforeHeaders, .cutResponseBody(after: 100), .cutRequestBody(after: 10),
        .slowDown, .internalError,
    ].map { FaultRule($0, schedule: .rate(0.1 / 6)) }

    /// One worker: `mount` or `fileio`, its folder, until the deadline. Prints nothing; writes
    /// its ledger (`name sha256` per acknowledged object, by final name) and its problems.
    static let worker = """
        import hashlib, os, random, subprocess, sys, time
        kind, index, deadline, uri = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
        rng = random.Random(index)
        folder = f"{kind}-{index}"
        held, problems, lengths, counts = {}, [], {}, {"writes": 0, "failed": 0, "reads": 0, "renames": 0, "lists": 0}
        def cli(*args):
            return subprocess.run(["./artifactfs", *args], capture_output=True, timeout=300)
        if kind == "mount":
            os.makedirs(f"mnt/{folder}", exist_ok=True)
        n = 0
        while time.time() < deadline:
            n += 1
            name = f"f{n}.bin"
            size = 9 << 20 if n % 12 == 0 else rng.randrange(0, 2 << 20)
            data = rng.randbytes(size)
            digest = hashlib.sha256(data).hexdigest()
            lengths[digest] = size
            counts["writes"] += 1
            if kind == "mount":
                try:
                    with open(f"mnt/{folder}/{name}", "wb") as f:
                        f.write(data)
                    held[name] = digest
                except OSError as error:
                    counts["failed"] += 1
            else:
                with open(f"{folder}.tmp", "wb") as f:
                    f.write(data)
                if cli("cp", f"{folder}.tmp", f"{uri}/{folder}/{name}").returncode == 0:
                    held[name] = digest
                else:
                    counts["failed"] += 1
            settled = sorted(k for k in held if not k.startswith("?"))
            if settled and n % 3 == 0:
                old = rng.choice(settled)
                new = "r" + old
                counts["renames"] += 1
                if kind == "mount":
                    try:
                        os.rename(f"mnt/{folder}/{old}", f"mnt/{folder}/{new}")
                        held[new] = held.pop(old)
                    except OSError:
                        held["?" + old] = held.pop(old)
                else:
                    if cli("mv", f"{uri}/{folder}/{old}", f"{uri}/{folder}/{new}").returncode == 0:
                        held[new] = held.pop(old)
                    else:
                        held["?" + old] = held.pop(old)
            if held:
                name = rng.choice(sorted(k for k in held if not k.startswith("?")) or [None])
                if name:
                    counts["reads"] += 1
                    if kind == "mount":
                        try:
                            read = open(f"mnt/{folder}/{name}", "rb").read()
                        except OSError:
                            read = None
                    else:
                        done = cli("cat", f"{uri}/{folder}/{name}")
                        read = done.stdout if done.returncode == 0 else None
                    got = hashlib.sha256(read).hexdigest() if read is not None else None
                    if got is not None and got != held[name]:
                        problems.append(
                            f"read {folder}/{name}: wrong bytes ({len(read)} read of {lengths[held[name]]} written"
                            + (", all zero)" if not read.strip(b"\\0") else ")")
                        )
            if n % 5 == 0:
                counts["lists"] += 1
                if kind == "mount":
                    try:
                        names = set(os.listdir(f"mnt/{folder}"))
                    except OSError:
                        names = None
                else:
                    done = cli("ls", f"{uri}/{folder}")
                    names = set(done.stdout.decode().split()) if done.returncode == 0 else None
                missing = {k for k in held if not k.startswith("?")} - (names if names is not None else set(held))
                if missing:
                    problems.append(f"list {folder}: acknowledged {sorted(missing)} missing")
        with open(f"ledger-{folder}", "w") as f:
            for name, digest in held.items():
                f.write(f"{folder}/{name} {digest}\\n")
        with open(f"problems-{folder}", "w") as f:
            f.write("\\n".join(problems))
        print(counts)
        """

    @Test(.timeLimit(.minutes(15)))
    func acknowledgedWritesSurviveFaultsWhole() throws {
        let server = try ObjectTestServer.shared(.s3)
        let upstream = try #require(server.environment["AWS_ENDPOINT_URL"])
        let proxy = try FaultProxy(upstream: upstream, seed: Self.seed)
        defer { proxy.stop() }
        let store = try MountedStore(.s3, fields: ["--endpoint_url=\(proxy.endpoint)", "--max_attempts=5"])
        defer { store.cleanUp() }
        try #require(try store.mount().status == 0)
        proxy.setRules(Self.rules, seed: Self.seed)

        let deadline = Date().timeIntervalSince1970 + Double(Self.seconds)
        let workers = try (0..<8).map { index -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", "-c", Self.worker, index < 4 ? "mount" : "fileio", String(index), String(deadline),
                store.uri,
            ]
            process.currentDirectoryURL = URL(fileURLWithPath: store.fixture.path)
            let counts = store.fixture.path + "/counts-\(index)"
            _ = FileManager.default.createFile(atPath: counts, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: counts)
            try process.run()
            return process
        }
        for worker in workers { worker.waitUntilExit() }
        proxy.setRules([])
        let injected = proxy.injected.count
        #expect(injected > 0, "the proxy injected no fault")
        #expect(workers.allSatisfy { $0.terminationStatus == 0 }, "a worker crashed")

        // Verification around the proxy: every acknowledged object whole; an uncertain rename
        // ("?" in the ledger) leaves the old name or the new one whole.
        let verifier = CLIRunner(directory: store.fixture.path, configDirectory: store.fixture.path + "-verifier")
        defer { try? FileManager.default.removeItem(atPath: store.fixture.path + "-verifier") }
        let copied = try verifier.run(["sync", store.uri, "verified"], environment: server.environment)
        try #require(copied.status == 0, "\(copied.stderr)")
        var problems: [String] = []
        var verified = 0
        for folder in (0..<8).map({ ($0 < 4 ? "mount-" : "fileio-") + String($0) }) {
            let written =
                (try? String(contentsOfFile: store.fixture.path + "/problems-" + folder, encoding: .utf8)) ?? ""
            problems += written.split(separator: "\n").map(String.init)
            let ledger = (try? String(contentsOfFile: store.fixture.path + "/ledger-" + folder, encoding: .utf8)) ?? ""
            for line in ledger.split(separator: "\n") {
                let parts = line.split(separator: " ").map(String.init)
                guard parts.count == 2 else { continue }
                var candidates = [parts[0]]
                if let marked = parts[0].split(separator: "/").last, marked.hasPrefix("?") {
                    let old = String(marked.dropFirst())
                    candidates = [folder + "/" + old, folder + "/r" + old]
                }
                let found = candidates.compactMap { name in
                    FileManager.default.contents(atPath: store.fixture.path + "/verified/" + name).map {
                        SHA256.hash(data: $0).map { String(format: "%02x", $0) }.joined()
                    }
                }
                if !found.contains(parts[1]) {
                    problems.append("\(parts[0]): acknowledged, but \(found.isEmpty ? "lost" : "corrupt")")
                }
                verified += 1
            }
        }
        let counts = (0..<8).map {
            (try? String(contentsOfFile: store.fixture.path + "/counts-\($0)", encoding: .utf8)) ?? "?"
        }
        // The figures of the run, for a long soak's report.
        print(
            "soak: \(Self.seconds) s, seed \(Self.seed), \(proxy.events.count) requests, \(injected) faults injected, "
                + "\(verified) acknowledged objects verified, \(problems.count) problems; operations per process: "
                + counts.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: " ")
        )
        #expect(verified > 40, "too little work to soak anything: \(verified) objects; \(counts)")
        #expect(
            problems.isEmpty,
            "\(problems.count) problems over \(verified) objects, \(injected) faults: \(problems); \(counts)"
        )
    }
}
