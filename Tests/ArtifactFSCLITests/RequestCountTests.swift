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
