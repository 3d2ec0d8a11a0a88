import Foundation
import TestServers
import Testing

/// The `s3` flavor, the mount and `models://` on a real SeaweedFS cluster (three volume servers,
/// replication `001`), and a volume server killed with SIGKILL while a 256 MiB object is read
/// through the mount and another is written through it. Serialized: the cluster is shared and the
/// machine has two cores.
@Suite("the s3 flavor on a SeaweedFS cluster that loses a volume server", .serialized)
struct ClusterFaultTests {
    /// The cluster and its `mounts` bucket, shared by the suite; stopped at process exit.
    private static let shared = Result { () -> (SeaweedFSCluster, ObjectTestServer) in
        let cluster = try SeaweedFSCluster()
        return (cluster, try ObjectTestServer(cluster: cluster))
    }

    /// Bytes of the object read and of the object written.
    static let size = 256 << 20
    /// Bytes each operation has done when it waits for the kill.
    static let beforeKill = 64 << 20

    /// Reads `mnt/r.bin` and writes `w.bin` to `mnt/w.bin` at once, in 1 MiB calls; with `pause`,
    /// each stops after ``beforeKill`` bytes, says so in `read.paused` / `write.paused`, and goes on
    /// once `killed` exists. Prints `read ok SHA256` or `read errno N`, and `write ok` or
    /// `write errno N at write|close`.
    static let operations = """
        import hashlib, os, sys, threading, time
        pause = sys.argv[1] == "pause"
        results = {}
        def wait_for_kill(name, done):
            if pause and done >= \(beforeKill) and not os.path.exists(name + ".paused"):
                open(name + ".paused", "w").close()
                while not os.path.exists("killed"): time.sleep(0.05)
        def read():
            digest = hashlib.sha256()
            done = 0
            try:
                with open("mnt/r.bin", "rb", buffering=0) as source:
                    while block := source.read(1 << 20):
                        digest.update(block)
                        done += len(block)
                        wait_for_kill("read", done)
                results["read"] = "ok " + digest.hexdigest()
            except OSError as error:
                results["read"] = "errno %d" % error.errno
        def write():
            done = 0
            stage = "write"
            try:
                with open("w.bin", "rb") as source:
                    fd = os.open("mnt/w.bin", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
                    try:
                        while block := memoryview(source.read(1 << 20)):
                            while block:
                                written = os.write(fd, block)
                                block = block[written:]
                                done += written
                            wait_for_kill("write", done)
                    except OSError:
                        try: os.close(fd)
                        except OSError: pass
                        raise
                    stage = "close"
                    os.close(fd)
                results["write"] = "ok"
            except OSError as error:
                results["write"] = "errno %d at %s" % (error.errno, stage)
        threads = [threading.Thread(target=read), threading.Thread(target=write)]
        for thread in threads: thread.start()
        for thread in threads: thread.join()
        print("read", results["read"])
        print("write", results["write"])
        """

    /// What ``operations`` printed: the read's outcome and the write's.
    struct Outcome: CustomStringConvertible {
        let read: String
        let write: String
        var description: String { "read \(read); write \(write)" }

        init(_ printed: String) {
            let lines = printed.split(separator: "\n").map(String.init)
            read = lines.first { $0.hasPrefix("read ") }.map { String($0.dropFirst(5)) } ?? printed
            write = lines.first { $0.hasPrefix("write ") }.map { String($0.dropFirst(6)) } ?? printed
        }
    }

    @Test(.timeLimit(.minutes(4)))
    func aKilledVolumeServerNeverYieldsWrongBytesNorAPartialObject() throws {
        let (cluster, server) = try Self.shared.get()
        let store = try MountedStore(.s3, server: server)
        defer { store.cleanUp() }
        defer { try? cluster.startVolumeServer(0) }
        try store.shell("head -c \(Self.size) /dev/urandom > r.bin && head -c \(Self.size) /dev/urandom > w.bin")
        try Self.operations.write(toFile: store.fixture.path + "/ops.py", atomically: false, encoding: .utf8)
        let readHash = try sha256(store, "r.bin")
        let writeHash = try sha256(store, "w.bin")
        let uploaded = try store.shell("./artifactfs cp r.bin '\(store.uri)/r.bin'")
        try #require(uploaded.status == 0, "\(uploaded.stderr)")
        try #require(try store.mount("--attr-ttl", "0").status == 0)

        // Both operations under way, then the kill, then the rest of both with the server down.
        let operations = try launchOperations(store)
        defer { if operations.isRunning { operations.terminate() } }
        let paused = store.fixture.wait(seconds: 120) { exists(store, "read.paused") && exists(store, "write.paused") }
        let started = try store.shell("cat ops.out").stdout
        try #require(paused, "the operations did not get under way: \(started)")
        cluster.killVolumeServer(0)
        #expect(!FreePorts.isListening(cluster.volumePort(0)), "volume server 0 still answers")
        try store.shell("touch killed")
        operations.waitUntilExit()
        let during = Outcome(try store.shell("cat ops.out").stdout)
        print("ClusterFaultTests: with volume server 0 killed mid-operation: \(during)")
        #expect(
            during.read == "ok " + readHash || during.read == "errno \(EIO)",
            "the read returned wrong bytes: \(during)"
        )
        try expectIntactOrAbsent(store, during, writeHash)

        // The server back on its data and ports: the same operations succeed, on a fresh mount
        // (so nothing is served from the kernel's cache of the first one).
        try cluster.startVolumeServer(0)
        #expect(try store.cli("unmount", store.mountpoint).status == 0)
        try #require(try store.mount("--attr-ttl", "0").status == 0)
        let printed = try store.shell("python3 ops.py straight")
        let after = Outcome(printed.stdout)
        #expect(after.read == "ok " + readHash, "the read after the restart failed: \(after) \(printed.stderr)")
        #expect(after.write == "ok", "the write after the restart failed: \(after) \(printed.stderr)")
        try expectIntactOrAbsent(store, after, writeHash)
    }

    @Test(.timeLimit(.minutes(2)))
    func aModelVersionOnTheClusterIsReadByStage() throws {
        let (_, server) = try Self.shared.get()
        let store = try MountedStore(.s3, server: server)
        defer { store.cleanUp() }
        try store.shell("mkdir -p run && printf 'cluster weights' > run/model.bin")
        for arguments in [
            ["model-registry", "register", "models", "--flavor", "default"],
            ["stack", "update", "default", "--artifact-store", "store", "--model-registry", "models"],
            ["model-registry", "models", "register", "resnet"],
            ["model-registry", "models", "register-version", "resnet", "-u", "run"],
            ["model-registry", "models", "update-version", "resnet", "-v", "1", "--stage", "production"],
        ] {
            let result = try store.fixture.cli.run(arguments)
            try #require(result.status == 0, "\(arguments): \(result.stderr)")
        }
        #expect(try store.cli("cat", "models://resnet/production/model.bin").stdout == "cluster weights")
        #expect(
            try store.cli("cat", store.uri + "/models/resnet/1/model.bin").stdout == "cluster weights",
            "the version was not copied to the cluster"
        )
        try #require(try store.fixture.cli.run(["mount", "models://", store.mountpoint]).status == 0)
        #expect(try store.shell("cat mnt/resnet/production/model.bin").stdout == "cluster weights")
    }

    /// A write that succeeded left the whole object (by SHA-256, read through `fileio`); one that
    /// failed left nothing, neither in the store nor in the mount's listing.
    private func expectIntactOrAbsent(_ store: MountedStore, _ outcome: Outcome, _ hash: String) throws {
        if outcome.write == "ok" {
            let fetched = try store.cli("cp", store.uri + "/w.bin", "held.bin")
            #expect(fetched.status == 0, "\(fetched.stderr)")
            #expect(try sha256(store, "held.bin") == hash, "close() succeeded, yet the object is not whole")
            try store.shell("rm -f held.bin")
        } else {
            #expect(outcome.write.hasPrefix("errno \(EIO) at "), "the write failed without EIO: \(outcome)")
            #expect(try store.cli("stat", store.uri + "/w.bin").status != 0, "a partial object is visible: \(outcome)")
            #expect(!(try store.shell("ls mnt").stdout.contains("w.bin")), "the mount lists a partial object")
        }
    }

    /// Starts ``operations`` with pauses in the fixture folder, its output in `ops.out`, under a
    /// 300 s timeout. Not through a shell in the background: `shell` would wait for it to end.
    private func launchOperations(_ store: MountedStore) throws -> Process {
        let output = store.fixture.path + "/ops.out"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["-k", "5", "300", "python3", "ops.py", "pause"]
        process.currentDirectoryURL = URL(fileURLWithPath: store.fixture.path)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = process.standardOutput
        try process.run()
        return process
    }

    private func exists(_ store: MountedStore, _ name: String) -> Bool {
        FileManager.default.fileExists(atPath: store.fixture.path + "/" + name)
    }

    /// The SHA-256 of a file in the fixture folder.
    private func sha256(_ store: MountedStore, _ name: String) throws -> String {
        String(try store.shell("sha256sum \(name)").stdout.prefix(64))
    }
}
