import Foundation
import TestServers
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Files below a folder, by relative path, for comparing trees.
private func tree(_ root: String) throws -> [String: Data] {
    var files: [String: Data] = [:]
    let base = URL(fileURLWithPath: root).standardizedFileURL.path
    guard let walker = FileManager.default.enumerator(atPath: base) else { return files }
    for case let relative as String in walker {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: base + "/" + relative, isDirectory: &isDirectory),
            !isDirectory.boolValue
        {
            files[relative] = try Data(contentsOf: URL(fileURLWithPath: base + "/" + relative))
        }
    }
    return files
}

/// Writes files (relative path → contents) below a folder, creating parents.
private func write(_ root: String, _ files: [String: Data]) throws {
    for (relative, contents) in files {
        let url = URL(fileURLWithPath: root + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url)
    }
}

private func setModified(_ path: String, _ date: Date) throws {
    try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
}

private func modified(_ path: String) throws -> Date {
    try #require(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
}

private func randomData(_ count: Int) -> Data {
    Data((0..<count).map { _ in UInt8.random(in: 0...255) })
}

/// The `--json` report of a sync run.
private struct Report {
    let object: [String: Any]

    init(_ result: CLIRunner.Result) throws {
        #expect(result.status == 0, "\(result.stderr)")
        object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    private func actions(_ key: String) -> [[String: Any]] { object[key] as? [[String: Any]] ?? [] }
    var copied: [String] { actions("copied").compactMap { $0["path"] as? String } }
    var reasons: [String] { actions("copied").compactMap { $0["reason"] as? String } }
    var deleted: [String] { actions("deleted").compactMap { $0["path"] as? String } }
    var unchanged: Int? { object["unchanged"] as? Int }
}

@Suite("artifactfs sync")
struct SyncCommandTests {
    @Test func copiesWhatIsMissingOrChangedAndNothingOnARerun() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let first = try Report(ws.cli.run("sync", "--json", "runs", "out"))
        #expect(first.copied == ["1/metrics.json", "1/model.bin", "2/model.bin"])
        #expect(first.reasons == ["missing", "missing", "missing"])
        #expect(try tree(ws.path + "/out") == tree(ws.path + "/runs"))
        // A copy keeps the source's time, so the default comparison leaves it alone next time.
        let sourceTime = try modified(ws.path + "/runs/1/model.bin")
        #expect(abs(try modified(ws.path + "/out/1/model.bin").timeIntervalSince(sourceTime)) < 0.001)
        let rerun = try Report(ws.cli.run("sync", "--json", "runs", "out"))
        #expect(rerun.copied.isEmpty)
        #expect(rerun.unchanged == 3)

        try write(ws.path, ["runs/2/model.bin": Data("model two, retrained".utf8)])
        let resized = try Report(ws.cli.run("sync", "--json", "runs", "out"))
        #expect(resized.copied == ["2/model.bin"] && resized.reasons == ["size"])
        #expect(try ws.contents("out/2/model.bin") == "model two, retrained")

        // Same size, newer: copied; same size with the old time put back: only --checksum sees it.
        try write(ws.path, ["runs/1/model.bin": Data("model ONE".utf8)])
        try setModified(ws.path + "/runs/1/model.bin", sourceTime + 10)
        let newer = try Report(ws.cli.run("sync", "--json", "runs", "out"))
        #expect(newer.copied == ["1/model.bin"] && newer.reasons == ["newer"])
        try write(ws.path, ["runs/1/model.bin": Data("model 1!!".utf8)])
        try setModified(ws.path + "/runs/1/model.bin", sourceTime + 10)
        #expect(try Report(ws.cli.run("sync", "--json", "runs", "out")).copied.isEmpty)
        let checked = try Report(ws.cli.run("sync", "--json", "--checksum", "runs", "out"))
        #expect(checked.copied == ["1/model.bin"] && checked.reasons == ["checksum"])
        #expect(try Report(ws.cli.run("sync", "--json", "--checksum", "runs", "out")).copied.isEmpty)
        #expect(try tree(ws.path + "/out") == tree(ws.path + "/runs"))

        let text = try ws.cli.run("sync", "runs", "memory://copy")
        #expect(text.status == 0, "\(text.stderr)")
        #expect(
            text.stdout.split(separator: "\n").sorted() == [
                "3 copied (31 bytes), 0 deleted, 0 unchanged", "copy 1/metrics.json (missing)",
                "copy 1/model.bin (missing)", "copy 2/model.bin (missing)",
            ]
        )
    }

    @Test func deleteRemovesWhatTheSourceLacksButNeverExcludedFiles() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try write(ws.path, ["runs/1/train.log": Data("log".utf8)])
        try write(
            ws.path,
            [
                "out/old.txt": Data("old".utf8), "out/stale/deep/x.bin": Data("x".utf8),
                "out/keep.log": Data("kept".utf8),
            ]
        )
        let plain = try Report(ws.cli.run("sync", "--json", "--exclude", "*.log", "runs", "out"))
        #expect(plain.deleted.isEmpty)
        #expect(ws.exists("out/old.txt"))
        let synced = try Report(ws.cli.run("sync", "--json", "--delete", "--exclude", "*.log", "runs", "out"))
        #expect(synced.deleted == ["old.txt", "stale/deep/x.bin"])
        #expect(!ws.exists("out/old.txt") && !ws.exists("out/stale"))
        #expect(try ws.contents("out/keep.log") == "kept")
        #expect(!ws.exists("out/1/train.log"))
        #expect(ws.exists("out/1/model.bin") && ws.exists("out/2/model.bin"))

        let only = try Report(
            ws.cli.run("sync", "--json", "--exclude", "*", "--include", "*.json", "runs", "json-only")
        )
        #expect(only.copied == ["1/metrics.json"])
        let selected = try Report(ws.cli.run("sync", "--json", "--include", "2/**", "runs", "two-only"))
        #expect(selected.copied == ["2/model.bin"])
        #expect(try tree(ws.path + "/two-only").keys.sorted() == ["2/model.bin"])
    }

    @Test func dryRunPrintsThePlanAndChangesNothing() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try write(ws.path, ["out/1/model.bin": Data("old model".utf8), "out/extra.txt": Data("x".utf8)])
        let before = try tree(ws.path + "/out")
        let beforeTime = try modified(ws.path + "/out/1/model.bin")
        let text = try ws.cli.run("sync", "--dry-run", "--delete", "runs", "out")
        #expect(text.status == 0, "\(text.stderr)")
        #expect(
            text.stdout.split(separator: "\n") == [
                "would copy 1/metrics.json (missing)", "would copy 2/model.bin (missing)",
                "would delete extra.txt", "2 to copy (11 bytes), 1 to delete, 1 unchanged",
            ]
        )
        let json = try Report(ws.cli.run("sync", "--dry-run", "--json", "--checksum", "--delete", "runs", "out"))
        #expect(json.object["dryRun"] as? Bool == true)
        #expect(json.copied == ["1/metrics.json", "1/model.bin", "2/model.bin"])
        #expect(json.deleted == ["extra.txt"])
        #expect(try tree(ws.path + "/out") == before)
        #expect(try modified(ws.path + "/out/1/model.bin") == beforeTime)
        #expect(try ws.cli.run("sync", "--dry-run", "runs", "fresh").status == 0)
        #expect(!ws.exists("fresh"))
    }

    @Test func badInputIsRefusedNamingTheFlagOrPath() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let missing = try ws.cli.run("sync", "nowhere", "out")
        #expect(missing.status == 1)
        #expect(missing.stderr == "artifactfs: nowhere: no such file or directory (the sync source)\n")
        let fileOntoDirectory = try ws.cli.run("sync", "runs/1/model.bin", "runs/2")
        #expect(fileOntoDirectory.status == 1)
        #expect(fileOntoDirectory.stderr.hasPrefix("artifactfs: runs/2: is a directory, but the sync source"))
        let directoryOntoFile = try ws.cli.run("sync", "runs", "runs/1/model.bin")
        #expect(directoryOntoFile.status == 1)
        #expect(directoryOntoFile.stderr.hasPrefix("artifactfs: runs/1/model.bin: is a file, but the sync source"))
        let overlap = try ws.cli.run("sync", "runs", "runs/1/copy")
        #expect(overlap.status == 1)
        #expect(overlap.stderr.hasPrefix("artifactfs: runs/1/copy: overlaps the sync source 'runs'"))
        let jobs = try ws.cli.run("sync", "--jobs", "0", "runs", "out")
        #expect(jobs.status == 64)
        #expect(jobs.stderr.contains("--jobs must be at least 1 (got 0)"))
        let pattern = try ws.cli.run("sync", "--include", "runs/[1", "runs", "out")
        #expect(pattern.status == 64)
        #expect(pattern.stderr.contains("--include 'runs/[1': '[' without a closing ']'"))
        let excluded = try ws.cli.run("sync", "--exclude", "ok", "--exclude", "[z-a]", "runs", "out")
        #expect(excluded.status == 64)
        #expect(excluded.stderr.contains("--exclude '[z-a]': range 'z-a' is reversed"))
        #expect(!ws.exists("out"))
        // A file syncs onto a file path.
        #expect(try Report(ws.cli.run("sync", "--json", "runs/1/model.bin", "single.bin")).copied == [""])
        #expect(try ws.contents("single.bin") == "model one")
        try write(ws.path, ["runs/1/model.bin": Data("model one, longer".utf8)])
        #expect(
            try ws.cli.run("sync", "runs/1/model.bin", "single.bin").stdout
                == "copy runs/1/model.bin (size)\n1 copied (17 bytes), 0 deleted, 0 unchanged\n"
        )
        #expect(try ws.contents("single.bin") == "model one, longer")
    }

    @Test func linksToFilesAreSyncedAsFilesAndLinksToFoldersAreNotFollowed() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try FileManager.default.createSymbolicLink(
            atPath: ws.path + "/runs/latest.bin",
            withDestinationPath: "2/model.bin"
        )
        try FileManager.default.createSymbolicLink(atPath: ws.path + "/runs/again", withDestinationPath: ".")
        try FileManager.default.createSymbolicLink(atPath: ws.path + "/runs/dangling", withDestinationPath: "nowhere")
        let synced = try Report(ws.cli.run("sync", "--json", "runs", "out"))
        #expect(synced.copied == ["1/metrics.json", "1/model.bin", "2/model.bin", "latest.bin"])
        #expect(try ws.contents("out/latest.bin") == "model two")
        let kind = try FileManager.default.attributesOfItem(atPath: ws.path + "/out/latest.bin")[.type]
        #expect(kind as? FileAttributeType == .typeRegular)
        #expect(!ws.exists("out/again") && !ws.exists("out/dangling"))
    }

    @Test(.timeLimit(.minutes(5)))
    func aKilledRunIsFinishedByTheNextWithoutRecopying() throws {
        let server = try S3TestServer(.seaweedfs, buckets: ["sync-kill"])
        defer { server.shutDown() }
        try killAndResume(remote: "s3://sync-kill/many", environment: server.environment)
    }

    @Test(.timeLimit(.minutes(5)))
    func aKilledRunToCloudStorageIsFinishedByTheNextWithoutRecopying() throws {
        let server = try GCSTestServer(buckets: ["sync-kill"])
        defer { server.stop() }
        try killAndResume(remote: "gs://sync-kill/many", environment: server.environment)
    }

    @Test(.timeLimit(.minutes(5)))
    func aKilledRunToAzureIsFinishedByTheNextWithoutRecopying() throws {
        let server = try AzureTestServer(containers: ["sync-kill"])
        defer { server.stop() }
        try killAndResume(
            remote: "az://sync-kill/many",
            environment: ["AZURE_STORAGE_CONNECTION_STRING": server.connectionString]
        )
    }

    /// Syncs 300 files into `remote`, killed once 30 are reported copied; the next run copies
    /// only what is missing. Then back into a local folder, killed again: whatever is at a
    /// destination path is whole, and the next run finishes the tree.
    private func killAndResume(remote: String, environment env: [String: String]) throws {
        let ws = try Workspace()
        defer { ws.remove() }
        var files: [String: Data] = [:]
        for index in 0..<300 { files["many/\(index / 50)/file-\(index).bin"] = randomData(16 << 10 + index) }
        try write(ws.path, files)
        let source = try tree(ws.path + "/many")

        let killed = try runKilled(ws.cli, ["sync", "--jobs", "2", "many", remote], env, afterLines: 30)
        #expect(killed.count >= 30 && killed.count < 300, "the run finished before it was killed")
        let resumed = try Report(ws.cli.run("sync", "--json", "--jobs", "4", "many", remote, environment: env))
        #expect(Set(resumed.copied).isDisjoint(with: killed), "files complete before the kill were copied again")
        #expect(resumed.copied.count + (resumed.unchanged ?? 0) == 300)
        #expect(resumed.copied.count <= 300 - killed.count)

        let back = ws.path + "/back"
        let killedBack = try runKilled(ws.cli, ["sync", "--jobs", "2", remote, back], env, afterLines: 30)
        #expect(killedBack.count >= 30 && killedBack.count < 300, "the run finished before it was killed")
        let partial = try tree(back).filter { !$0.key.hasSuffix(".afs-tmp") }
        #expect(partial.count >= killedBack.count)
        for (path, contents) in partial { #expect(contents == source[path], "half-written \(path)") }
        let finished = try Report(ws.cli.run("sync", "--json", remote, back, environment: env))
        #expect(Set(finished.copied).isDisjoint(with: killedBack))
        #expect(try tree(back).filter { !$0.key.hasSuffix(".afs-tmp") } == source)
        #expect(try Report(ws.cli.run("sync", "--json", remote, back, environment: env)).copied.isEmpty)
    }

    @Test func checksumOnS3ComparesMultipartObjectsByContent() throws {
        let server = try S3TestServer(.seaweedfs, buckets: ["sync-sums"])
        defer { server.shutDown() }
        let ws = try Workspace()
        defer { ws.remove() }
        try register(
            ws,
            secret: ["--key=\(server.accessKey)", "--secret=\(server.secretKey)"],
            store: [
                "--flavor", "s3", "--path=s3://sync-sums/data", "--endpoint_url=\(server.endpoint)",
                "--key={{store.key}}", "--secret={{store.secret}}", "--part_size=\(5 << 20)",
            ]
        )
        try checksumRoundTrip(ws, remote: "s3://sync-sums/data", large: 6 << 20) { etag in
            #expect(etag.contains("-"), "\(etag) is not a multipart ETag: the test would not cover one")
        }
    }

    @Test func checksumOnCloudStorageComparesObjectsUploadedInChunks() throws {
        let server = try GCSTestServer(buckets: ["sync-sums"])
        defer { server.stop() }
        let ws = try Workspace()
        defer { ws.remove() }
        try register(
            ws,
            secret: ["--token=sync-test-token"],
            store: [
                "--flavor", "gcp", "--path=gs://sync-sums/data", "--endpoint_url=\(server.endpoint)",
                "--token={{store.token}}", "--part_size=\(256 << 10)",
            ]
        )
        try checksumRoundTrip(ws, remote: "gs://sync-sums/data", large: 1 << 20) { _ in }
    }

    /// What the destination listing found free costs one request to fill: the upload, carrying
    /// the source's time. What it found taken is checked as any write is, so a folder where the
    /// source has a file still refuses that file.
    @Test func aMissingFileCostsOnlyItsUploadAndAFolderInTheWayStillRefuses() throws {
        let s3 = try S3TestServer(.seaweedfs, buckets: ["sync-cost"])
        defer { s3.shutDown() }
        let proxy = try FaultProxy(upstream: s3.endpoint)
        defer { proxy.stop() }
        let ws = try Workspace()
        defer { ws.remove() }
        try register(
            ws,
            secret: ["--key=\(s3.accessKey)", "--secret=\(s3.secretKey)"],
            store: [
                "--flavor", "s3", "--path=s3://sync-cost/data", "--endpoint_url=\(proxy.endpoint)",
                "--key={{store.key}}", "--secret={{store.secret}}",
            ]
        )
        let sourceTime = Date(timeIntervalSince1970: 1_577_836_800)
        try setModified(ws.path + "/runs/1/model.bin", sourceTime)
        #expect(try Report(ws.cli.run("sync", "--json", "runs", "s3://sync-cost/data")).copied.count == 3)
        let fileRequests = proxy.events.filter {
            $0.request.path.hasSuffix(".json") || $0.request.path.hasSuffix(".bin")
        }
        #expect(
            fileRequests.map { "\($0.request.method) \($0.request.path)" }.sorted() == [
                "PUT /sync-cost/data/1/metrics.json", "PUT /sync-cost/data/1/model.bin",
                "PUT /sync-cost/data/2/model.bin",
            ],
            "\(proxy.log)"
        )
        let remote = try ws.cli.run("stat", "--json", "s3://sync-cost/data/1/model.bin")
        let info = try #require(try JSONSerialization.jsonObject(with: Data(remote.stdout.utf8)) as? [String: Any])
        let remoteTime = (info["modified"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) }
        #expect(remoteTime == sourceTime, "the object carries the source's time: \(info)")

        #expect(try ws.cli.run("mkdir", "-p", "s3://sync-cost/data/3/weights.bin/shard").status == 0)
        #expect(try ws.cli.run("cp", "runs/1/model.bin", "s3://sync-cost/data/3/weights.bin/shard/0").status == 0)
        try write(ws.path, ["runs/3/weights.bin": Data("a file where the destination has a folder".utf8)])
        let blocked = try ws.cli.run("sync", "--json", "runs", "s3://sync-cost/data")
        #expect(blocked.status != 0)
        #expect(blocked.stderr.contains("3/weights.bin"), "\(blocked.stderr)")
        #expect(
            try ws.cli.run("stat", "s3://sync-cost/data/3/weights.bin/shard/0").status == 0,
            "the folder is untouched"
        )
        let listed = try ws.cli.run("ls", "s3://sync-cost/data/3").stdout
        #expect(listed == "weights.bin/\n", "and no object shares its name: \(listed)")
    }

    @Test func syncsBetweenS3AndCloudStorage() throws {
        let s3 = try S3TestServer(.seaweedfs, buckets: ["sync-s3"])
        defer { s3.shutDown() }
        let gcs = try GCSTestServer(buckets: ["sync-gs"])
        defer { gcs.stop() }
        let ws = try Workspace()
        defer { ws.remove() }
        try register(
            ws,
            secret: ["--key=\(s3.accessKey)", "--secret=\(s3.secretKey)", "--token=sync-test-token"],
            store: [
                "--flavor", "s3", "--path=s3://sync-s3/data", "--endpoint_url=\(s3.endpoint)", "--key={{store.key}}",
                "--secret={{store.secret}}",
            ]
        )
        let other = try ws.cli.run(
            "artifact-store",
            "register",
            "other",
            "--flavor",
            "gcp",
            "--path=gs://sync-gs/data",
            "--endpoint_url=\(gcs.endpoint)",
            "--token={{store.token}}"
        )
        #expect(other.status == 0, "\(other.stderr)")
        #expect(try Report(ws.cli.run("sync", "--json", "runs", "s3://sync-s3/data")).copied.count == 3)
        let across = try Report(ws.cli.run("sync", "--json", "s3://sync-s3/data", "gs://sync-gs/data"))
        #expect(across.copied == ["1/metrics.json", "1/model.bin", "2/model.bin"])
        #expect(try Report(ws.cli.run("sync", "--json", "s3://sync-s3/data", "gs://sync-gs/data")).copied.isEmpty)
        let summed = try Report(ws.cli.run("sync", "--json", "--checksum", "gs://sync-gs/data", "s3://sync-s3/data"))
        #expect(summed.copied.isEmpty && summed.unchanged == 3)

        try write(ws.path, ["runs/2/model.bin": Data("model two, again".utf8)])
        #expect(try Report(ws.cli.run("sync", "--json", "runs", "s3://sync-s3/data")).copied == ["2/model.bin"])
        #expect(
            try Report(ws.cli.run("sync", "--json", "--delete", "s3://sync-s3/data", "gs://sync-gs/data")).copied == [
                "2/model.bin"
            ]
        )
        #expect(try Report(ws.cli.run("sync", "--json", "gs://sync-gs/data", "back")).copied.count == 3)
        #expect(try tree(ws.path + "/back") == tree(ws.path + "/runs"))
    }

    // MARK: - Helpers

    private func register(_ ws: Workspace, secret: [String], store: [String]) throws {
        let created = try ws.cli.run(["secret", "create", "store"] + secret)
        #expect(created.status == 0, "\(created.stderr)")
        let registered = try ws.cli.run(["artifact-store", "register", "remote"] + store)
        #expect(registered.status == 0, "\(registered.stderr)")
    }

    /// Local → remote and back with `--checksum`: a re-run copies nothing, a same-size edit with
    /// its old time put back is seen only by `--checksum`, and both folders end equal.
    private func checksumRoundTrip(
        _ ws: Workspace,
        remote: String,
        large: Int,
        checkLargeETag: (String) -> Void
    ) throws {
        var big = randomData(large)
        try write(ws.path, ["src/big.bin": big, "src/small.txt": Data("small".utf8)])
        let first = try Report(ws.cli.run("sync", "--json", "--checksum", "src", remote))
        #expect(first.copied == ["big.bin", "small.txt"])
        let stat = try ws.cli.run("stat", "--json", remote + "/big.bin")
        let etag = try #require(try JSONSerialization.jsonObject(with: Data(stat.stdout.utf8)) as? [String: Any])[
            "etag"
        ]
        checkLargeETag(etag as? String ?? "")
        let rerun = try Report(ws.cli.run("sync", "--json", "--checksum", "src", remote))
        #expect(rerun.copied.isEmpty)
        #expect(rerun.unchanged == 2)

        let time = try modified(ws.path + "/src/big.bin")
        big[big.count / 2] ^= 0xFF
        try write(ws.path, ["src/big.bin": big])
        try setModified(ws.path + "/src/big.bin", time)
        #expect(try Report(ws.cli.run("sync", "--json", "src", remote)).copied.isEmpty)
        let checked = try Report(ws.cli.run("sync", "--json", "--checksum", "src", remote))
        #expect(checked.copied == ["big.bin"] && checked.reasons == ["checksum"])

        let back = try Report(ws.cli.run("sync", "--json", "--checksum", remote, "back"))
        #expect(back.copied == ["big.bin", "small.txt"])
        #expect(try tree(ws.path + "/back") == tree(ws.path + "/src"))
        #expect(try Report(ws.cli.run("sync", "--json", remote, "back")).copied.isEmpty)
        #expect(try Report(ws.cli.run("sync", "--json", "--checksum", remote, "back")).copied.isEmpty)
    }

    /// Runs `artifactfs ARGS`, kills it (SIGKILL) once it has printed `afterLines` lines, and
    /// returns the paths it reported copied.
    private func runKilled(
        _ cli: CLIRunner,
        _ arguments: [String],
        _ environment: [String: String],
        afterLines: Int
    ) throws -> Set<String> {
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: cli.directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.merging([
            "ARTIFACTFS_CONFIG_DIR": cli.configDirectory ?? "", "XDG_CONFIG_HOME": cli.directory + "-xdg",
        ]) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        var text = ""
        while text.filter({ $0 == "\n" }).count < afterLines {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return Set(
            text.split(separator: "\n").compactMap { line in
                line.hasPrefix("copy ") ? String(line.dropFirst(5).split(separator: " ").first ?? "") : nil
            }
        )
    }
}
