import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The mount tests that make sense for an object store, run on a mounted `s3` (SeaweedFS), `gcp`
/// (fake-gcs-server) and `azure` (the project's Blob test server) component: the same tools and
/// the same checks as on the local store, with the store's side read and written through `fileio`
/// (`./artifactfs`) instead of a backing folder. Serialized: each test mounts, and the machine has two cores.
@Suite("artifactfs mount of object stores", .serialized)
struct ObjectStoreMountTests {
    @Test(arguments: ObjectStoreFlavor.allCases)
    func filesWrittenThroughTheMountAreReadThroughFileioAndTheOtherWayRound(_ flavor: ObjectStoreFlavor) throws {
        let store = try MountedStore(flavor)
        defer { store.cleanUp() }
        #expect(try store.cli("stack", "register", "prod", "-a", "store").status == 0)
        let mounted = try store.mount("--attr-ttl", "0")
        try #require(mounted.status == 0, "\(mounted.stderr)")
        #expect(store.fixture.isMounted, "mount returns only once the mount is usable")

        try store.shell("mkdir -p mnt/runs/1 && printf 'weights' > mnt/runs/1/model.bin")
        #expect(try store.cli("cat", store.uri + "/runs/1/model.bin").stdout == "weights")

        try store.shell(
            "printf '{\"accuracy\": 0.93}' > metrics.json && ./artifactfs cp metrics.json '\(store.uri)/runs/2/metrics.json'"
        )
        #expect(try store.shell("cat mnt/runs/2/metrics.json").stdout == #"{"accuracy": 0.93}"#)
        #expect(try store.shell("ls mnt/runs").stdout == "1\n2\n")

        let listing = try store.cli("mounts", "--json")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]])
        let row = try #require(rows.first { $0["mountpoint"] as? String == store.mountpoint })
        #expect(row["component"] as? String == "store")
        #expect(row["flavor"] as? String == flavor.rawValue)
        #expect(row["status"] as? String == "ok")

        #expect(!(try store.shell("ls -a mnt").stdout.contains(".artifactfs")), "the control folder is not listed")
        let component = try store.shell("cat mnt/.artifactfs/component.json").stdout
        #expect(!component.contains(store.secretValue), "secrets are redacted")
        let record = try #require(try JSONSerialization.jsonObject(with: Data(component.utf8)) as? [String: Any])
        #expect(record["component"] as? String == "store")
        #expect(record["flavor"] as? String == flavor.rawValue)
        let config = try #require(record["config"] as? [String: Any])
        #expect(config["path"] as? String == store.uri)
        #expect(config.values.contains { $0 as? String == "********" }, "the secret field shows as ********")
        let stack = try store.shell("cat mnt/.artifactfs/stack.json").stdout
        #expect(
            (try JSONSerialization.jsonObject(with: Data(stack.utf8)) as? [String: Any])?["stack"] as? String == "prod"
        )
        let stats = try store.shell("cat mnt/.artifactfs/stats").stdout
        let counters = try #require(try JSONSerialization.jsonObject(with: Data(stats.utf8)) as? [String: Any])
        #expect((counters["bytes_written"] as? Int ?? 0) >= 7)
        #expect((counters["operations"] as? [String: Any])?["create"] != nil)

        #expect(try store.cli("unmount", store.mountpoint).status == 0)
        #expect(!store.fixture.isMounted)
    }

    @Test(arguments: ObjectStoreFlavor.allCases)
    func shellToolsBehaveAsOnALocalDisk(_ flavor: ObjectStoreFlavor) throws {
        let store = try MountedStore(flavor)
        defer { store.cleanUp() }
        try #require(try store.mount().status == 0)
        let tree = try store.shell(
            """
            mkdir -p src/a/b src/c && for i in $(seq 1 40); do head -c $((i * 997)) /dev/urandom > src/a/b/f$i; done
            echo hello > src/c/hello.txt
            cp -r src mnt/tree && diff -r src mnt/tree
            ./artifactfs cp -r '\(store.uri)/tree' back && diff -r src back
            """
        )
        #expect(tree.status == 0, "\(tree.stdout)\(tree.stderr)")
        #expect(try store.shell("ls -lR mnt/tree | grep -c '^-'").stdout == "41\n")
        #expect(try store.shell("find mnt/tree -type f | wc -l").stdout == "41\n")
        #expect(
            try store.shell("find mnt/tree -type d | sort").stdout == "mnt/tree\nmnt/tree/a\nmnt/tree/a/b\nmnt/tree/c\n"
        )
        #expect(try store.shell("cmp src/a/b/f17 mnt/tree/a/b/f17").status == 0)

        #expect(
            try store.shell("mv mnt/tree/c/hello.txt mnt/tree/c/renamed.txt && cat mnt/tree/c/renamed.txt").stdout
                == "hello\n"
        )
        #expect(
            try store.cli("stat", store.uri + "/tree/c/hello.txt").status == 1,
            "the old name is gone from the store"
        )
        #expect(try store.shell("mv mnt/tree/a mnt/tree/moved && ls mnt/tree/moved/b | wc -l").stdout == "40\n")
        #expect(
            try store.cli("find", store.uri + "/tree/moved", "--type", "f").stdout.split(separator: "\n").count == 40
        )
        #expect(try store.cli("ls", store.uri + "/tree/a").status == 1, "the old directory is gone from the store")
        #expect(
            try store.shell("echo more >> mnt/tree/c/renamed.txt && ./artifactfs cat '\(store.uri)/tree/c/renamed.txt'")
                .stdout == "hello\nmore\n"
        )
        #expect(try store.shell("truncate -s 3 mnt/tree/c/renamed.txt && cat mnt/tree/c/renamed.txt").stdout == "hel")
        #expect(
            try store.shell(
                "echo replaced > mnt/tree/c/renamed.txt && ./artifactfs cat '\(store.uri)/tree/c/renamed.txt'"
            ).stdout == "replaced\n"
        )

        // Typed errors reach the caller as the right errno.
        #expect(try store.shell("rmdir mnt/tree/moved").stderr.contains("Directory not empty"))
        #expect(try store.shell("mkdir mnt/tree/c").stderr.contains("File exists"))
        #expect(try store.shell("cat mnt/tree/c").stderr.contains("Is a directory"))
        #expect(try store.shell("cat mnt/tree/missing").stderr.contains("No such file or directory"))
        #expect(try store.shell("ls mnt/tree/c/renamed.txt/x").stderr.contains("Not a directory"))

        let removed = try store.shell("rm -r mnt/tree && ls mnt | wc -l")
        #expect(removed.stdout == "0\n", "\(removed.stderr)")
        #expect(try store.cli("find", store.uri, "--type", "f").stdout == "", "nothing is left in the store")
    }

    @Test(arguments: ObjectStoreFlavor.allCases)
    func largeFilesStreamAndRandomReadsMatchByHash(_ flavor: ObjectStoreFlavor) throws {
        let store = try MountedStore(flavor)
        defer { store.cleanUp() }
        try #require(try store.mount().status == 0)
        let size = (48 << 20) + 12_345  // several parts, the last one short
        let written = try store.shell("head -c \(size) /dev/urandom > big.src && cp big.src mnt/big.bin")
        #expect(written.status == 0, "\(written.stderr)")
        let sums = try store.shell(
            "sha256sum < big.src; sha256sum < mnt/big.bin; ./artifactfs cat '\(store.uri)/big.bin' | sha256sum"
        )
        .stdout.split(separator: "\n")
        #expect(sums.count == 3 && Set(sums).count == 1, "\(sums)")
        #expect(try store.shell("stat -c %s mnt/big.bin").stdout == "\(size)\n")

        // Random reads (varied sizes and offsets, in a shuffled order) match the original.
        let random = try store.shell(
            """
            for i in $(seq 1 48); do
              block=$(( (RANDOM % 4 + 1) * 4096 )); skip=$(( (RANDOM * 7) % (\(size) / block - 4) )); count=$(( RANDOM % 4 + 1 ))
              a=$(dd if=mnt/big.bin bs=$block skip=$skip count=$count status=none | sha256sum)
              b=$(dd if=big.src bs=$block skip=$skip count=$count status=none | sha256sum)
              [ "$a" = "$b" ] || { echo "mismatch at block=$block skip=$skip count=$count"; exit 1; }
            done
            """
        )
        #expect(random.status == 0, "\(random.stdout)\(random.stderr)")

        // A write into the middle of an existing file (staged copy) keeps the rest.
        let patched = try store.shell(
            """
            printf 'PATCH' | dd of=mnt/big.bin bs=1 seek=1000000 conv=notrunc status=none
            ./artifactfs cat '\(store.uri)/big.bin' | tail -c +1000001 | head -c 5
            """
        )
        #expect(patched.stdout == "PATCH", "\(patched.stderr)")
        #expect(try store.shell("./artifactfs stat --json '\(store.uri)/big.bin'").stdout.contains("\(size)"))
    }

    @Test(arguments: ObjectStoreFlavor.allCases)
    func eightParallelReadersSeeTheSameBytes(_ flavor: ObjectStoreFlavor) throws {
        let store = try MountedStore(flavor)
        defer { store.cleanUp() }
        let uploaded = try store.shell(
            "head -c 33554432 /dev/urandom > shared.bin && ./artifactfs cp shared.bin '\(store.uri)/shared.bin'"
        )
        try #require(uploaded.status == 0, "\(uploaded.stderr)")
        try #require(try store.mount().status == 0)
        let result = try store.shell(
            """
            expected=$(sha256sum < shared.bin)
            for i in $(seq 1 8); do sha256sum < mnt/shared.bin > sum.$i & done; wait
            for i in $(seq 1 8); do [ "$(cat sum.$i)" = "$expected" ] || exit 1; done
            """
        )
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test(arguments: ObjectStoreFlavor.allCases)
    func aDirectoryOfThreeThousandEntriesLists(_ flavor: ObjectStoreFlavor) throws {
        let store = try MountedStore(flavor)
        defer { store.cleanUp() }
        let made = try store.shell(
            "mkdir many && (cd many && seq -f 'f%05g' 1 3000 | xargs touch) && ./artifactfs cp -r many '\(store.uri)/many'",
            timeout: 600
        )
        try #require(made.status == 0, "\(made.stderr)")
        try #require(try store.mount().status == 0)
        #expect(try store.shell("ls mnt/many | wc -l").stdout == "3000\n")
        #expect(try store.shell("ls -f mnt/many | sort | tail -1").stdout == "f03000\n")
        #expect(try store.shell("find mnt/many -type f | wc -l").stdout == "3000\n")
    }

    @Test(arguments: ObjectStoreFlavor.allCases)
    func aFailedUploadIsReportedByClose(_ flavor: ObjectStoreFlavor) throws {
        let server = try ObjectTestServer(flavor)
        defer { server.stop() }
        let store = try MountedStore(flavor, server: server, fields: ["--max_attempts=2"])
        defer { store.cleanUp() }
        try #require(try store.mount().status == 0)
        // The upload cannot land: the server stops while the file is open.
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        writer.arguments = [
            "-k", "5", "120", "python3", "-c",
            """
            import os, time
            f = open("mnt/report.csv", "w")
            f.write("a,b\\n")
            f.flush()
            open("ready", "w").close()
            for _ in range(600):
                if os.path.exists("go"): break
                time.sleep(0.1)
            try:
                f.close()
            except OSError as error:
                print("close failed:", error.errno)
            else:
                print("close succeeded")
            """,
        ]
        writer.currentDirectoryURL = URL(fileURLWithPath: store.fixture.path)
        let output = Pipe()
        writer.standardOutput = output
        try writer.run()
        #expect(
            store.fixture.wait(seconds: 60) { FileManager.default.fileExists(atPath: store.fixture.path + "/ready") }
        )
        server.stop()
        #expect(FileManager.default.createFile(atPath: store.fixture.path + "/go", contents: nil))
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        writer.waitUntilExit()
        #expect(printed.hasPrefix("close failed:"), "\(printed)")
    }

    /// Object stores keep modes, owners, times, links and FIFOs in their objects' metadata (`s3`:
    /// s3fs-fuse's headers; `gcp`: the `metadata` map; `azure`: `x-ms-meta-*`): each change made
    /// through the mount is seen again after a remount and through `fileio`; what they cannot keep
    /// (hard links, extended attributes) is refused with nothing made.
    @Test(arguments: ObjectStoreFlavor.allCases)
    func eachMetadataChangeOutlivesARemount(_ flavor: ObjectStoreFlavor) throws {
        let store = try MountedStore(flavor)
        defer { store.cleanUp() }
        try #require(try store.mount("--allow-other").status == 0)
        let changed = try store.shell(
            """
            cd mnt && echo x > f && chmod 640 f && touch -d '2020-01-01 00:00:00' f && ln -s f soft \
            && mkfifo pipe && mkdir -m 700 private && touch -d '2019-01-01 00:00:00' private \
            && if [ "$(id -u)" = 0 ]; then chown 65534:65534 f; fi
            """
        )
        #expect(changed.status == 0, "\(changed.stderr)")
        let hard = try store.shell("ln mnt/f mnt/hard")
        #expect(hard.status != 0 && hard.stderr.contains("Operation not permitted"), "\(hard.stderr)")
        let attribute = try store.shell("setfattr -n user.a -v 1 mnt/f")
        #expect(attribute.status != 0 && attribute.stderr.contains("Operation not supported"), "\(attribute.stderr)")
        #expect(try store.cli("unmount", store.mountpoint).status == 0)

        let owner = geteuid() == 0 ? "65534:65534" : "\(geteuid()):\(getegid())"
        try #require(try store.mount("--allow-other").status == 0)
        let me = "\(geteuid()):\(getegid())"
        #expect(
            try store.shell("cd mnt && stat -c '%n %F %a %u:%g %Y' f private && stat -c '%n %F %u:%g' soft pipe").stdout
                == "f regular file 640 \(owner) 1577836800\nprivate directory 700 \(me) 1546300800\n"
                + "soft symbolic link \(me)\npipe fifo \(me)\n"
        )
        #expect(
            try store.shell("readlink mnt/soft && cat mnt/soft && ls mnt").stdout == "f\nx\nf\npipe\nprivate\nsoft\n"
        )
        let seen = try store.cli("stat", store.uri + "/f").stdout
        #expect(seen.contains("permissions: 640") && seen.contains("modified: 2020-01-01T00:00:00Z"), "\(seen)")
        #expect(try store.cli("stat", store.uri + "/private").stdout.contains("permissions: 700"))
    }

    /// The tools that copy trees with their metadata keep modes, symbolic links and times on a
    /// mounted object store (a tree without hard links, which they refuse).
    @Test(arguments: ObjectStoreFlavor.allCases)
    func tarCpRsyncAndCopytreeKeepModesLinksAndTimes(_ flavor: ObjectStoreFlavor) throws {
        let store = try MountedStore(flavor)
        defer { store.cleanUp() }
        try #require(try store.shell(PosixMountTests.makeSourceTreeWithoutHardLinks).status == 0)
        try #require(try store.mount("--allow-other").status == 0)
        let expected = try store.shell(PosixMountTests.describe("src")).stdout
        try #require(expected.split(separator: "\n").count == 7, "\(expected)")
        let copies = [
            "tar": "tar -C src -cpf tree.tar . && mkdir mnt/tar && tar -C mnt/tar -xpf tree.tar",
            "cp": "cp -a src mnt/cp",
            "rsync": "rsync -a src/ mnt/rsync/",
            "copytree": "python3 -c 'import shutil; shutil.copytree(\"src\", \"mnt/copytree\", symlinks=True)'",
        ]
        for (tool, command) in copies.sorted(by: { $0.key < $1.key }) {
            let copied = try store.shell(command)
            #expect(copied.status == 0, "\(tool): \(copied.stderr)")
            #expect(try store.shell(PosixMountTests.describe("mnt/\(tool)")).stdout == expected, "\(tool)")
        }
        #expect(try store.cli("unmount", store.mountpoint).status == 0)
        try #require(try store.mount("--allow-other").status == 0)
        #expect(try store.shell(PosixMountTests.describe("mnt/tar")).stdout == expected, "after a remount")
        // A fresh mount has only the store's listing to say what each name is, and tools that trust
        // it (find's -type, Python's scandir and so shutil.copytree) must still see a link.
        #expect(try store.shell("find mnt/tar -type l").stdout == "mnt/tar/bin/table\n")
        let out = try store.shell("python3 -c 'import shutil; shutil.copytree(\"mnt/tar\", \"out\", symlinks=True)'")
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try store.shell(PosixMountTests.describe("out")).stdout == expected, "copied out of a fresh mount")
    }

    @Test(arguments: ObjectStoreFlavor.allCases)
    func gitClonesCommitsAndPassesFsck(_ flavor: ObjectStoreFlavor) throws {
        let store = try MountedStore(flavor)
        defer { store.cleanUp() }
        let made = try store.shell(
            """
            git init -q origin && cd origin && git config user.email t@example.com && git config user.name t \
            && mkdir -p tools && echo 'print(1)' > train.py && echo '#!/bin/sh' > tools/run.sh \
            && chmod +x tools/run.sh && ln -s train.py main.py && git add -A && git commit -qm one
            """
        )
        try #require(made.status == 0, "\(made.stderr)")
        try #require(try store.mount("--allow-other").status == 0)
        let cloned = try store.shell(
            """
            git clone -q --no-local origin mnt/repo && cd mnt/repo && git fsck --strict && git status --porcelain \
            && echo more >> train.py && git -c user.email=t@example.com -c user.name=t commit -qam two \
            && git gc -q && git fsck --strict && git log --oneline | wc -l
            """
        )
        #expect(cloned.status == 0, "\(cloned.stderr)")
        #expect(cloned.stdout == "2\n", "a clean clone, then two commits after gc: \(cloned.stdout)")
        #expect(try store.cli("unmount", store.mountpoint).status == 0)
        try #require(try store.mount("--allow-other").status == 0)
        #expect(try store.shell("stat -c %a mnt/repo/tools/run.sh").stdout == "755\n")
        #expect(try store.shell("readlink mnt/repo/main.py").stdout == "train.py\n")
        #expect(try store.shell("cd mnt/repo && git status --porcelain && git fsck --strict").status == 0)
    }

    /// `cp` within a mounted store asks `copy_file_range`, which becomes the store's own copy:
    /// no byte of the file passes through the mount, and `cp -p` still keeps mode and times. A
    /// range the store cannot copy alone (not from the start) is copied by the kernel through
    /// reads and writes, and comes out right.
    @Test(arguments: ObjectStoreFlavor.allCases)
    func cpWithinTheMountIsACopyInsideTheStore(_ flavor: ObjectStoreFlavor) throws {
        let store = try MountedStore(flavor)
        defer { store.cleanUp() }
        try #require(try store.mount().status == 0)
        let written = try store.shell("head -c 20000000 /dev/urandom > big.bin && cp big.bin mnt/a.bin")
        try #require(written.status == 0, "\(written.stderr)")
        func moved() throws -> Int {
            let text = try store.shell("cat mnt/.artifactfs/stats").stdout
            let counters = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return (counters["bytes_read"] as? Int ?? -1) + (counters["bytes_written"] as? Int ?? -1)
        }
        let before = try moved()
        let copied = try store.shell(
            "chmod 640 mnt/a.bin && touch -d 2021-03-04 mnt/a.bin && cp -p mnt/a.bin mnt/b.bin"
        )
        #expect(copied.status == 0, "\(copied.stderr)")
        // Reading the stats file itself counts its own few bytes; the copy's 20 MB must not show.
        #expect(try moved() - before < 100_000, "the copy's bytes went through the mount")
        let sums = try store.shell("sha256sum < big.bin; ./artifactfs cat '\(store.uri)/b.bin' | sha256sum")
        #expect(Set(sums.stdout.split(separator: "\n")).count == 1, "\(sums.stdout)")
        #expect(try store.shell("stat -c '%s %a %y' mnt/b.bin").stdout.hasPrefix("20000000 640 2021-03-04"))

        let part = try store.shell(
            """
            python3 -c "
            import os
            source = os.open('mnt/a.bin', os.O_RDONLY)
            target = os.open('mnt/c.bin', os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            done = 0
            while done < 1000:
                done += os.copy_file_range(source, target, 1000 - done, 5 + done)
            os.close(target)
            " && cmp <(head -c 1005 big.bin | tail -c 1000) mnt/c.bin
            """
        )
        #expect(part.status == 0, "\(part.stderr)")
    }

    /// Folder listings are cached for `--list-ttl`: a change made through the mount is listed at
    /// once (create, write, rename between folders, remove, rmdir), one made by another client
    /// shows once the TTL has passed, and `.artifactfs/stats` counts the cache's hits.
    @Test func listingsAreCachedForTheListTTLAndChangesThroughTheMountShowAtOnce() throws {
        let store = try MountedStore(.s3)
        defer { store.cleanUp() }
        try #require(try store.mount("--list-ttl", "5").status == 0)
        func listed(_ folder: String = "mnt") throws -> String {
            try store.shell("ls \(folder) | tr '\\n' ' '").stdout
        }
        try store.shell("mkdir mnt/runs && printf one > mnt/a.txt")
        #expect(try listed() == "a.txt runs ")

        try store.shell("printf two > mnt/b.txt")
        #expect(try listed() == "a.txt b.txt runs ", "a file written through the mount is listed at once")
        try store.shell("mv mnt/a.txt mnt/runs/a.txt")
        #expect(try listed() == "b.txt runs ")
        #expect(try listed("mnt/runs") == "a.txt ")
        try store.shell("rm mnt/runs/a.txt && rmdir mnt/runs && mkdir mnt/c")
        let listedAt = Date()
        #expect(try listed() == "b.txt c ")
        #expect(try listed("mnt/c") == "")

        let elsewhere = try store.shell("printf other > d.txt && ./artifactfs cp d.txt '\(store.uri)/d.txt'")
        try #require(elsewhere.status == 0, "\(elsewhere.stderr)")
        let cached = try listed()
        // On a machine too slow to get here within the TTL, the listing may rightly be fresh.
        if Date().timeIntervalSince(listedAt) < 4.5 {
            #expect(cached == "b.txt c ", "another client's file shows only after the TTL")
        }
        let stats = try store.shell("cat mnt/.artifactfs/stats").stdout
        let counters = try #require(try JSONSerialization.jsonObject(with: Data(stats.utf8)) as? [String: Any])
        let listings = try #require(counters["listing_cache"] as? [String: Int])
        #expect(listings["hits"] ?? 0 >= 1, "\(listings)")
        Thread.sleep(forTimeInterval: 5.5)
        #expect(try listed() == "b.txt c d.txt ", "after the TTL the store is listed again")
    }

    /// A file read once is read again from the daemon's block cache (its pages dropped from the
    /// kernel's, so the reads reach the daemon); replaced by another client, it is read whole and
    /// new once the attribute TTL has passed: the new version shares no block with the old one.
    @Test(arguments: ObjectStoreFlavor.allCases)
    func reReadsComeFromTheBlockCacheAndAReplacedObjectIsReadNewAndWhole(_ flavor: ObjectStoreFlavor) throws {
        let store = try MountedStore(flavor)
        defer { store.cleanUp() }
        try #require(try store.mount().status == 0)
        let written = try store.shell(
            """
            head -c 24000000 /dev/urandom > old.bin && head -c 24000000 /dev/urandom > new.bin \
            && ./artifactfs cp old.bin '\(store.uri)/data.bin'
            """
        )
        try #require(written.status == 0, "\(written.stderr)")
        func hash(_ name: String) throws -> String { String(try store.shell("sha256sum < \(name)").stdout.prefix(64)) }
        func blockCache() throws -> [String: Int] {
            let text = try store.shell("cat mnt/.artifactfs/stats").stdout
            let counters = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return try #require(counters["block_cache"] as? [String: Int])
        }
        /// The block cache's hits as the mount's Prometheus metrics count them.
        func metricHits() throws -> Int? {
            let text = try store.shell("cat mnt/.artifactfs/metrics").stdout
            let line = text.split(separator: "\n").first { $0.hasPrefix("artifactfs_block_cache_hits_total ") }
            return line?.split(separator: " ").last.flatMap { Double($0) }.map { Int($0) }
        }
        func readThroughTheMount() throws -> String { try store.hashReadCold("mnt/data.bin") }
        let old = try hash("old.bin")
        #expect(try readThroughTheMount() == old)
        let cold = try blockCache()
        #expect(try metricHits() == cold["hits"], "the metrics count what the stats count")
        #expect(cold["bytes"] ?? 0 >= 16_000_000, "the blocks read are kept: \(cold)")
        #expect(try readThroughTheMount() == old)
        let warm = try blockCache()
        #expect(
            warm["hits"] ?? 0 >= (cold["hits"] ?? 0) + 10,
            "the second read came from the cache: \(cold) then \(warm)"
        )
        #expect(warm["misses"] == cold["misses"], "nothing was fetched again: \(cold) then \(warm)")
        #expect(try metricHits() == warm["hits"], "each scrape adds only what changed since the last")
        #expect(try metricHits() == warm["hits"], "a scrape with nothing new adds nothing")

        Thread.sleep(forTimeInterval: 1.1)
        let replaced = try store.shell("./artifactfs cp --force new.bin '\(store.uri)/data.bin'")
        try #require(replaced.status == 0, "\(replaced.stderr)")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(try readThroughTheMount() == (try hash("new.bin")), "the replaced object reads new, whole")
    }

    /// With `--cache-dir`, blocks are kept on disk: a remount reads them without fetching, a second
    /// mount is refused the folder in use, and a disk too small for them (a 12 MiB tmpfs under a
    /// 1 GiB `--cache-size`) drops old blocks instead of failing a read.
    @Test func aDiskCacheOutlivesARemountAndAFullDiskDropsBlocksInsteadOfFailingReads() throws {
        let store = try MountedStore(.s3)
        defer { store.cleanUp() }
        let disk = store.fixture.path + "/cachefs"
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        try #require(try store.shell("mount -t tmpfs -o size=12m artifactfs-test-cache cachefs").status == 0)
        defer { _ = try? store.shell("fusermount3 -u mnt2; umount -l cachefs") }
        let flags = ["--memory-cache", "0", "--cache-dir", disk + "/blocks", "--cache-size", "1G"]
        let written = try store.shell(
            "head -c 24000000 /dev/urandom > data.bin && ./artifactfs cp data.bin '\(store.uri)/data.bin'"
        )
        try #require(written.status == 0, "\(written.stderr)")
        let expected = String(try store.shell("sha256sum < data.bin").stdout.prefix(64))
        func diskCache() throws -> [String: Int] {
            let text = try store.shell("cat mnt/.artifactfs/stats").stdout
            let counters = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            return try #require(counters["disk_cache"] as? [String: Int], "\(text)")
        }
        func readThroughTheMount() throws -> String { try store.hashReadCold("mnt/data.bin") }

        let mounted = try store.fixture.cli.run(["mount", "store", store.mountpoint] + flags)
        try #require(mounted.status == 0, "\(mounted.stderr)")
        #expect(try readThroughTheMount() == expected)
        #expect(try readThroughTheMount() == expected, "read again while the disk is full")
        let full = try diskCache()
        #expect(full["write_failures"] ?? 0 > 0 && full["evictions"] ?? 0 > 0, "the full disk dropped blocks: \(full)")
        #expect(full["bytes"] ?? .max <= 12 << 20, "\(full)")
        let leftovers = try store.shell("ls cachefs/blocks/tmp | wc -l").stdout.trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        #expect(leftovers == "0", "a failed write leaves no temporary file")

        let second = try store.shell("mkdir -p mnt2 && ./artifactfs mount store mnt2 " + flags.joined(separator: " "))
        #expect(second.status != 0 && second.stderr.contains("in use"), "\(second)")

        #expect(try store.shell("./artifactfs unmount mnt").status == 0)
        let remounted = try store.fixture.cli.run(["mount", "store", store.mountpoint] + flags)
        try #require(remounted.status == 0, "\(remounted.stderr)")
        let kept = try store.shell("ls cachefs/blocks/blocks | wc -l").stdout.trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        #expect(try readThroughTheMount() == expected)
        let after = try diskCache()
        #expect(after["hits"] ?? 0 > 0, "the \(kept) blocks kept by the last mount were read from disk: \(after)")
    }

    /// Under `--memory-limit`, six files written at once and then read at once (each read alone
    /// would read 72 MiB ahead) come back whole while the daemon holds no more than the limit:
    /// `.artifactfs/stats` shows the budget refused blocks and its peak within it (plus one part
    /// per file being written), and the daemon's peak RSS stays under the limit and its code.
    @Test func manyFilesOpenAtOnceKeepTheDaemonUnderItsMemoryLimit() throws {
        let store = try MountedStore(.s3)
        defer { store.cleanUp() }
        let mib = 1 << 20
        let tooSmall = try store.mount("--memory-limit", "64M", "--memory-cache", "32M")
        #expect(tooSmall.status != 0 && tooSmall.stderr.contains("--memory-limit 64M leaves 32M"), "\(tooSmall)")
        #expect(!store.fixture.isMounted, "a refused limit mounts nothing")
        try #require(try store.mount("--memory-limit", "96M", "--memory-cache", "32M").status == 0)
        let pid = try #require(try store.fixture.daemonPID())
        let files = (1...6).map { "f\($0).bin" }
        let made = try store.shell(
            "mkdir -p src mnt/dst && for f in \(files.joined(separator: " ")); do head -c 40000000 /dev/urandom > src/$f; done"
        )
        try #require(made.status == 0, "\(made.stderr)")
        let wrote = try store.shell(
            "for f in \(files.joined(separator: " ")); do cp src/$f mnt/dst/$f & done; wait; sync mnt/dst/*"
        )
        try #require(wrote.status == 0, "\(wrote.stderr)")
        let compared = try store.shell(
            """
            python3 -c "
            import os, sys
            for path in sys.argv[1:]:
                fd = os.open(path, os.O_RDONLY)
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                os.close(fd)
            " mnt/dst/*.bin && for f in \(files.joined(separator: " ")); do cmp src/$f mnt/dst/$f & done; wait
            """
        )
        #expect(compared.status == 0 && compared.stdout.isEmpty, "every file reads back whole: \(compared)")
        let text = try store.shell("cat mnt/.artifactfs/stats").stdout
        let counters = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let memory = try #require(counters["memory"] as? [String: Int], "\(text)")
        #expect(memory["limit"] == 64 * mib, "the limit less the memory cache: \(memory)")
        #expect(memory["refused"] ?? 0 > 0, "six streams wanted more than the budget: \(memory)")
        #expect(memory["peak"] ?? .max <= (64 + 6 * 8) * mib, "\(memory)")
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        let peakKiB = try #require(Int(line.split(separator: " ").dropFirst().first ?? ""))
        #expect(peakKiB < (96 + 6 * 8 + 64) * 1024, "the daemon's peak RSS: \(peakKiB) KiB")
    }
}
