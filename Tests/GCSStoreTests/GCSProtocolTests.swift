import Crypto
import CurlHTTP
import FileIO
import Foundation
import GCSStore
import ObjectStore
import Synchronization
import TestServers
import Testing

@Suite("gcp preconditions, checksums and deletes on fake-gcs-server")
struct GCSProtocolTests {
    let bucket = SharedGCSServer.bucket

    @Test func aSecondCreateOnlyWriteFailsAndKeepsTheFirst() throws {
        let prefix = SharedGCSServer.uniquePrefix("create")
        let store = try SharedGCSServer.store(prefix: prefix)
        let path = "gs://\(bucket)/\(prefix)/once.bin"
        defer { try? store.rmtree("gs://\(bucket)/\(prefix)") }
        try Array("first".utf8).withUnsafeBytes { try store.backend.create("\(prefix)/once.bin", body: $0, path: path) }
        let error = #expect(throws: ArtifactStoreError.self) {
            try Array("second".utf8).withUnsafeBytes {
                try store.backend.create("\(prefix)/once.bin", body: $0, path: path)
            }
        }
        #expect(error?.code == .alreadyExists)
        #expect(error?.path == path)
        #expect(try store.read(path) == Array("first".utf8))
    }

    @Test func ofConcurrentMkdirsExactlyOneSucceeds() throws {
        let prefix = SharedGCSServer.uniquePrefix("mkdir")
        let store = try SharedGCSServer.store(prefix: prefix)
        let path = "gs://\(bucket)/\(prefix)/shared"
        defer { try? store.rmtree(path) }
        let outcomes = Mutex<(made: Int, existed: Int)>((0, 0))
        try Parallel.forEach(8, concurrency: 8) { _ in
            do {
                try store.mkdir(path)
                outcomes.withLock { $0.made += 1 }
            } catch let error as ArtifactStoreError where error.code == .alreadyExists {
                outcomes.withLock { $0.existed += 1 }
            }
        }
        let outcome = outcomes.withLock { $0 }
        #expect(outcome.made == 1)
        #expect(outcome.existed == 7)
        #expect(try store.isdir(path))
    }

    @Test func aCopyPinnedToAReplacedGenerationFailsAndWritesNothing() throws {
        let prefix = SharedGCSServer.uniquePrefix("pincopy")
        let store = try SharedGCSServer.store(prefix: prefix)
        let source = "gs://\(bucket)/\(prefix)/model.bin"
        let destination = "gs://\(bucket)/\(prefix)/copy.bin"
        defer { try? store.rmtree("gs://\(bucket)/\(prefix)") }
        try store.write(source, contents: Array("v1".utf8))
        let generation = try #require(try store.stat(source).etag)
        try store.write(source, contents: Array("v2".utf8))
        let error = #expect(throws: ArtifactStoreError.self) {
            try store.backend.copy(
                from: "\(prefix)/model.bin",
                version: generation,
                to: "\(prefix)/copy.bin",
                size: 2,
                exclusive: false,
                path: destination
            )
        }
        #expect(error?.code == .notFound)
        #expect(error?.message.contains("replaced or deleted") == true)
        #expect(try !store.exists(destination))
        try store.rename(source, destination, overwrite: false)
        #expect(try store.read(destination) == Array("v2".utf8))
        #expect(try !store.exists(source))
    }

    /// The server's `crc32c` and `md5Hash` equal ours, for a simple and a resumable (several-chunk) upload.
    @Test(arguments: [1_000, (1 << 20) + 17])
    func ourChecksumsAgreeWithTheServers(size: Int) throws {
        let prefix = SharedGCSServer.uniquePrefix("sums")
        let store = try SharedGCSServer.store(prefix: prefix, partSize: 256 << 10)
        let path = "gs://\(bucket)/\(prefix)/data.bin"
        defer { try? store.rmtree("gs://\(bucket)/\(prefix)") }
        let contents = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        try store.write(path, contents: contents)
        let url =
            try SharedGCSServer.get().endpoint + "/storage/v1/b/\(bucket)/o/"
            + URIEncoding.component("\(prefix)/data.bin")
        let response = try HTTPClient().send(HTTPRequest(method: "GET", url: url))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        var crc = CRC32C()
        crc.update(contents)
        #expect(object["crc32c"] as? String == crc.base64)
        #expect(object["md5Hash"] as? String == Data(Insecure.MD5.hash(data: contents)).base64EncodedString())
    }

    /// fake-gcs-server does not check the checksums a client sends, so a body corrupted on the way
    /// is stored; the comparison with what the server reports catches it, and the object is deleted.
    @Test(arguments: [false, true])
    func aBodyCorruptedInTransitIsCaughtAndTheObjectDeleted(resumable: Bool) throws {
        let proxy = try GCSResponder.corrupting(
            upstream: try SharedGCSServer.get().endpoint,
            marker: "PRISTINE",
            replacement: "CORRUPT!"
        )
        defer { withExtendedLifetime(proxy) {} }
        let prefix = SharedGCSServer.uniquePrefix("corrupt")
        var configuration = try SharedGCSServer.configuration(root: "gs://\(bucket)/\(prefix)", partSize: 256 << 10)
        configuration.endpoint = proxy.endpoint
        let store = try GCSArtifactStore(configuration: configuration)
        let path = "gs://\(bucket)/\(prefix)/weights.bin"
        var contents = [UInt8](repeating: 7, count: resumable ? 600 << 10 : 1_000)
        contents.replaceSubrange(300..<308, with: Array("PRISTINE".utf8))
        if resumable { contents.replaceSubrange(300_000..<300_008, with: Array("PRISTINE".utf8)) }
        let error = #expect(throws: ArtifactStoreError.self) { try store.write(path, contents: contents) }
        #expect(error?.code == .io)
        #expect(error?.path == path)
        #expect(error?.message.contains("upload corrupted in transit") == true)
        #expect(error?.message.contains("the corrupted object was deleted") == true)
        #expect(try !SharedGCSServer.store(prefix: prefix).exists(path))
    }

    @Test func batchedDeletesRemoveEveryObjectAndMissingOnesAreNoError() throws {
        let prefix = SharedGCSServer.uniquePrefix("batch")
        let store = try SharedGCSServer.store(prefix: prefix)
        let root = "gs://\(bucket)/\(prefix)"
        defer { try? store.rmtree(root + "/tree") }
        try Parallel.forEach(250, concurrency: 16) { index in
            try store.write("\(root)/tree/d\(index % 3)/f \(index)+%.bin", contents: [UInt8(index & 0xFF)])
        }
        try store.backend.deleteAll(["\(prefix)/tree/d0/f 0+%.bin", "\(prefix)/tree/no such object"], path: root)
        #expect(try !store.exists("\(root)/tree/d0/f 0+%.bin"))
        #expect(try store.exists("\(root)/tree/d0/f 3+%.bin"))
        try store.rmtree(root + "/tree")
        #expect(try !store.exists(root + "/tree"))
    }

    /// Refused credentials name the bucket and where the credentials came from, never the token
    /// (even when the server echoes it); a refused bulk delete names the first object and the count.
    @Test(arguments: [401, 403])
    func refusedCredentialsNameTheBucketAndSourceNeverTheToken(status: Int) throws {
        let responder = try GCSResponder.denying(status)
        defer { withExtendedLifetime(responder) {} }
        let store = try GCSArtifactStore(
            configuration: GCSConfiguration(
                root: "gs://private-models",
                credentials: .bearer("ya29.top-secret-token"),
                credentialSource: "the environment (GOOGLE_OAUTH_ACCESS_TOKEN)",
                endpoint: responder.endpoint,
                http: HTTPClientConfiguration(retry: RetryPolicy(maxAttempts: 2, baseDelay: 0.01, maxDelay: 0.05))
            )
        )
        let error = #expect(throws: ArtifactStoreError.self) { _ = try store.stat("gs://private-models/run/model.bin") }
        #expect(error?.code == .permissionDenied)
        #expect(error?.path == "gs://private-models/run/model.bin")
        #expect(error?.message.contains("bucket 'private-models'") == true)
        #expect(error?.message.contains("GOOGLE_OAUTH_ACCESS_TOKEN") == true)
        #expect(error?.message.contains("HTTP \(status)") == true)
        #expect(error.map { String(reflecting: $0).contains("top-secret") } == false)
        let bulk = #expect(throws: ArtifactStoreError.self) {
            try store.backend.deleteAll(["run/a", "run/b", "run/c"], path: "gs://private-models/run")
        }
        #expect(bulk?.code == .permissionDenied)
        #expect(bulk?.message.contains("could not delete 3 of 3 objects; the first: gs://private-models/run/a") == true)
        #expect(bulk.map { String(reflecting: $0).contains("top-secret") } == false)
    }
}
