import Foundation
import TestServers
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` at a known moment: of the mount daemon while a file is written through it, of a
/// `cp` mid-transfer, and of metadata writers inside their transactions. Each kill waits for a
/// fact (bytes handed to the daemon, parts on the server, a staging file on disk) rather than a
/// delay, so the tests do not depend on the machine's speed. Serialized: they kill processes and
/// the machine has two cores.
@Suite("crashes: kill -9 of the daemon, of cp and of metadata writers", .serialized)
struct CrashTests {
    /// Bytes a killed transfer has sent before the kill: three 8 MiB parts.
    static let sentBeforeKill = 24 << 20

    /// A daemon killed while a replacement and a new file are open for writing: the store keeps
    /// the old object and has no new one, `unmount` clears the dead mountpoint, and a remount
    /// serves the old bytes.
    @Test(.timeLimit(.minutes(2)))
    func aKilledMountDaemonLeavesTheOldObjectAndTheMountpointRecovers() throws {
        let store = try MountedStore(.s3)
        defer { store.cleanUp() }
        try #require(try store.mount("--attr-ttl", "0").status == 0)
        try store.shell("printf 'old weights' > mnt/model.bin")
        let pid = try #require(try store.fixture.daemonPID())

        // The writer hands 20 MiB of a replacement and 3 MiB of a new file to the daemon (each
        // write(2) returned), then kills it with both files still open.
        try store.shell(
            """
            python3 - <<'PY'
            import os, signal
            replaced = open("mnt/model.bin", "wb", buffering=0)
            replaced.write(os.urandom(20 << 20))
            created = open("mnt/new.bin", "wb", buffering=0)
            created.write(os.urandom(3 << 20))
            os.kill(\(pid), signal.SIGKILL)
            PY
            """
        )
        #expect(!MountTestsSupport.isAlive(pid) || store.fixture.wait { !MountTestsSupport.isAlive(pid) })

        #expect(try store.cli("cat", store.uri + "/model.bin").stdout == "old weights", "a partial object replaced it")
        #expect(try store.cli("stat", store.uri + "/new.bin").status != 0, "a partial new object is visible")
        let recovered = try store.cli("unmount", store.mountpoint)
        #expect(recovered.status == 0, "\(recovered.stderr)")
        #expect(!store.fixture.isMounted)
        try #require(try store.mount("--attr-ttl", "0").status == 0, "the mountpoint is usable again")
        let listing = try store.shell("cat mnt/model.bin; ls mnt")
        #expect(listing.stdout == "old weightsmodel.bin\n", "\(listing.stdout)\(listing.stderr)")
        #expect(!listing.stderr.contains("Transport endpoint is not connected"))
    }

    /// A `cp` to s3 killed once two parts are on the server: no object at the key, its upload
    /// left in progress; the next copy to the key completes whole and aborts that upload.
    @Test(.timeLimit(.minutes(2)))
    func aKilledCopyToS3LeavesNoObjectAndTheNextCopyAbortsItsUpload() throws {
        let server = try S3TestServer(.seaweedfs, buckets: ["crash"])
        defer { server.shutDown() }
        let ws = try Workspace()
        defer { ws.remove() }
        // Prints the multipart uploads in progress for big.bin, then how many parts they hold.
        let uploads = """
            import boto3
            s3 = boto3.client('s3')
            ups = [u for u in s3.list_multipart_uploads(Bucket='crash').get('Uploads', []) if u['Key'] == 'big.bin']
            parts = [s3.list_parts(Bucket='crash', Key='big.bin', UploadId=u['UploadId']).get('Parts', []) for u in ups]
            print(len(ups), sum(len(p) for p in parts))
            """
        func pending() -> [Int] {
            ((try? server.runPython(uploads)) ?? "").split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        }
        try killMidTransfer(ws, to: "s3://crash/big.bin", environment: server.environment) {
            (pending().last ?? 0) >= 2
        }
        let head =
            "import boto3\ntry:\n boto3.client('s3').head_object(Bucket='crash', Key='big.bin'); print('there')\nexcept Exception: print('absent')"
        #expect(try server.runPython(head) == "absent\n", "a half object is at the destination")

        #expect(pending().first == 1, "the killed copy's upload is the stale one to clean up")

        try expectTheNextCopyWritesItWhole(ws, to: "s3://crash/big.bin", environment: server.environment)
        #expect(pending() == [0, 0], "the next copy of the key aborts the stale upload")
    }

    /// A `cp` to gcp killed once a chunk of its resumable upload is on fake-gcs-server: no object
    /// at the name. The session stays open and unpublished: the JSON API lists no sessions, so no
    /// later run can find it (the store cancels a session only when the upload fails in-process);
    /// fake-gcs-server keeps it in memory until it stops, Cloud Storage drops it a week after it
    /// was opened. The next copy opens a session of its own and publishes the whole file.
    @Test(.timeLimit(.minutes(1)))
    func aKilledCopyToGCSLeavesNoObjectAndTheNextCopyWritesItWhole() throws {
        let server = try GCSTestServer(buckets: ["crash"])
        defer { server.stop() }
        let proxy = try FaultProxy(upstream: server.endpoint)
        defer { proxy.stop() }
        let ws = try Workspace()
        defer { ws.remove() }
        let chunk = RequestMatch(method: "PUT", pathContains: "/upload/storage/v1/")
        try killMidTransfer(ws, to: "gs://crash/big.bin", environment: ["STORAGE_EMULATOR_HOST": proxy.endpoint]) {
            proxy.requests(matching: chunk).contains { $0.status == 308 }
        }
        let stat = try ws.cli.run("stat", "gs://crash/big.bin", environment: server.environment)
        #expect(stat.status != 0, "a half object is at the destination: \(stat.stdout)\n\(proxy.log)")
        try expectTheNextCopyWritesItWhole(ws, to: "gs://crash/big.bin", environment: server.environment)
    }

    /// A `cp` to azure killed once two of its blocks are staged on the Blob test server (answered
    /// 201, seen through a ``FaultProxy``): no blob at the name, the blocks left uncommitted (never
    /// visible). The store does not clean them up, and needs not: the next upload of the blob
    /// stages blocks of the same ids and its Put Block List discards every uncommitted block it
    /// does not name, as the service does (which also drops uncommitted blocks a week after the
    /// last Put Block).
    @Test(.timeLimit(.minutes(1)))
    func aKilledCopyToAzureLeavesNoBlobAndTheNextCommitDiscardsItsBlocks() throws {
        let server = try AzureTestServer(containers: ["crash"])
        defer { server.stop() }
        let proxy = try FaultProxy(upstream: server.endpoint)
        defer { proxy.stop() }
        let ws = try Workspace()
        defer { ws.remove() }
        let environment = ["AZURE_STORAGE_CONNECTION_STRING": server.connectionString]
        // The server keeps a staged block as `HASH.block.HASH` beside the container's blobs.
        func staged() -> Int {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: server.directory + "/data/crash")) ?? []
            return names.filter { $0.contains(".block.") }.count
        }
        let block = RequestMatch(method: "PUT", pathContains: "/big.bin", queryHas: ["blockid"])
        let throughProxy = [
            "AZURE_STORAGE_CONNECTION_STRING": server.connectionString.replacingOccurrences(
                of: server.endpoint,
                with: proxy.endpoint
            )
        ]
        try killMidTransfer(ws, to: "az://crash/big.bin", environment: throughProxy) {
            proxy.requests(matching: block).filter { $0.status == 201 }.count >= 2
        }
        let stat = try ws.cli.run("stat", "az://crash/big.bin", environment: environment)
        #expect(stat.status != 0, "a half blob is at the destination: \(stat.stdout)\n\(proxy.log)")
        #expect(staged() >= 2, "the killed copy's blocks are not the uncommitted ones\n\(proxy.log)")
        try expectTheNextCopyWritesItWhole(ws, to: "az://crash/big.bin", environment: environment)
        #expect(staged() == 0, "the next commit of the blob leaves uncommitted blocks behind")
    }

    /// A `cp` to a local folder killed once half its bytes are in the staging file: nothing at
    /// the destination path, and the next copy writes it.
    @Test(.timeLimit(.minutes(1)))
    func aKilledCopyToALocalFolderLeavesNoHalfFile() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        try FileManager.default.createDirectory(atPath: ws.path + "/out", withIntermediateDirectories: true)
        try killMidTransfer(ws, to: "out/big.bin", environment: [:]) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: ws.path + "/out")) ?? []
            return names.contains { name in
                name.hasSuffix(".afs-tmp")
                    && ((try? FileManager.default.attributesOfItem(atPath: ws.path + "/out/" + name)[.size])
                        as? Int ?? 0) >= Self.sentBeforeKill / 2
            }
        }
        #expect(!ws.exists("out/big.bin"), "a half file is at the destination")
        #expect(try ws.cli.run("cp", "runs/1/model.bin", "out/big.bin").status == 0)
        #expect(try ws.contents("out/big.bin") == "model one")
    }

    /// Pairs of writers (a stack registration, a store registration) killed 0 to 15 ms after each
    /// opened the metadata database, so the kills land before, inside and after their transactions.
    @Test(.timeLimit(.minutes(1)))
    func killedRegistrationsLeaveAnIntactDatabaseWithWholeRowsOnly() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(
            try ws.cli.run("artifact-store", "register", "base", "--flavor", "local", "--path=/tmp/base").status == 0
        )
        let database = (ws.cli.configDirectory ?? "") + "/metadata.db"
        let count = 30
        for index in 0..<count {
            let writers = [
                try start(ws, ["stack", "register", "s\(index)", "-a", "base"], environment: [:]),
                try start(
                    ws,
                    ["artifact-store", "register", "c\(index)", "--flavor", "local", "--path=/tmp/c\(index)"],
                    environment: [:]
                ),
            ]
            for writer in writers { waitUntil(writer.processIdentifier, opens: database) }
            usleep(useconds_t(500 * index))
            for writer in writers {
                kill(writer.processIdentifier, SIGKILL)
                writer.waitUntilExit()
            }
        }
        let checks = try ServerProcess.run(
            "/usr/bin/env",
            [
                "python3", "-c",
                """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1])
                print(db.execute('PRAGMA integrity_check').fetchone()[0])
                print(db.execute("SELECT count(*) FROM stack s WHERE NOT EXISTS "
                    "(SELECT 1 FROM stackComponent c WHERE c.stackId = s.id)").fetchone()[0])
                """,
                database,
            ],
            environment: [:]
        )
        #expect(checks == "ok\n0\n", "integrity_check, then the stacks registered without their store")
        var registered = 0
        for index in 0..<count {
            let described = try ws.cli.run("artifact-store", "describe", "c\(index)")
            if described.status == 0 { registered += 1 }
            #expect(
                described.status == 0
                    ? described.stdout.contains("/tmp/c\(index)") : described.stderr.contains("'c\(index)'"),
                "c\(index): \(described.stdout)\(described.stderr)"
            )
        }
        #expect(registered > 0 && registered < count, "every kill fell on the same side of the commit")
        #expect(try ws.cli.run("stack", "list").status == 0)
    }

    // MARK: - Helpers

    /// Runs `cp SOURCE DESTINATION` from a FIFO, feeds it ``sentBeforeKill`` bytes, waits up to
    /// 30 s until `sent` holds, then kills it with the FIFO still open (so the copy never sees
    /// the end of its input and cannot finish).
    private func killMidTransfer(
        _ ws: Workspace,
        to destination: String,
        environment: [String: String],
        until sent: () -> Bool
    ) throws {
        let fifo = ws.path + "/source.fifo"
        try #require(mkfifo(fifo, 0o600) == 0)
        // O_RDWR: a FIFO opened so does not wait for a reader, and holds the pipe open after the kill.
        let fd = open(fifo, O_RDWR)
        try #require(fd >= 0)
        defer { close(fd) }
        let errors = ws.path + "/cp.stderr"
        let process = try start(ws, ["cp", "source.fifo", destination], environment: environment, stderrFile: errors)
        func stderr() -> String { (try? String(contentsOfFile: errors, encoding: .utf8)) ?? "" }
        defer {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // Non-blocking: a copy that stops reading (or ends) must fail the test, not hang it on a
        // full pipe this process also holds open for reading.
        try #require(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0)
        let chunk = [UInt8](repeating: 0x5A, count: 1 << 20)
        let deadline = Date().addingTimeInterval(30)
        var fed = 0
        while fed < Self.sentBeforeKill {
            let written = chunk.withUnsafeBytes { bytes in
                write(
                    fd,
                    bytes.baseAddress! + fed % chunk.count,
                    min(chunk.count - fed % chunk.count, Self.sentBeforeKill - fed)
                )
            }
            if written > 0 {
                fed += written
                continue
            }
            try #require(errno == EAGAIN, "writing to the copy's input failed: errno \(errno)")
            try #require(process.isRunning, "the copy ended after reading \(fed) bytes of its input: \(stderr())")
            try #require(Date() < deadline, "the copy stopped reading its input after \(fed) bytes")
            usleep(10_000)
        }
        while !sent() && Date() < deadline { usleep(100_000) }
        try #require(sent(), "the copy did not reach the kill point: \(stderr())")
        try #require(process.isRunning, "the copy finished before it was killed: \(stderr())")
    }

    /// Copies a 20 MiB file to `destination`, reads it back and expects the very bytes.
    private func expectTheNextCopyWritesItWhole(
        _ ws: Workspace,
        to destination: String,
        environment: [String: String]
    ) throws {
        let whole = Data((0..<(20 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try whole.write(to: URL(fileURLWithPath: ws.path + "/whole.bin"))
        let copied = try ws.cli.run("cp", "whole.bin", destination, environment: environment)
        #expect(copied.status == 0, "\(copied.stderr)")
        let fetched = try ws.cli.run("cp", destination, "fetched.bin", environment: environment)
        #expect(fetched.status == 0, "\(fetched.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: ws.path + "/fetched.bin")) == whole)
    }

    /// Waits up to 10 s until process `pid` has `file` open, or has ended.
    private func waitUntil(_ pid: Int32, opens file: String) {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && MountTestsSupport.isAlive(pid) {
            let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            if descriptors.contains(where: {
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) == file
            }) {
                return
            }
            usleep(200)
        }
    }

    /// Starts `artifactfs ARGUMENTS` in the workspace, its output discarded but for standard error
    /// into `stderrFile` when given (for a failure's message).
    private func start(
        _ ws: Workspace,
        _ arguments: [String],
        environment: [String: String],
        stderrFile: String? = nil
    ) throws -> Process {
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: ws.path)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.merging([
            "ARTIFACTFS_CONFIG_DIR": ws.cli.configDirectory ?? "", "XDG_CONFIG_HOME": ws.path + "-xdg",
        ]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        if let stderrFile {
            _ = FileManager.default.createFile(atPath: stderrFile, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: stderrFile)
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        return process
    }
}
