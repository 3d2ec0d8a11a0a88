import AzureStore
import CurlHTTP
import FileIO
import Foundation
import ObjectStore
import TestServers
import Testing

/// Every staged block and every single-shot Put Blob carries a Content-MD5 the service checks, and
/// the MD5 the service reports back is checked too: damaged data is refused and never becomes visible.
@Suite("azure Content-MD5 per block and per blob")
struct AzureIntegrityTests {
    @Test func aDamagedUploadFailsClearlyAndLeavesNothingDamagedVisible() throws {
        let server = try AzureTestServer(containers: ["data"], faults: true)
        defer { server.stop() }
        let store = try AzureArtifactStore(
            configuration: AzureConfiguration(
                root: "az://data",
                account: server.account,
                credentials: .sharedKey(SharedKeySigner(account: server.account, base64Key: server.key)),
                credentialSource: "the test harness",
                endpoint: server.endpoint,
                partSize: 1 << 20,
                http: HTTPClientConfiguration(retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.05, maxDelay: 0.5))
            )
        )
        let good = (0..<(3 << 20) + 5).map { UInt8(truncatingIfNeeded: $0 &* 13 >> 3) }
        let other = good.map { $0 ^ 0x5A }
        try store.write("az://data/model.bin", contents: good)
        try store.write("az://data/small.txt", contents: Array("good".utf8))

        // Damaged on the way in: the service's MD5 differs from the Content-MD5 sent (400 Md5Mismatch).
        try server.damageUploads("request")
        for (name, bytes) in [
            ("model.bin", other), ("small.txt", Array("bad".utf8)), ("fresh.bin", other),
            ("fresh.txt", Array("new".utf8)),
        ] {
            let error = #expect(throws: ArtifactStoreError.self, "\(name)") {
                try store.write("az://data/\(name)", contents: bytes)
            }
            #expect(error?.code == .io)
            #expect(error?.message.contains("arrived damaged") == true, "\(error?.message ?? "")")
        }
        try server.damageUploads("off")
        #expect(try store.read("az://data/model.bin") == good)
        #expect(try store.read("az://data/small.txt") == Array("good".utf8))
        #expect(try store.listdir("az://data") == ["model.bin", "small.txt"])

        // Damaged where it is kept: the service reports an MD5 other than the one sent.
        try server.damageUploads("response")
        for (name, bytes) in [("model.bin", other), ("small.txt", Array("bad".utf8)), ("fresh.bin", other)] {
            let error = #expect(throws: ArtifactStoreError.self, "\(name)") {
                try store.write("az://data/\(name)", contents: bytes)
            }
            #expect(error?.code == .io)
            #expect(error?.message.contains("upload corrupted") == true, "\(error?.message ?? "")")
        }
        try server.damageUploads("off")
        // Blocks are never committed; a damaged single-shot blob is taken back out of sight.
        #expect(try store.read("az://data/model.bin") == good)
        #expect(try store.listdir("az://data") == ["model.bin"])

        try store.write("az://data/fresh.bin", contents: other)
        #expect(try store.read("az://data/fresh.bin") == other)
    }
}
