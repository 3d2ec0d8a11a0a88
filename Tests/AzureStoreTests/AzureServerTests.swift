import AzureStore
import Crypto
import CurlHTTP
import FileIO
import Foundation
import ObjectStore
import StackModel
import TestServers
import Testing

/// Names that must round-trip byte for byte: spaces, `+`, `%`, `~`, `=`, `&`, non-ASCII.
let specialNames = [
    "with space.bin", "plus+sign.bin", "per%cent.bin", "tilde~eq=amp&.bin", "données ünï 模型.bin", "emoji 🚀.bin",
]

@Suite("azure flavor against the project's Blob test server")
struct AzureServerTests {
    @Test func officialClientReadsWhatWeWriteAndWeReadWhatItWrites() throws {
        let server = try SharedAzureServer.get()
        let prefix = SharedAzureServer.uniquePrefix("interop")
        let store = try SharedAzureServer.store(partSize: 1 << 20)
        let root = "az://\(SharedAzureServer.container)/\(prefix)"
        defer { try? store.rmtree(root) }
        // 6 MiB + 3 bytes in 1 MiB blocks: seven staged blocks committed with Put Block List.
        let large = (0..<(6 << 20) + 3).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        try store.write(root + "/ours/large.bin", contents: large)
        for name in specialNames { try store.write(root + "/ours/" + name, contents: Array(name.utf8)) }
        let script = """
            import hashlib, json, os, sys
            from azure.storage.blob import BlobServiceClient
            service = BlobServiceClient.from_connection_string(os.environ['AZURE_STORAGE_CONNECTION_STRING'], max_single_put_size=1024 * 1024, max_block_size=1024 * 1024)
            container = service.get_container_client(sys.argv[1])
            prefix, names = sys.argv[2], json.loads(sys.argv[3])
            out = {}
            for name in ['large.bin'] + names:
                out[name] = hashlib.sha256(container.download_blob(prefix + '/ours/' + name).readall()).hexdigest()
            for name in names:
                container.upload_blob(prefix + '/theirs/' + name, ('azure:' + name).encode())
            container.upload_blob(prefix + '/theirs/big.bin', bytes(range(256)) * (12 * 4096))
            print(json.dumps(out))
            """
        let namesJSON = String(decoding: try JSONEncoder().encode(specialNames), as: UTF8.self)
        let output = try server.runPython(script, arguments: [SharedAzureServer.container, prefix, namesJSON])
        let hashes = try JSONDecoder().decode([String: String].self, from: Data(output.utf8))
        #expect(hashes["large.bin"] == sha256Hex(large))
        for name in specialNames {
            #expect(hashes[name] == sha256Hex(Array(name.utf8)), "azure-storage-blob read '\(name)'")
            #expect(
                try store.read(root + "/theirs/" + name) == Array("azure:\(name)".utf8),
                "we read the client's '\(name)'"
            )
        }
        let big = try store.read(root + "/theirs/big.bin")
        #expect(big.count == 12 << 20)
        #expect(big[(5 << 20) + 7] == UInt8(((5 << 20) + 7) % 256))
        #expect(try store.listdir(root + "/theirs") == (specialNames + ["big.bin"]).sorted())
    }

    @Test func listingFollowsMarkersAcrossPages() throws {
        let prefix = SharedAzureServer.uniquePrefix("pages")
        let store = try SharedAzureServer.store(prefix: prefix)
        let root = "az://\(SharedAzureServer.container)/\(prefix)"
        defer { try? store.rmtree(root + "/keys") }
        let count = 6_000
        try Parallel.forEach(count, concurrency: 16) { index in
            try store.write("\(root)/keys/k\(String(format: "%05d", index))", contents: [UInt8(index & 0xFF)])
        }
        let names = try store.listdir(root + "/keys")
        #expect(names.count == count)
        #expect(names.first == "k00000" && names.last == "k05999")
    }

    /// List Blobs with `include=metadata` tells a link and a fifo from files, with no request per name.
    @Test func aListingTellsLinksAndFifosFromFiles() throws {
        let prefix = SharedAzureServer.uniquePrefix("kinds")
        let store = try SharedAzureServer.store(prefix: prefix)
        let root = "az://\(SharedAzureServer.container)/\(prefix)"
        defer { try? store.rmtree(root) }
        try store.write(root + "/f", contents: Array("x".utf8))
        try store.symlink("f", at: root + "/link")
        try store.makeSpecialFile(root + "/pipe", .fifo, permissions: 0o644)
        let listed = Dictionary(uniqueKeysWithValues: try store.scandir(root).map { ($0.name, $0) })
        #expect(listed.mapValues(\.kind) == ["f": .file, "link": .symlink, "pipe": .other])
        #expect(listed.values.allSatisfy { $0.kindIsKnown })
    }

    @Test func missingContainerAndMissingBlobAreToldApart() throws {
        let store = try AzureArtifactStore(
            configuration: SharedAzureServer.configuration(root: "az://no-such-container")
        )
        let containerError = #expect(throws: ArtifactStoreError.self) { try store.stat("az://no-such-container/key") }
        #expect(containerError?.code == .notFound)
        #expect(containerError?.message.contains("container 'no-such-container' does not exist") == true)
        let blobError = #expect(throws: ArtifactStoreError.self) {
            _ = try SharedAzureServer.store().open("az://\(SharedAzureServer.container)/no/such/blob", mode: .read)
        }
        #expect(blobError?.code == .notFound)
        #expect(blobError?.message.contains("container") == false)
    }

    @Test func everyOperationTellsAMissingContainerFromAMissingBlob() throws {
        let missing = "az://no-such-container-\(UUID().uuidString.prefix(8).lowercased())"
        let store = try AzureArtifactStore(
            configuration: SharedAzureServer.configuration(root: missing, partSize: 1 << 20)
        )
        let prefix = SharedAzureServer.uniquePrefix("missing")
        let root = "az://\(SharedAzureServer.container)/\(prefix)"
        let existing = try SharedAzureServer.store(prefix: prefix)
        defer { try? existing.rmtree(root) }
        try existing.write(root + "/kept.bin", contents: [1])
        let operations: [(String, (String) throws -> Void)] = [
            ("stat", { _ = try store.stat($0 + "/a/b.bin") }),
            ("open", { _ = try store.open($0 + "/a/b.bin", mode: .read) }),
            ("write", { try store.write($0 + "/a/b.bin", contents: [1]) }),
            (
                "write in blocks",
                { try store.write($0 + "/a/b.bin", contents: [UInt8](repeating: 1, count: (2 << 20) + 1)) }
            ),
            ("remove", { try store.remove($0 + "/a/b.bin") }),
            ("listdir", { _ = try store.listdir($0 + "/a") }),
            ("listdir of the root", { _ = try store.listdir($0) }),
            ("makedirs", { try store.makedirs($0 + "/a/b") }),
            ("rmtree", { try store.rmtree($0 + "/a") }),
            ("copyfile", { try store.copyfile($0 + "/a/b.bin", $0 + "/a/c.bin", overwrite: true) }),
            ("rename", { try store.rename($0 + "/a/b.bin", $0 + "/a/c.bin", overwrite: true) }),
            (
                "copy in from another container",
                {
                    try Transfer.copyFile(
                        from: existing,
                        root + "/kept.bin",
                        to: store,
                        $0 + "/a/c.bin",
                        overwrite: true
                    )
                }
            ),
        ]
        for (name, operation) in operations {
            let error = #expect(throws: ArtifactStoreError.self, "\(name)") { try operation(missing) }
            #expect(error?.code == .notFound, "\(name)")
            #expect(
                error?.message.contains(
                    "container '\(missing.dropFirst(5))' does not exist in storage account 'devstoreaccount1'"
                ) == true,
                "\(name): \(error?.message ?? "")"
            )
        }
        let missingBlob: [(String, (String) throws -> Void)] = [
            ("stat", { _ = try existing.stat($0 + "/a/b.bin") }),
            ("open", { _ = try existing.open($0 + "/a/b.bin", mode: .read) }),
            ("remove", { try existing.remove($0 + "/a/b.bin") }),
            ("listdir", { _ = try existing.listdir($0 + "/a") }),
            ("copyfile", { try existing.copyfile($0 + "/a/b.bin", $0 + "/a/c.bin", overwrite: true) }),
            ("rename", { try existing.rename($0 + "/a/b.bin", $0 + "/a/c.bin", overwrite: true) }),
        ]
        for (name, operation) in missingBlob {
            let error = #expect(throws: ArtifactStoreError.self, "\(name)") { try operation(root) }
            #expect(error?.code == .notFound, "\(name)")
            #expect(error?.message.contains("container") == false, "\(name): \(error?.message ?? "")")
        }
    }

    @Test func aWrongKeyNamesAccountContainerAndSourceNotTheKey() throws {
        let wrong = Data(repeating: 7, count: 64).base64EncodedString()
        var configuration = try SharedAzureServer.configuration(root: "az://\(SharedAzureServer.container)", key: wrong)
        configuration.credentialSource = "the component config (field 'account_key')"
        let store = try AzureArtifactStore(configuration: configuration)
        let error = #expect(throws: ArtifactStoreError.self) {
            try store.write("az://\(SharedAzureServer.container)/x", contents: [1])
        }
        #expect(error?.code == .permissionDenied)
        #expect(error?.message.contains("container '\(SharedAzureServer.container)'") == true)
        #expect(error?.message.contains("devstoreaccount1") == true)
        #expect(error?.message.contains("component config") == true)
        #expect(error.map { String(describing: $0).contains(wrong) } == false)
    }

    @Test func connectionStringAndAbfsRootsResolve() throws {
        let server = try SharedAzureServer.get()
        let configuration = try AzureConfiguration(
            config: [
                "path": .string("abfs://\(SharedAzureServer.container)@devstoreaccount1.dfs.core.windows.net/run")
            ],
            environment: ["AZURE_STORAGE_CONNECTION_STRING": server.connectionString]
        )
        #expect(configuration.account == "devstoreaccount1")
        #expect(configuration.endpoint == server.endpoint)
        #expect(configuration.credentialSource.contains("AZURE_STORAGE_CONNECTION_STRING"))
        let store = try AzureArtifactStore(configuration: configuration)
        let path =
            "abfs://\(SharedAzureServer.container)@devstoreaccount1.dfs.core.windows.net/run/\(UUID().uuidString).txt"
        try store.write(path, contents: Array("abfs".utf8))
        #expect(try store.read(path) == Array("abfs".utf8))
        try store.remove(path)
        let fromVariables = try AzureConfiguration(
            config: ["path": .string("az://c")],
            environment: ["AZURE_STORAGE_ACCOUNT_NAME": "acct", "AZURE_STORAGE_ACCOUNT_KEY": server.key]
        )
        #expect(fromVariables.endpoint == "https://acct.blob.core.windows.net")
        #expect(fromVariables.credentialSource.contains("AZURE_STORAGE_ACCOUNT_KEY"))
    }
}

func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}
