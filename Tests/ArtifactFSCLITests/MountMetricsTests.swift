import Foundation
import TestServers
import Testing

/// The mount's metrics in Prometheus's text format, scraped from `--metrics-address` while files
/// are written and read through the mount, and read from `.artifactfs/metrics`; and its log: one
/// line per failed operation naming the path and the errno, at the level `--log-level` allows.
@Suite("mount metrics and logs")
struct MountMetricsTests {
    /// One sample line of the exposition format: `name{label="value",...} number`.
    static var sample: Regex<(Substring, Substring, Substring?, Substring?, Substring)> {
        #/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*\})? (-?[0-9.eE+-]+|\+Inf|NaN)$/#
    }

    /// The samples of a scrape by `name{labels}`; every line must be a sample, `# HELP` or
    /// `# TYPE name counter|gauge|histogram`, and every sample's metric must have a TYPE.
    static func parse(_ text: String) throws -> [String: Double] {
        var samples: [String: Double] = [:]
        var typed: Set<String> = []
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("# HELP ") { continue }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                try #require(parts.count == 4 && ["counter", "gauge", "histogram"].contains(parts[3]), "\(line)")
                typed.insert(String(parts[2]))
                continue
            }
            let match = try #require(line.wholeMatch(of: sample), "not a Prometheus sample: '\(line)'")
            let name = String(match.1)
            let family = ["_bucket", "_sum", "_count"].reduce(name) { family, suffix in
                typed.contains(family) || !family.hasSuffix(suffix) ? family : String(family.dropLast(suffix.count))
            }
            #expect(typed.contains(family), "'\(name)' has no # TYPE line before it")
            samples[name + String(match.2 ?? "")] = Double(match.4)
        }
        return samples
    }

    @Test(.timeLimit(.minutes(3)))
    func aScrapeDuringALoadParsesAndItsCountersOnlyGrow() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        let port = try FreePorts.take(1)[0]
        let mounted = try fixture.mount(nil, "--metrics-address", "127.0.0.1:\(port)", "--log-level", "debug")
        try #require(mounted.status == 0, "\(mounted.stderr)")

        let load = Process()
        load.executableURL = URL(fileURLWithPath: "/bin/bash")
        load.arguments = [
            "-c",
            "for i in $(seq 1 60); do dd if=/dev/urandom of=mnt/f$i bs=64k count=4 status=none && cat mnt/f$i > /dev/null || exit 1; done",
        ]
        load.currentDirectoryURL = URL(fileURLWithPath: fixture.path)
        try load.run()
        var scrapes: [[String: Double]] = []
        while load.isRunning || scrapes.count < 3 {
            let scraped = try fixture.shell("curl -sf http://127.0.0.1:\(port)/metrics")
            try #require(scraped.status == 0, "the endpoint did not answer: \(scraped.stderr)")
            scrapes.append(try Self.parse(scraped.stdout))
            usleep(100_000)
        }
        load.waitUntilExit()
        #expect(load.terminationStatus == 0, "the load failed")
        let last = try Self.parse(try fixture.shell("curl -sf http://127.0.0.1:\(port)/metrics").stdout)
        for (earlier, later) in zip(scrapes, scrapes.dropFirst() + [last]) {
            for (name, value) in earlier where name.contains("_total") || name.hasSuffix("_count") {
                #expect((later[name] ?? -1) >= value, "\(name) went down from \(value)")
            }
        }
        #expect((last["artifactfs_written_bytes_total"] ?? 0) >= Double(60 * 4 * 65536))
        #expect((last["artifactfs_read_bytes_total"] ?? 0) >= Double(60 * 4 * 65536))
        #expect((last[#"artifactfs_operations_total{operation="write"}"#] ?? 0) > 0)
        #expect(
            (last[#"artifactfs_operation_duration_seconds_count{operation="write"}"#] ?? 0)
                == last[#"artifactfs_operations_total{operation="write"}"#]
        )
        #expect(
            try fixture.shell("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:\(port)/other").stdout == "404"
        )

        let file = try Self.parse(try fixture.shell("cat mnt/.artifactfs/metrics").stdout)
        #expect((file["artifactfs_written_bytes_total"] ?? 0) >= Double(60 * 4 * 65536))

        // A failed operation: one line naming the path and the errno.
        try fixture.shell("mkdir mnt/full && touch mnt/full/x")
        #expect(try fixture.shell("rmdir mnt/full").status != 0)
        let log = try fixture.daemonLog()
        #expect(
            log.split(separator: "\n").contains { $0.contains("ENOTEMPTY") && $0.contains(fixture.data + "/full") },
            "\(log)"
        )
    }

    @Test func theDefaultLevelKeepsExpectedRefusalsOutOfTheLog() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        try #require(try fixture.mount().status == 0)
        try fixture.shell("mkdir mnt/full && touch mnt/full/x")
        #expect(try fixture.shell("rmdir mnt/full").status != 0)
        #expect(!(try fixture.daemonLog()).contains("ENOTEMPTY"))
    }

    @Test func badValuesAreRefusedByName() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        for (flags, named) in [
            (["--metrics-address", "9464"], "--metrics-address '9464'"),
            (["--metrics-address", "example.com:9464"], "not an IPv4 address"),
            (["--metrics-address", "127.0.0.1:99999"], "the port must be"),
            (["--log-level", "loud"], "--log-level 'loud' is not a log level"),
        ] {
            let refused = try fixture.cli.run(["mount", fixture.data, fixture.mountpoint] + flags)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains(named), "\(flags): \(refused.stderr)")
            #expect(!fixture.isMounted)
        }
        let environment = try fixture.cli.run(
            ["mount", fixture.data, fixture.mountpoint],
            environment: ["ARTIFACTFS_LOG_LEVEL": "chatty"]
        )
        #expect(environment.stderr.contains("ARTIFACTFS_LOG_LEVEL 'chatty'"), "\(environment.stderr)")

        // A port already taken fails the mount, naming the address.
        let port = try FreePorts.take(1)[0]
        let taken = Process()
        taken.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        taken.arguments = [
            "python3", "-c",
            "import socket,time; s=socket.socket(); s.bind(('127.0.0.1', \(port))); s.listen(); time.sleep(20)",
        ]
        try taken.run()
        defer {
            taken.terminate()
            taken.waitUntilExit()
        }
        usleep(500_000)
        let busy = try fixture.cli.run([
            "mount", fixture.data, fixture.mountpoint, "--metrics-address", "127.0.0.1:\(port)",
        ])
        #expect(busy.status != 0)
        #expect(busy.stderr.contains("127.0.0.1:\(port)"), "\(busy.stderr)")
        #expect(!fixture.isMounted)
    }
}
