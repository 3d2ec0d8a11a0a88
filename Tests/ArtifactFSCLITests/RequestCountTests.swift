import Foundation
import TestServers
import Testing

/// What `artifactfs cp` asks a store, counted at a ``FaultProxy`` passing every request through:
/// copying an object out starts with the ranged GET that brings its first bytes (and with them
/// its size and version): no HEAD, no listing, nothing before it, whatever the object's size.
@Suite("requests a copy sends", .serialized)
struct RequestCountTests {
    @Test(arguments: ObjectStoreFlavor.allCases)
    func cpOfAnObjectSendsOneRequestBeforeItsBytes(_ flavor: ObjectStoreFlavor) throws {
        let server = try ObjectTestServer.shared(flavor)
        let proxy = try FaultProxy(upstream: try #require(server.endpoint))
        defer { proxy.stop() }
        let store = try MountedStore(flavor, fields: ["--endpoint_url=\(proxy.endpoint)"])
        defer { store.cleanUp() }
        let written = try store.shell(
            """
            head -c 3000000 /dev/urandom > small.bin && head -c 40000000 /dev/urandom > large.bin && mkdir out \
            && ./artifactfs cp small.bin '\(store.uri)/small.bin' && ./artifactfs cp large.bin '\(store.uri)/large.bin'
            """
        )
        try #require(written.status == 0, "\(written.stderr)")

        let before = proxy.events.count
        let small = try store.shell("./artifactfs cp '\(store.uri)/small.bin' out/ && cmp small.bin out/small.bin")
        #expect(small.status == 0, "\(small.stderr)")
        let smallRequests = proxy.events.dropFirst(before)
        #expect(Self.startsWithARangedGET(smallRequests), "\(proxy.log)")
        #expect(smallRequests.allSatisfy { $0.request.method == "GET" }, "\(proxy.log)")

        let middle = proxy.events.count
        let large = try store.shell("./artifactfs cp '\(store.uri)/large.bin' out/ && cmp large.bin out/large.bin")
        #expect(large.status == 0, "\(large.stderr)")
        let largeRequests = proxy.events.dropFirst(middle)
        #expect(largeRequests.count > 2, "a large object is read in parallel ranges")
        #expect(Self.startsWithARangedGET(largeRequests), "\(proxy.log)")
        #expect(largeRequests.allSatisfy { $0.request.method == "GET" }, "\(proxy.log)")
    }

    /// True when the first request is a GET answered with a range of bytes (206): the one that
    /// brings the first bytes.
    private static func startsWithARangedGET(_ events: ArraySlice<FaultEvent>) -> Bool {
        guard let first = events.first else { return false }
        return first.request.method == "GET" && first.status == 206
    }
}

/// What a mounted object store asks its server for files written into a folder made through the
/// mount, counted at a ``FaultProxy``: the folder is known empty once made and each file published
/// there joins what the mount knows of it, so a new small file costs its upload and nothing else:
/// no look for it before it is created, none while it is open, no second request for its mode.
@Suite("requests a mount sends", .serialized)
struct MountRequestCountTests {
    @Test(arguments: ObjectStoreFlavor.allCases)
    func smallFilesWrittenIntoANewFolderCostTheirUploadAlone(_ flavor: ObjectStoreFlavor) throws {
        try Self.withCountedMount(flavor, folder: "small") { proxy, store in try Self.smallFiles(proxy, store) }
    }

    private static func smallFiles(_ proxy: FaultProxy, _ store: MountedStore) throws {

        // One open, write and close per file, as a training step saving its outputs does.
        let before = proxy.events.count
        let written = try store.shell(
            """
            python3 -c "
            import os
            os.umask(0o077)
            for i in range(1, 6):
                with open(f'mnt/run/small/f{i}.bin', 'wb') as f:
                    f.write(b'weights %d' % i)
            " && ls mnt/run/small
            """
        )
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout == "f1.bin\nf2.bin\nf3.bin\nf4.bin\nf5.bin\n")
        let requests = proxy.events.dropFirst(before)
        #expect(requests.count == 5, "\(Self.describe(requests))")
        #expect(requests.allSatisfy(Self.isUpload), "\(Self.describe(requests))")

        // A shell's `> file` closes a duplicate of the file before its first write, and that
        // close publishes the empty file; the write then starts a new upload, fetching nothing.
        let middle = proxy.events.count
        let redirected = try store.shell(
            "umask 077; for i in 1 2 3; do printf 'run %s' $i > mnt/run/small/r$i.txt || exit 1; done"
        )
        #expect(redirected.status == 0, "\(redirected.stderr)")
        let shellRequests = proxy.events.dropFirst(middle)
        #expect(shellRequests.count == 6, "\(Self.describe(shellRequests))")
        #expect(shellRequests.allSatisfy(Self.isUpload), "\(Self.describe(shellRequests))")

        for (name, content) in [("f3.bin", "weights 3"), ("r2.txt", "run 2")] {
            #expect(
                try store.cli("cat", store.uri + "/run/small/" + name).stdout == content,
                "\(name) reached the store"
            )
            let stat = try store.cli("stat", store.uri + "/run/small/" + name)
            #expect(stat.stdout.contains("permissions: 600"), "\(name) keeps its creator's mode: \(stat.stdout)")
        }
    }

    /// A file written under a hidden name and renamed into place (how `fileio`, editors and
    /// atomic writers save) costs its upload, the rename's copy and delete, and one round of
    /// looks before the copy, asked at once; the next file's names are still known absent, so
    /// nothing is asked of the store for them before they are written.
    @Test(arguments: ObjectStoreFlavor.allCases)
    func aFileWrittenAsideAndRenamedIntoPlaceCostsItsUploadACopyAndADelete(_ flavor: ObjectStoreFlavor) throws {
        try Self.withCountedMount(flavor, folder: "saved") { proxy, store in try Self.savedAside(proxy, store) }
    }

    private static func savedAside(_ proxy: FaultProxy, _ store: MountedStore) throws {

        let before = proxy.events.count
        let saved = try store.shell(
            """
            python3 -c "
            import os
            for i in range(1, 5):
                with open(f'mnt/run/saved/.f{i}.bin.tmp', 'wb') as f:
                    f.write(b'weights %d' % i)
                os.rename(f'mnt/run/saved/.f{i}.bin.tmp', f'mnt/run/saved/f{i}.bin')
            " && ls -A mnt/run/saved
            """
        )
        #expect(saved.status == 0, "\(saved.stderr)")
        #expect(saved.stdout == "f1.bin\nf2.bin\nf3.bin\nf4.bin\n")
        let requests = Array(proxy.events.dropFirst(before))
        // Per file: the upload, the rename's looks (the source's metadata, and whether a folder
        // is at the new name), its copy and its delete.
        #expect(requests.count == 4 * 5, "\(Self.describe(requests[...]))")
        #expect(requests.filter { $0.request.method == "DELETE" }.count == 4, "\(Self.describe(requests[...]))")

        // A file renamed out of the middle of a folder's listing leaves the others listed.
        let moved = try store.shell("mv mnt/run/saved/f2.bin mnt/run/saved/best.bin && ls -A mnt/run/saved")
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.stdout == "best.bin\nf1.bin\nf3.bin\nf4.bin\n")
        for (name, content) in [("f1.bin", "weights 1"), ("best.bin", "weights 2"), ("f4.bin", "weights 4")] {
            #expect(try store.cli("cat", store.uri + "/run/saved/" + name).stdout == content)
        }
        #expect(try store.cli("ls", store.uri + "/run/saved").stdout == "best.bin\nf1.bin\nf3.bin\nf4.bin\n")
    }

    /// A file opened again at the version it had keeps the kernel's cached pages: the re-read
    /// sends only the GET that opens it (the block cache is off, so nothing else could serve it).
    /// Replaced by another client with as many bytes, within the same second (so its size and
    /// modification time may look unchanged), it is read new and whole at the next open.
    @Test(arguments: ObjectStoreFlavor.allCases)
    func aReReadOfAnUnchangedFileComesFromTheKernelsPages(_ flavor: ObjectStoreFlavor) throws {
        let server = try ObjectTestServer.shared(flavor)
        let proxy = try FaultProxy(upstream: try #require(server.endpoint))
        defer { proxy.stop() }
        let store = try MountedStore(flavor, fields: ["--endpoint_url=\(proxy.endpoint)"])
        defer { store.cleanUp() }
        let uploaded = try store.shell(
            """
            head -c 20000000 /dev/urandom > first.bin && head -c 20000000 /dev/urandom > second.bin \
            && ./artifactfs cp first.bin '\(store.uri)/model.bin'
            """
        )
        try #require(uploaded.status == 0, "\(uploaded.stderr)")
        try #require(try store.mount("--memory-cache", "0", "--attr-ttl", "1").status == 0)

        let first = try store.shell("cmp first.bin mnt/model.bin")
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        let before = proxy.events.count
        let again = try store.shell("cmp first.bin mnt/model.bin")
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        let requests = proxy.events.dropFirst(before)
        #expect(requests.count == 1, "\(Self.describe(requests))")

        let replaced = try store.shell("./artifactfs cp -f second.bin '\(store.uri)/model.bin'")
        try #require(replaced.status == 0, "\(replaced.stderr)")
        let middle = proxy.events.count
        let changed = try store.shell("cmp second.bin mnt/model.bin")
        #expect(changed.status == 0, "the new version is read whole: \(changed.stdout)\(changed.stderr)")
        #expect(proxy.events.count - middle > 1, "the new version's bytes were fetched")
    }

    /// Mounts a store of `flavor` whose requests all pass through a counting proxy, with a long
    /// attribute TTL, makes `run/FOLDER` through the mount, and hands both to `body`.
    private static func withCountedMount(
        _ flavor: ObjectStoreFlavor,
        folder: String,
        _ body: (FaultProxy, MountedStore) throws -> Void
    ) throws {
        let server = try ObjectTestServer.shared(flavor)
        let proxy = try FaultProxy(upstream: try #require(server.endpoint))
        defer { proxy.stop() }
        let store = try MountedStore(flavor, fields: ["--endpoint_url=\(proxy.endpoint)"])
        defer { store.cleanUp() }
        try #require(try store.mount("--attr-ttl", "30").status == 0)
        let made = try store.shell("mkdir mnt/run && mkdir mnt/run/\(folder)")
        try #require(made.status == 0, "\(made.stderr)")
        try body(proxy, store)
    }

    private static func isUpload(_ event: FaultEvent) -> Bool {
        event.request.method == "PUT" || event.request.method == "POST"
    }

    private static func describe(_ events: ArraySlice<FaultEvent>) -> String {
        events.map(\.description).joined(separator: "\n")
    }
}
