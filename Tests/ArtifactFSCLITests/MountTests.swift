import FileIO
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Real FUSE mounts of real stores through the built `artifactfs`, exercised with the tools a
/// user would run on them. Serialized: each test mounts, and the machine has two cores.
@Suite("artifactfs mount", .serialized)
struct MountTests {
    @Test func filesWrittenThroughTheMountAreReadThroughFileioAndTheOtherWayRound() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        #expect(
            try fixture.cli.run(
                "artifact-store",
                "register",
                "warehouse",
                "--flavor",
                "local",
                "--path=\(fixture.data)"
            ).status == 0
        )
        #expect(try fixture.cli.run("stack", "register", "prod", "-a", "warehouse").status == 0)
        let mounted = try fixture.mount("warehouse", "--attr-ttl", "0")
        try #require(mounted.status == 0, "\(mounted.stderr)")
        #expect(fixture.isMounted, "mount returns only once the mount is usable")

        try fixture.shell("mkdir -p mnt/runs/1 && printf 'weights' > mnt/runs/1/model.bin")
        let store = try LocalArtifactStore(root: fixture.data)
        #expect(try store.read(fixture.data + "/runs/1/model.bin") == Array("weights".utf8))

        try store.write(fixture.data + "/runs/2/metrics.json", contents: Array(#"{"accuracy": 0.93}"#.utf8))
        #expect(try fixture.shell("cat mnt/runs/2/metrics.json").stdout == #"{"accuracy": 0.93}"#)

        let listing = try fixture.cli.run("mounts", "--json")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]])
        let row = try #require(rows.first { $0["mountpoint"] as? String == fixture.mountpoint })
        #expect(row["component"] as? String == "warehouse")
        #expect(row["flavor"] as? String == "local")
        #expect(row["status"] as? String == "ok")

        #expect(!(try fixture.shell("ls -a mnt").stdout.contains(".artifactfs")), "the control folder is not listed")
        let component = try fixture.shell("cat mnt/.artifactfs/component.json").stdout
        let record = try #require(try JSONSerialization.jsonObject(with: Data(component.utf8)) as? [String: Any])
        #expect(record["component"] as? String == "warehouse")
        #expect(record["flavor"] as? String == "local")
        #expect((record["config"] as? [String: Any])?["path"] as? String == fixture.data)
        let stack = try fixture.shell("cat mnt/.artifactfs/stack.json").stdout
        #expect(
            (try JSONSerialization.jsonObject(with: Data(stack.utf8)) as? [String: Any])?["stack"] as? String == "prod"
        )
        let stats = try fixture.shell("cat mnt/.artifactfs/stats").stdout
        let counters = try #require(try JSONSerialization.jsonObject(with: Data(stats.utf8)) as? [String: Any])
        #expect((counters["bytes_written"] as? Int ?? 0) >= 7)
        #expect((counters["operations"] as? [String: Any])?["create"] != nil)
        #expect(try fixture.shell("echo x > mnt/.artifactfs/stats").status != 0, "the control folder is read-only")

        #expect(try fixture.cli.run("unmount", fixture.mountpoint).status == 0)
        #expect(!fixture.isMounted)
        #expect(try fixture.cli.run("mounts").stdout.contains(fixture.mountpoint) == false)
    }

    @Test func shellToolsBehaveAsOnALocalDisk() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        try #require(try fixture.mount().status == 0)
        let tree = try fixture.shell(
            """
            mkdir -p src/a/b src/c && for i in $(seq 1 40); do head -c $((i * 997)) /dev/urandom > src/a/b/f$i; done
            echo hello > src/c/hello.txt
            cp -r src mnt/tree && diff -r src mnt/tree && diff -r src data/tree
            """
        )
        #expect(tree.status == 0, "\(tree.stderr)")
        #expect(try fixture.shell("ls -lR mnt/tree | grep -c '^-'").stdout == "41\n")
        #expect(try fixture.shell("find mnt/tree -type f | wc -l").stdout == "41\n")
        #expect(
            try fixture.shell("find mnt/tree -type d | sort").stdout
                == "mnt/tree\nmnt/tree/a\nmnt/tree/a/b\nmnt/tree/c\n"
        )

        #expect(
            try fixture.shell("mv mnt/tree/c/hello.txt mnt/tree/c/renamed.txt && cat mnt/tree/c/renamed.txt").stdout
                == "hello\n"
        )
        #expect(!FileManager.default.fileExists(atPath: fixture.data + "/tree/c/hello.txt"))
        #expect(try fixture.shell("mv mnt/tree/a mnt/tree/moved && ls mnt/tree/moved/b | wc -l").stdout == "40\n")
        #expect(
            try fixture.shell("echo more >> mnt/tree/c/renamed.txt && cat data/tree/c/renamed.txt").stdout
                == "hello\nmore\n"
        )
        #expect(try fixture.shell("truncate -s 3 mnt/tree/c/renamed.txt && cat mnt/tree/c/renamed.txt").stdout == "hel")

        // Typed errors reach the caller as the right errno.
        #expect(try fixture.shell("rmdir mnt/tree/moved").stderr.contains("Directory not empty"))
        #expect(try fixture.shell("mkdir mnt/tree/c").stderr.contains("File exists"))
        #expect(try fixture.shell("cat mnt/tree/c").stderr.contains("Is a directory"))
        #expect(try fixture.shell("cat mnt/tree/missing").stderr.contains("No such file or directory"))
        #expect(try fixture.shell("ls mnt/tree/c/renamed.txt/x").stderr.contains("Not a directory"))

        #expect(try fixture.shell("rm -r mnt/tree && ls mnt | wc -l").stdout == "0\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.data).isEmpty)
    }

    @Test func largeFilesStreamAndRandomReadsMatchByHash() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        try #require(try fixture.mount().status == 0)
        let written = try fixture.shell("dd if=/dev/urandom of=mnt/big.bin bs=1M count=256 status=none")
        #expect(written.status == 0, "\(written.stderr)")
        let sums = try fixture.shell("sha256sum < data/big.bin; sha256sum < mnt/big.bin").stdout.split(separator: "\n")
        #expect(sums.count == 2 && sums[0] == sums[1])
        #expect(try fixture.shell("stat -c %s mnt/big.bin").stdout == "268435456\n")

        // Random reads (varied sizes and offsets, in a shuffled order) match the backing file.
        let random = try fixture.shell(
            """
            for i in $(seq 1 48); do
              block=$(( (RANDOM % 4 + 1) * 4096 )); skip=$(( (RANDOM * 7) % (268435456 / block - 4) )); count=$(( RANDOM % 4 + 1 ))
              a=$(dd if=mnt/big.bin bs=$block skip=$skip count=$count status=none | sha256sum)
              b=$(dd if=data/big.bin bs=$block skip=$skip count=$count status=none | sha256sum)
              [ "$a" = "$b" ] || { echo "mismatch at block=$block skip=$skip count=$count"; exit 1; }
            done
            """
        )
        #expect(random.status == 0, "\(random.stdout)\(random.stderr)")

        // A write into the middle of an existing file (staged copy) keeps the rest.
        let patched = try fixture.shell(
            """
            printf 'PATCH' | dd of=mnt/big.bin bs=1 seek=1000000 conv=notrunc status=none
            dd if=data/big.bin bs=1 skip=1000000 count=5 status=none
            """
        )
        #expect(patched.stdout == "PATCH")
        #expect(try fixture.shell("stat -c %s data/big.bin").stdout == "268435456\n")
    }

    @Test func eightParallelReadersSeeTheSameBytes() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        try #require(try fixture.shell("head -c 67108864 /dev/urandom > data/shared.bin").status == 0)
        try #require(try fixture.mount().status == 0)
        let result = try fixture.shell(
            """
            expected=$(sha256sum < data/shared.bin)
            for i in $(seq 1 8); do sha256sum < mnt/shared.bin > sum.$i & done; wait
            for i in $(seq 1 8); do [ "$(cat sum.$i)" = "$expected" ] || exit 1; done
            """
        )
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func aDirectoryOfOneHundredThousandEntriesLists() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        let made = try fixture.shell("mkdir data/many && cd data/many && seq -f 'f%06g' 1 100000 | xargs touch")
        try #require(made.status == 0, "\(made.stderr)")
        try #require(try fixture.mount().status == 0)
        #expect(try fixture.shell("ls mnt/many | wc -l").stdout == "100000\n")
        #expect(try fixture.shell("ls -f mnt/many | sort | tail -1").stdout == "f100000\n")
        #expect(try fixture.shell("find mnt/many -type f | wc -l").stdout == "100000\n")
    }

    /// A local store is written in place, as the disk is: a write is there for every reader at
    /// once, not at close (a failed upload at close is an object store's, see ObjectStoreMountTests).
    @Test func aFileBeingWrittenThroughALocalMountIsOnTheDiskAtOnce() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        try #require(try fixture.mount().status == 0)
        let result = try fixture.shell(
            """
            python3 - <<'PY'
            import os
            f = open("mnt/report.csv", "w")
            f.write("a,b\\n")
            f.flush()
            print(open("data/report.csv").read(), end="")
            print(open("mnt/report.csv").read(), end="")
            os.fsync(f.fileno())
            f.close()
            PY
            """
        )
        #expect(result.stdout == "a,b\na,b\n", "\(result.stdout)\(result.stderr)")
    }

    @Test func aMemoryStoreAndAReadOnlyMountWork() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        try #require(try fixture.mount("memory://scratch").status == 0)
        #expect(
            try fixture.shell("mkdir mnt/x && echo in-memory > mnt/x/a.txt && cat mnt/x/a.txt").stdout == "in-memory\n"
        )
        #expect(try fixture.cli.run("unmount", fixture.mountpoint).status == 0)

        try #require(try fixture.shell("echo kept > data/kept.txt").status == 0)
        try #require(try fixture.mount(nil, "--read-only").status == 0)
        #expect(try fixture.shell("cat mnt/kept.txt").stdout == "kept\n")
        #expect(try fixture.shell("echo new > mnt/new.txt").stderr.contains("Read-only file system"))
        #expect(try fixture.shell("rm mnt/kept.txt").stderr.contains("Read-only file system"))
        #expect(try fixture.cli.run("mounts").stdout.contains("ok (ro)"))
    }

    @Test func aModelRegistryMountsAsFoldersOfVersionsWithStagesAsLinks() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        try #require(
            try fixture.shell(
                "mkdir -p data/r1 data/r2 && head -c 300000 /dev/urandom > data/r1/model.bin && echo two > data/r2/model.bin"
            ).status == 0
        )
        for arguments in [
            ["model-registry", "register", "models", "--flavor", "default"],
            ["stack", "update", "default", "--model-registry", "models"],
            ["model-registry", "models", "register", "resnet"],
            ["model-registry", "models", "register-version", "resnet", "-u", "data/r1"],
            ["model-registry", "models", "register-version", "resnet", "-u", "data/r2"],
            ["model-registry", "models", "update-version", "resnet", "-v", "1", "--stage", "production"],
        ] {
            try #require(try fixture.cli.run(arguments).status == 0, "\(arguments)")
        }
        try #require(try fixture.mount("models://", "--attr-ttl", "1").status == 0)
        #expect(try fixture.shell("ls mnt").stdout == "resnet\n")
        #expect(try fixture.shell("ls mnt/resnet").stdout == "1\n2\nnone\nproduction\n")
        #expect(
            try fixture.shell("readlink mnt/resnet/production").stdout == "1\n",
            "a stage is a link to its version's folder"
        )
        #expect(
            try fixture.shell("cmp data/r1/model.bin mnt/resnet/production/model.bin").status == 0,
            "byte-identical to what was registered"
        )
        try #require(
            try fixture.cli.run(
                "model-registry",
                "models",
                "update-version",
                "resnet",
                "-v",
                "2",
                "--stage",
                "production",
                "--archive-existing"
            ).status == 0
        )
        #expect(
            fixture.wait(seconds: 5) { (try? fixture.shell("readlink mnt/resnet/production").stdout) == "2\n" },
            "the move shows within the TTL"
        )
        #expect(try fixture.shell("cat mnt/resnet/production/model.bin").stdout == "two\n")
        #expect(try fixture.shell("echo x > mnt/resnet/new").stderr.contains("Read-only file system"))
    }

    @Test func badInputGetsAClearErrorAndLeavesNothingMounted() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        let missing = try fixture.cli.run("mount", fixture.data, fixture.path + "/nowhere")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("mountpoint does not exist"))

        try #require(try fixture.shell("touch a-file").status == 0)
        let onFile = try fixture.cli.run("mount", fixture.data, fixture.path + "/a-file")
        #expect(onFile.status == 1)
        #expect(onFile.stderr.contains("is a file, not a folder"))

        let unknown = try fixture.mount("no-such-store")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no-such-store"))

        #expect(
            try fixture.cli.run(
                "artifact-store",
                "register",
                "broken",
                "--flavor",
                "local",
                "--path=\(fixture.path)/a-file/store"
            ).status == 0
        )
        let unreachable = try fixture.mount("broken")
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("store unreachable"), "\(unreachable.stderr)")

        try #require(try fixture.shell("touch mnt/occupied").status == 0)
        let notEmpty = try fixture.mount()
        #expect(notEmpty.status == 1)
        #expect(notEmpty.stderr.contains("not empty"))
        #expect(!fixture.isMounted)

        let notMounted = try fixture.cli.run("unmount", fixture.mountpoint)
        #expect(notMounted.status == 1)
        #expect(notMounted.stderr.contains("not an artifactfs mount"))
    }

    @Test func signalsUnmountCleanlyAndAKilledDaemonIsRecovered() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        try #require(try fixture.mount().status == 0)
        let pid = try #require(try fixture.daemonPID())
        kill(pid, SIGTERM)
        #expect(fixture.wait { !fixture.isMounted }, "SIGTERM unmounts")

        try #require(try fixture.mount().status == 0)
        let second = try #require(try fixture.daemonPID())
        kill(second, SIGKILL)
        #expect(fixture.wait { !MountTestsSupport.isAlive(second) })
        // A process reads as gone a moment before the kernel has closed its /dev/fuse (a request
        // sent in between fails with ECONNABORTED): wait for the dead mount's own answer.
        var dead: CLIRunner.Result?
        let notConnected = fixture.wait {
            dead = try? fixture.shell("ls mnt")
            return dead?.stderr.contains("Transport endpoint is not connected") == true
        }
        #expect(notConnected, "ls: \(String(describing: dead))")
        #expect(try fixture.cli.run("mounts").stdout.contains("dead"))
        let recovered = try fixture.cli.run("unmount", fixture.mountpoint)
        #expect(recovered.status == 0, "\(recovered.stderr)")
        #expect(!fixture.isMounted)
        #expect(try fixture.mount().status == 0, "the mountpoint is usable again")
    }

    /// Requests are served by threads that last: libfuse once read our loop settings as its older
    /// ones and started a thread (and cloned `/dev/fuse`) for every request, which cost a local
    /// mount more than half its speed. A lasting thread sleeps on `/dev/fuse` between requests,
    /// so the live threads' voluntary context switches add up to about one per request.
    @Test func requestsAreServedByThreadsThatLastNotByANewThreadEach() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        try #require(try fixture.mount().status == 0)
        let pid = try #require(try fixture.daemonPID())
        let before = MountTestsSupport.voluntarySwitches(of: pid)
        // One lookup each of 300 names that are not there, one after another.
        let lookups = try fixture.shell("for i in $(seq 300); do [ -e mnt/absent-$i ] && exit 1; done; exit 0")
        try #require(lookups.status == 0, "\(lookups.stderr)")
        let switches = MountTestsSupport.voluntarySwitches(of: pid) - before
        #expect(switches >= 150, "the daemon's live threads slept \(switches) times over 300 requests")
    }
}

enum MountTestsSupport {
    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0
            && !((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") Z ") ?? true)
    }

    /// The voluntary context switches of the live threads of `pid` (a thread that ended takes its count away).
    static func voluntarySwitches(of pid: Int32) -> Int {
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return threads.reduce(0) { total, thread in
            let status = (try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("voluntary_ctxt_switches:") }
            return total
                + (line?.split(separator: "\t").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0)
        }
    }
}
