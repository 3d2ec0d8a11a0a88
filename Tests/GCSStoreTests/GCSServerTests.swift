import Crypto
import CurlHTTP
import FileIO
import Foundation
import GCSStore
import ObjectStore
import TestServers
import Testing

/// Names that must round-trip byte for byte: spaces, `+`, `%`, `~`, `=`, `&`, `#`, `?`, non-ASCII.
let specialNames = [
    "with space.bin", "plus+sign.bin", "per%cent.bin", "tilde~eq=amp&.bin", "hash#q?.bin", "données ünï 模型.bin",
    "emoji 🚀.bin",
]

@Suite("gcp flavor against fake-gcs-server")
struct GCSServerTests {
    @Test func tenThousandObjectsListAcrossPages() throws {
        let prefix = SharedGCSServer.uniquePrefix("many")
        let store = try SharedGCSServer.store(prefix: prefix)
        let root = "gs://\(SharedGCSServer.bucket)/\(prefix)"
        let count = 10_000
        defer { try? store.rmtree(root + "/keys") }
        try Parallel.forEach(count, concurrency: 16) { index in
            try store.write("\(root)/keys/k\(String(format: "%05d", index))", contents: [UInt8(index & 0xFF)])
        }
        let names = try store.listdir(root + "/keys")
        #expect(names.count == count)
        #expect(names.first == "k00000" && names.last == "k09999")
        #expect(try store.glob(root + "/keys/k0999*").count == 10)
        try store.rmtree(root + "/keys")
        #expect(try !store.exists(root + "/keys"))
    }

    @Test func googleClientReadsWhatWeWriteAndWeReadWhatItWrites() throws {
        let server = try SharedGCSServer.get()
        let prefix = SharedGCSServer.uniquePrefix("interop")
        let store = try SharedGCSServer.store(partSize: 1 << 20)
        let root = "gs://\(SharedGCSServer.bucket)/\(prefix)"
        defer { try? store.rmtree(root) }
        // 64 MiB + 3 bytes in 1 MiB chunks: a resumable upload of 65 chunks.
        let large = (0..<(64 << 20) + 3).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        let writer = try store.open(root + "/ours/large.bin", mode: .write)
        for start in stride(from: 0, to: large.count, by: 3 << 20) {
            try large[start..<min(start + (3 << 20), large.count)].withUnsafeBytes { try writer.write($0) }
        }
        try writer.close()
        for name in specialNames { try store.write(root + "/ours/" + name, contents: Array(name.utf8)) }
        let script = """
            import hashlib, sys, json
            from google.auth.credentials import AnonymousCredentials
            from google.cloud import storage
            client = storage.Client(credentials=AnonymousCredentials(), project='test')
            bucket = client.bucket(sys.argv[1])
            prefix, names = sys.argv[2], json.loads(sys.argv[3])
            out = {}
            for name in ['large.bin'] + names:
                out[name] = hashlib.sha256(bucket.blob(prefix + '/ours/' + name).download_as_bytes()).hexdigest()
            for name in names:
                bucket.blob(prefix + '/theirs/' + name).upload_from_string(('google:' + name).encode())
            big = bucket.blob(prefix + '/theirs/big.bin', chunk_size=1024 * 1024)
            big.upload_from_string(bytes(range(256)) * (20 * 4096), content_type='application/octet-stream')
            print(json.dumps(out))
            """
        let namesJSON = String(decoding: try JSONEncoder().encode(specialNames), as: UTF8.self)
        let output = try server.runPython(script, arguments: [SharedGCSServer.bucket, prefix, namesJSON])
        let hashes = try JSONDecoder().decode([String: String].self, from: Data(output.utf8))
        #expect(hashes["large.bin"] == sha256Hex(large))
        for name in specialNames {
            #expect(hashes[name] == sha256Hex(Array(name.utf8)), "google-cloud-storage read '\(name)'")
            #expect(
                try store.read(root + "/theirs/" + name) == Array("google:\(name)".utf8),
                "we read the client's '\(name)'"
            )
        }
        let big = try store.read(root + "/theirs/big.bin")
        #expect(big.count == 20 << 20)
        #expect(sha256Hex(big) == sha256Hex(Array((0..<(20 * 4096)).map { _ in (0...255).map(UInt8.init) }.joined())))
        #expect(try store.listdir(root + "/theirs") == (specialNames + ["big.bin"]).sorted())
        let copied = root + "/copy/large.bin"
        try store.copyfile(root + "/ours/large.bin", copied, overwrite: false)
        #expect(try store.stat(copied).size == UInt64(large.count))
        let reader = try store.open(copied, mode: .read)
        #expect(try reader.read(at: UInt64(40 << 20), count: 5) == Array(large[(40 << 20)..<(40 << 20) + 5]))
        try reader.close()
    }

    @Test func missingBucketAndMissingObjectAreToldApart() throws {
        let store = try GCSArtifactStore(configuration: SharedGCSServer.configuration(root: "gs://no-such-bucket-here"))
        let bucketError = #expect(throws: ArtifactStoreError.self) { try store.stat("gs://no-such-bucket-here/key") }
        #expect(bucketError?.code == .notFound)
        #expect(bucketError?.message.contains("bucket 'no-such-bucket-here' does not exist") == true)
        let objectError = #expect(throws: ArtifactStoreError.self) {
            _ = try SharedGCSServer.store().open("gs://\(SharedGCSServer.bucket)/no/such/object", mode: .read)
        }
        #expect(objectError?.code == .notFound)
        #expect(objectError?.message.contains("bucket") == false)
    }

    @Test func aReplacedObjectFailsAReadPinnedToItsGeneration() throws {
        let prefix = SharedGCSServer.uniquePrefix("pinned")
        let store = try SharedGCSServer.store(prefix: prefix)
        let path = "gs://\(SharedGCSServer.bucket)/\(prefix)/model.bin"
        defer { try? store.rmtree("gs://\(SharedGCSServer.bucket)/\(prefix)") }
        // Larger than what opening fetches, so later reads go to the server, pinned to the generation.
        let first = [UInt8](repeating: 1, count: 600 << 10)
        let second = [UInt8](repeating: 2, count: 600 << 10)
        try store.write(path, contents: first)
        let reader = try store.open(path, mode: .read)
        try store.write(path, contents: second)
        #expect(
            try reader.read(at: 0, count: 5) == [1, 1, 1, 1, 1],
            "the bytes fetched at open are the version opened"
        )
        let error = #expect(throws: ArtifactStoreError.self) { _ = try reader.read(at: 500 << 10, count: 5) }
        #expect(error?.message.contains("replaced") == true)
        try reader.close()
        #expect(try store.read(path) == second)
    }

    @Test func aSmallObjectReadsWholeAsOpenedEvenWhenReplacedMeanwhile() throws {
        let prefix = SharedGCSServer.uniquePrefix("snapshot")
        let store = try SharedGCSServer.store(prefix: prefix)
        let path = "gs://\(SharedGCSServer.bucket)/\(prefix)/config.json"
        defer { try? store.rmtree("gs://\(SharedGCSServer.bucket)/\(prefix)") }
        try store.write(path, contents: Array("first version".utf8))
        let reader = try store.open(path, mode: .read)
        try store.write(path, contents: Array("second version".utf8))
        #expect(try reader.readToEnd() == Array("first version".utf8))
        try reader.close()
        #expect(try store.read(path) == Array("second version".utf8))
    }

    @Test func anAbandonedResumableWriteIsNeverVisible() throws {
        let prefix = SharedGCSServer.uniquePrefix("abandon")
        let store = try SharedGCSServer.store(prefix: prefix, partSize: 1 << 20)
        let path = "gs://\(SharedGCSServer.bucket)/\(prefix)/big.bin"
        do {
            let writer = try store.open(path, mode: .write)
            try writer.write([UInt8](repeating: 1, count: 5 << 20))
        }
        #expect(try !store.exists(path))
    }

    @Test func unreachableEndpointSaysSoWithTheURL() throws {
        let port = try FreePorts.take(1)[0]
        let store = try GCSArtifactStore(
            configuration: GCSConfiguration(
                root: "gs://bucket",
                credentials: .anonymous,
                endpoint: "http://127.0.0.1:\(port)",
                http: HTTPClientConfiguration(retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01, maxDelay: 0.05))
            )
        )
        let error = #expect(throws: ArtifactStoreError.self) { _ = try store.stat("gs://bucket/key") }
        #expect(error?.code == .io)
        #expect(error?.message.contains("cannot reach the Cloud Storage endpoint http://127.0.0.1:\(port)") == true)
    }
}

func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}
