import FileIO
import Foundation
import ObjectStore
import S3Store
import TestServers
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// POSIX attributes on `s3` kept in s3fs-fuse's `x-amz-meta-*` headers, checked with boto3 (a
/// client no one here wrote) on SeaweedFS and moto: what the store writes is what s3fs writes,
/// what s3fs or a plain upload wrote reads as s3fs would show it, and a change outlives the store.
@Suite("s3 POSIX attributes in s3fs-fuse's headers")
struct S3POSIXAttributesTests {
    /// The `Metadata` map boto3's HEAD answers for each key below `prefix`, as JSON lines.
    static func metadata(_ server: S3TestServer, prefix: String, _ keys: [String]) throws -> [String: [String: String]]
    {
        let script = """
            import boto3, json, sys
            s3 = boto3.client('s3')
            bucket, prefix, keys = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
            print(json.dumps({k: s3.head_object(Bucket=bucket, Key=prefix + '/' + k)['Metadata'] for k in keys}))
            """
        let keysJSON = String(decoding: try JSONSerialization.data(withJSONObject: keys), as: UTF8.self)
        let output = try server.runPython(script, arguments: [SharedServers.bucket, prefix, keysJSON])
        return try JSONDecoder().decode([String: [String: String]].self, from: Data(output.utf8))
    }

    @Test(arguments: [S3TestServer.Kind.seaweedfs, .moto])
    func theHeadersAreTheOnesS3fsWrites(_ kind: S3TestServer.Kind) throws {
        let prefix = SharedServers.uniquePrefix("s3fs-headers")
        let store = try SharedServers.store(kind, prefix: prefix)
        defer { try? store.rmtree("s3://\(SharedServers.bucket)/\(prefix)") }
        let base = "s3://\(SharedServers.bucket)/\(prefix)"
        try store.write(base + "/f", contents: Array("x".utf8))
        try store.setPermissions(base + "/f", 0o750)
        let old = Date(timeIntervalSince1970: 1_577_836_800.25)
        try store.setTimes(base + "/f", accessed: .set(old), modified: .set(old))
        try store.symlink("f", at: base + "/link")
        try store.mkdir(base + "/d")
        try store.setPermissions(base + "/d", 0o700)

        let seen = try Self.metadata(
            try SharedServers.server(kind),
            prefix: prefix,
            ["f", "link", "d/.artifactfs-dir"]
        )
        let file = try #require(seen["f"])
        #expect(file["mode"] == String(0o100750), "decimal st_mode with S_IFREG: \(file)")
        #expect(file["uid"] == String(geteuid()) && file["gid"] == String(getegid()), "\(file)")
        #expect(file["mtime"] == "1577836800.250000000" && file["atime"] == "1577836800.250000000", "\(file)")
        #expect(file["ctime"].flatMap(Double.init).map { abs($0 - Date().timeIntervalSince1970) < 120 } == true)
        #expect(seen["link"]?["mode"] == String(0o120777), "a link's mode has S_IFLNK: \(seen["link"] ?? [:])")
        #expect(try store.read(base + "/link") == Array("x".utf8), "fileio reads through the link")
        #expect(seen["d/.artifactfs-dir"]?["mode"] == String(0o40700), "\(seen["d/.artifactfs-dir"] ?? [:])")
        #expect(try store.listdir(base + "/d").isEmpty, "the hidden attributes object is not listed")
        #expect(try store.listdir(base) == ["d", "f", "link"])
    }

    @Test(arguments: [S3TestServer.Kind.seaweedfs, .moto])
    func objectsOfOtherClientsShowDefaultsOrWhatS3fsWrote(_ kind: S3TestServer.Kind) throws {
        let prefix = SharedServers.uniquePrefix("other-clients")
        let store = try SharedServers.store(kind, prefix: prefix)
        defer { try? store.rmtree("s3://\(SharedServers.bucket)/\(prefix)") }
        let base = "s3://\(SharedServers.bucket)/\(prefix)"
        try SharedServers.server(kind).runPython(
            """
            import boto3, sys
            s3 = boto3.client('s3')
            bucket, prefix = sys.argv[1], sys.argv[2]
            s3.put_object(Bucket=bucket, Key=prefix + '/plain.csv', Body=b'a,b')
            s3.put_object(Bucket=bucket, Key=prefix + '/folder/inner', Body=b'i')
            s3.put_object(Bucket=bucket, Key=prefix + '/tool.sh', Body=b'#!/bin/sh',
                Metadata={'mode': '33261', 'uid': '1234', 'gid': '5678', 'mtime': '1600000000'})
            s3.put_object(Bucket=bucket, Key=prefix + '/latest', Body=b'tool.sh', Metadata={'mode': '41471'})
            """,
            arguments: [SharedServers.bucket, prefix]
        )
        let plain = try store.stat(base + "/plain.csv")
        #expect(plain.kind == .file && plain.permissions == 0o644 && plain.owner == nil && plain.size == 3)
        #expect(plain.modified.map { abs($0.timeIntervalSinceNow) < 120 } == true, "the service's write time")
        let folder = try store.stat(base + "/folder")
        #expect(folder.kind == .directory && folder.permissions == 0o755 && folder.owner == nil)

        let tool = try store.stat(base + "/tool.sh")
        #expect(tool.permissions == 0o755 && tool.owner == 1234 && tool.group == 5678)
        #expect(tool.modified == Date(timeIntervalSince1970: 1_600_000_000))
        let link = try store.lstat(base + "/latest")
        #expect(link.kind == .symlink && link.linkTarget == "tool.sh")
        #expect(try store.stat(base + "/latest").permissions == 0o755, "stat follows the link")
    }

    @Test(arguments: [S3TestServer.Kind.seaweedfs, .moto])
    func changesOutliveTheStoreAndKeepTheBytes(_ kind: S3TestServer.Kind) throws {
        let prefix = SharedServers.uniquePrefix("outlive")
        let base = "s3://\(SharedServers.bucket)/\(prefix)"
        let first = try SharedServers.store(kind, prefix: prefix)
        defer { try? first.rmtree(base) }
        // Two parts, so the multipart upload carries the attributes too.
        let content = (0..<(5 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let multipart = try SharedServers.store(kind, prefix: prefix, partSize: 5 << 20)
        try multipart.write(base + "/big.bin", contents: content)
        try first.write(base + "/small", contents: Array("small".utf8))
        try first.makedirs(base + "/runs/1")
        for name in ["big.bin", "small", "runs/1"] {
            try first.setPermissions(base + "/" + name, 0o711)
            try first.setTimes(base + "/" + name, accessed: .keep, modified: .set(Date(timeIntervalSince1970: 1e9)))
        }
        try first.write(base + "/small", contents: Array("rewritten".utf8))

        let second = try SharedServers.store(kind, prefix: prefix)
        for name in ["big.bin", "runs/1"] {
            let info = try second.stat(base + "/" + name)
            #expect(info.permissions == 0o711, "\(name): \(info)")
            #expect(info.modified == Date(timeIntervalSince1970: 1e9), "\(name): \(info)")
        }
        #expect(try second.read(base + "/big.bin") == content, "a metadata change keeps the bytes")
        let small = try second.stat(base + "/small")
        #expect(small.permissions == 0o711, "a rewrite keeps the mode, as on a disk")
        #expect(small.modified.map { abs($0.timeIntervalSinceNow) < 120 } == true, "and moves the mtime")
        try second.rmdir(base + "/runs/1")
        #expect(try !second.exists(base + "/runs/1"), "rmdir removes a directory holding only its attributes")
    }

    /// `sync` and `cp -p` keep a source's time: it goes up with the object, in the PUT or in the
    /// multipart upload's start, not in a self-copy after it (which would double the requests).
    @Test func aCopyKeepingItsTimeSendsItWithTheUpload() throws {
        let server = try SharedServers.server(.seaweedfs)
        let proxy = try FaultProxy(upstream: server.endpoint)
        defer { proxy.stop() }
        let prefix = SharedServers.uniquePrefix("timed-upload")
        let base = "s3://\(SharedServers.bucket)/\(prefix)"
        var configuration = SharedServers.configuration(for: server, root: base, partSize: 5 << 20)
        configuration.endpoint = proxy.endpoint
        let store = try S3ArtifactStore(configuration: configuration)
        defer { try? store.rmtree(base) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let local = try LocalArtifactStore(root: folder)
        try local.write(folder + "/small", contents: Array("small".utf8))
        try local.write(folder + "/big.bin", contents: (0..<(11 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) })

        let old = Date(timeIntervalSince1970: 1_600_000_000.5)
        for name in ["small", "big.bin"] {
            try Transfer.copyFile(
                from: local,
                folder + "/" + name,
                to: store,
                base + "/" + name,
                overwrite: true,
                modified: old
            )
            #expect(try store.stat(base + "/" + name).modified == old, "\(name)")
        }
        let seen = try Self.metadata(server, prefix: prefix, ["small", "big.bin"])
        #expect(
            seen["small"]?["mtime"] == "1600000000.500000000" && seen["big.bin"]?["mtime"] == "1600000000.500000000"
        )
        let plainPuts = proxy.events.filter { $0.request.method == "PUT" && $0.request.queryNames.isEmpty }
        #expect(
            plainPuts.map(\.request.path).sorted() == ["/\(SharedServers.bucket)/\(prefix)/small"],
            "one PUT for the small file, none for the multipart one (no self-copy): \(proxy.log)"
        )
    }
}
