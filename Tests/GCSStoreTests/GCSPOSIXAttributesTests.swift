import FileIO
import Foundation
import GCSStore
import ObjectStore
import TestServers
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// POSIX attributes on `gcp` kept in the object's `metadata` map under s3fs-fuse's names, checked
/// with google-cloud-storage (a client no one here wrote) on fake-gcs-server.
@Suite("gcp POSIX attributes in the metadata map")
struct GCSPOSIXAttributesTests {
    @Test func theMetadataMapHoldsS3fsFieldsAndOtherClientsObjectsShowDefaults() throws {
        let prefix = SharedGCSServer.uniquePrefix("posix")
        let root = "gs://\(SharedGCSServer.bucket)/\(prefix)"
        let store = try SharedGCSServer.store(prefix: prefix)
        defer { try? store.rmtree(root) }
        // Two chunks, so the resumable upload carries the attributes too.
        let large = try SharedGCSServer.store(prefix: prefix, partSize: GCSConfiguration.chunkGranularity)
        try large.write(
            root + "/big.bin",
            contents: [UInt8](repeating: 7, count: GCSConfiguration.chunkGranularity + 5)
        )
        try store.write(root + "/f", contents: Array("x".utf8))
        try store.setPermissions(root + "/f", 0o750)
        try store.setTimes(root + "/f", accessed: .keep, modified: .set(Date(timeIntervalSince1970: 1_577_836_800.25)))
        try store.symlink("f", at: root + "/link")
        try store.mkdir(root + "/d")
        try store.setPermissions(root + "/d", 0o700)

        let output = try SharedGCSServer.get().runPython(
            """
            import json, sys
            from google.auth.credentials import AnonymousCredentials
            from google.cloud import storage
            bucket = storage.Client(credentials=AnonymousCredentials(), project='test').bucket(sys.argv[1])
            prefix = sys.argv[2]
            bucket.blob(prefix + '/plain.csv').upload_from_string(b'a,b')
            print(json.dumps({k: bucket.get_blob(prefix + '/' + k).metadata or {}
                for k in ['f', 'link', 'big.bin', 'd/.artifactfs-dir']}))
            """,
            arguments: [SharedGCSServer.bucket, prefix]
        )
        let seen = try JSONDecoder().decode([String: [String: String]].self, from: Data(output.utf8))
        #expect(seen["f"]?["mode"] == String(0o100750) && seen["f"]?["mtime"] == "1577836800.250000000")
        #expect(seen["f"]?["uid"] == String(geteuid()), "\(seen["f"] ?? [:])")
        #expect(seen["link"]?["mode"] == String(0o120777))
        #expect(seen["big.bin"]?["mode"] == String(0o100644), "\(seen["big.bin"] ?? [:])")
        #expect(seen["d/.artifactfs-dir"]?["mode"] == String(0o40700))
        #expect(try store.read(root + "/link") == Array("x".utf8), "fileio reads through the link")
        #expect(try store.lstat(root + "/link").linkTarget == "f")
        let plain = try store.stat(root + "/plain.csv")
        #expect(plain.permissions == 0o644 && plain.owner == nil, "another client's object shows defaults")
        #expect(try store.listdir(root) == ["big.bin", "d", "f", "link", "plain.csv"])
        let listed = Dictionary(uniqueKeysWithValues: try store.scandir(root).map { ($0.name, $0) })
        #expect(
            listed.mapValues(\.kind) == [
                "big.bin": .file, "d": .directory, "f": .file, "link": .symlink, "plain.csv": .file,
            ]
        )
        #expect(listed.values.allSatisfy { $0.kindIsKnown }, "the listing's metadata tells the link from the files")
    }
}
