import Crypto
import CurlHTTP
import FileIO
import Foundation
import ObjectStore
import S3Store
import TestServers
import Testing

/// Keys that must round-trip byte for byte: spaces, `+`, `%`, `~`, `=`, `&`, non-ASCII.
let specialKeys = [
    "with space.bin", "plus+sign.bin", "per%cent.bin", "tilde~eq=amp&.bin", "données ünï 模型.bin", "emoji 🚀.bin",
]

@Suite("s3 flavor against real servers")
struct S3ServerTests {
    @Test(arguments: S3TestServer.Kind.allCases)
    func tenThousandKeysListAcrossPages(_ kind: S3TestServer.Kind) throws {
        let prefix = SharedServers.uniquePrefix("many")
        let store = try SharedServers.store(kind, prefix: prefix)
        let root = "s3://\(SharedServers.bucket)/\(prefix)"
        let count = 10_000
        try Parallel.forEach(count, concurrency: 16) { index in
            try store.write("\(root)/keys/k\(String(format: "%05d", index))", contents: [UInt8(index & 0xFF)])
        }
        defer { try? store.rmtree(root + "/keys") }
        let names = try store.listdir(root + "/keys")
        #expect(names.count == count)
        #expect(names.first == "k00000" && names.last == "k09999")
        #expect(try store.glob(root + "/keys/k0999*").count == 10)
        try store.rmtree(root + "/keys")
        #expect(try !store.exists(root + "/keys"))
    }

    @Test func doubleSlashesAndSpecialKeysRoundTripOnMoto() throws {
        // SeaweedFS keeps keys in a directory tree and folds `//` into `/`; moto keeps them as sent.
        let prefix = SharedServers.uniquePrefix("slashes")
        let store = try SharedServers.store(.moto, prefix: prefix)
        let path = "s3://\(SharedServers.bucket)/\(prefix)/a//b/x y+z%25.bin"
        try store.write(path, contents: Array("double".utf8))
        #expect(try store.read(path) == Array("double".utf8))
        let listed = try SharedServers.server(.moto).runPython(
            "import boto3,sys\nprint('\\n'.join(o['Key'] for o in boto3.client('s3').list_objects_v2(Bucket=sys.argv[1], Prefix=sys.argv[2])['Contents']))",
            arguments: [SharedServers.bucket, prefix + "/"]
        )
        #expect(listed.split(separator: "\n").contains { $0 == "\(prefix)/a//b/x y+z%25.bin" })
    }

    @Test(arguments: S3TestServer.Kind.allCases)
    func boto3ReadsWhatWeWriteAndWeReadWhatItWrites(_ kind: S3TestServer.Kind) throws {
        let server = try SharedServers.server(kind)
        let prefix = SharedServers.uniquePrefix("interop")
        let store = try SharedServers.store(kind, partSize: 5 << 20)
        let root = "s3://\(SharedServers.bucket)/\(prefix)"
        // 12 MiB + 3 bytes: a multipart object of three parts.
        let large = (0..<(12 << 20) + 3).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        try store.write(root + "/ours/large.bin", contents: large)
        for key in specialKeys { try store.write(root + "/ours/" + key, contents: Array(key.utf8)) }
        let script = """
            import boto3, hashlib, sys, json
            s3 = boto3.client('s3')
            bucket, prefix = sys.argv[1], sys.argv[2]
            keys = json.loads(sys.argv[3])
            out = {}
            for key in ['large.bin'] + keys:
                out[key] = hashlib.sha256(s3.get_object(Bucket=bucket, Key=prefix + '/ours/' + key)['Body'].read()).hexdigest()
            for key in keys:
                s3.put_object(Bucket=bucket, Key=prefix + '/theirs/' + key, Body=('boto3:' + key).encode())
            print(json.dumps(out))
            """
        let keysJSON = String(decoding: try JSONEncoder().encode(specialKeys), as: UTF8.self)
        let output = try server.runPython(script, arguments: [SharedServers.bucket, prefix, keysJSON])
        let hashes = try JSONDecoder().decode([String: String].self, from: Data(output.utf8))
        #expect(hashes["large.bin"] == sha256Hex(large))
        for key in specialKeys {
            #expect(hashes[key] == sha256Hex(Array(key.utf8)), "boto3 read '\(key)'")
            #expect(try store.read(root + "/theirs/" + key) == Array("boto3:\(key)".utf8), "we read boto3's '\(key)'")
        }
        #expect(try store.listdir(root + "/theirs") == specialKeys.sorted())
        try store.rmtree(root)
    }

    @Test(arguments: S3TestServer.Kind.allCases)
    func missingBucketAndMissingKeyAreToldApart(_ kind: S3TestServer.Kind) throws {
        let server = try SharedServers.server(kind)
        let store = try S3ArtifactStore(
            configuration: SharedServers.configuration(for: server, root: "s3://no-such-bucket-here")
        )
        let bucketError = #expect(throws: ArtifactStoreError.self) { try store.stat("s3://no-such-bucket-here/key") }
        #expect(bucketError?.code == .notFound)
        #expect(bucketError?.message.contains("bucket 'no-such-bucket-here' does not exist") == true)
        let openError = #expect(throws: ArtifactStoreError.self) {
            _ = try store.open("s3://no-such-bucket-here/key", mode: .read)
        }
        #expect(openError?.code == .notFound)
        #expect(openError?.message.contains("bucket 'no-such-bucket-here' does not exist") == true)
        let keyError = #expect(throws: ArtifactStoreError.self) {
            _ = try SharedServers.store(kind).open("s3://\(SharedServers.bucket)/no/such/key", mode: .read)
        }
        #expect(keyError?.code == .notFound)
        #expect(keyError?.message.contains("bucket") == false)
    }

    /// `rm -r` on a mount: the files of an implied folder go first, then its rmdir. The folder went with
    /// its last key (moto keeps none; SeaweedFS prunes it), yet the rmdir of a folder seen must succeed.
    @Test(arguments: S3TestServer.Kind.allCases)
    func anEmptiedImpliedFolderThatWasListedIsRemovedWithoutError(_ kind: S3TestServer.Kind) throws {
        let prefix = SharedServers.uniquePrefix("implied")
        let store = try SharedServers.store(kind, prefix: prefix)
        let root = "s3://\(SharedServers.bucket)/\(prefix)"
        try store.write(root + "/d/sub/f", contents: Array("x".utf8))
        #expect(try store.scandir(root + "/d").map(\.name) == ["sub"])
        try store.remove(root + "/d/sub/f")
        try store.rmdir(root + "/d/sub")
        #expect(try !store.exists(root + "/d/sub"))
        let missing = #expect(throws: ArtifactStoreError.self) { try store.rmdir(root + "/d/never") }
        #expect(missing?.code == .notFound)
        let again = #expect(throws: ArtifactStoreError.self) { try store.rmdir(root + "/d/sub") }
        #expect(again?.code == .notFound, "a folder removed is forgotten")
    }

    @Test func wrongSecretNamesBucketAndCredentialSourceNotTheSecret() throws {
        let server = try SharedServers.server(.seaweedfs)
        var configuration = SharedServers.configuration(for: server, root: "s3://\(SharedServers.bucket)")
        configuration.credentials = S3Credentials(accessKeyID: server.accessKey, secretAccessKey: "wrong-secret-value")
        configuration.credentialSource = "the component config (fields 'key' and 'secret')"
        let store = try S3ArtifactStore(configuration: configuration)
        let error = #expect(throws: ArtifactStoreError.self) {
            try store.write("s3://\(SharedServers.bucket)/x", contents: [1])
        }
        #expect(error?.code == .permissionDenied)
        #expect(error?.message.contains("bucket '\(SharedServers.bucket)'") == true)
        #expect(error?.message.contains("component config") == true)
        #expect(error.map { String(describing: $0).contains("wrong-secret-value") } == false)
    }

    @Test func unreachableEndpointSaysSoWithTheURL() throws {
        let port = try FreePorts.take(1)[0]
        let store = try S3ArtifactStore(
            configuration: S3Configuration(
                root: "s3://bucket",
                credentials: nil,
                endpoint: "http://127.0.0.1:\(port)",
                http: HTTPClientConfiguration(retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01, maxDelay: 0.05))
            )
        )
        let error = #expect(throws: ArtifactStoreError.self) { _ = try store.stat("s3://bucket/key") }
        #expect(error?.code == .io)
        #expect(error?.message.contains("cannot reach the S3 endpoint http://127.0.0.1:\(port)") == true)
        #expect(error?.message.contains("2 attempts") == true)
    }

    @Test func aMultipartUploadStoppedByAServerOutageLeavesNothingAndSucceedsLater() throws {
        let server = try S3TestServer(.seaweedfs, buckets: ["faults"])
        defer { server.shutDown() }
        var configuration = SharedServers.configuration(for: server, root: "s3://faults", partSize: 5 << 20)
        configuration.http.retry = RetryPolicy(maxAttempts: 3, baseDelay: 0.05, maxDelay: 0.2)
        configuration.concurrency = 2
        let store = try S3ArtifactStore(configuration: configuration)
        let chunk = [UInt8](repeating: 0x5A, count: 1 << 20)
        let writer = try store.open("s3://faults/run/model.bin", mode: .write)
        for _ in 0..<12 { try writer.write(chunk) }  // two parts are under way
        server.stop()
        let failure = #expect(throws: ArtifactStoreError.self) {
            for _ in 0..<12 { try writer.write(chunk) }
            try writer.close()
        }
        #expect(failure?.code == .io)
        #expect(failure?.message.contains(server.endpoint) == true)
        try server.start()
        #expect(try !store.exists("s3://faults/run/model.bin"))
        let again = try store.open("s3://faults/run/model.bin", mode: .write)
        for _ in 0..<24 { try again.write(chunk) }
        try again.close()
        #expect(try store.stat("s3://faults/run/model.bin").size == UInt64(24 << 20))
        let reader = try store.open("s3://faults/run/model.bin", mode: .read)
        #expect(try reader.read(at: UInt64(20 << 20), count: 4) == [0x5A, 0x5A, 0x5A, 0x5A])
        try reader.close()
    }

    @Test func anAbandonedMultipartWriteIsNeverVisible() throws {
        let prefix = SharedServers.uniquePrefix("abandon")
        let store = try SharedServers.store(.seaweedfs, prefix: prefix, partSize: 5 << 20)
        let path = "s3://\(SharedServers.bucket)/\(prefix)/big.bin"
        do {
            let writer = try store.open(path, mode: .write)
            try writer.write([UInt8](repeating: 1, count: 11 << 20))
        }
        #expect(try !store.exists(path))
    }
}

func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}
