import AzureStore
import FileIO
import Foundation
import ObjectStore
import TestServers
import Testing

/// Copies and moves between two containers of one account run as Copy Blob on the service: the
/// bytes never pass through this process, and the destination blobs record their source.
@Suite("azure server-side copy across containers")
struct AzureCopyTests {
    /// Each destination blob's Copy Blob record (`status source`), as the official client reads it.
    static func copyRecords(_ server: AzureTestServer, container: String, names: [String]) throws -> [String: String] {
        let script = """
            import json, os, sys
            from azure.storage.blob import BlobServiceClient
            service = BlobServiceClient.from_connection_string(os.environ['AZURE_STORAGE_CONNECTION_STRING'])
            out = {}
            for name in json.loads(sys.argv[2]):
                copy = service.get_blob_client(sys.argv[1], name).get_blob_properties().copy
                out[name] = '%s %s' % (copy.status, copy.source)
            print(json.dumps(out))
            """
        let namesJSON = String(decoding: try JSONEncoder().encode(names), as: UTF8.self)
        let output = try server.runPython(script, arguments: [container, namesJSON])
        return try JSONDecoder().decode([String: String].self, from: Data(output.utf8))
    }

    /// Two fresh containers and a store on each, registered for `fileio` while `body` runs.
    static func withTwoContainers(
        credentials: (_ container: String) throws -> AzureConfiguration,
        _ body: (_ left: String, _ right: String, _ server: AzureTestServer) throws -> Void
    ) throws {
        let server = try SharedAzureServer.get()
        let left = SharedAzureServer.uniquePrefix("left")
        let right = SharedAzureServer.uniquePrefix("right")
        try server.createContainer(left)
        try server.createContainer(right)
        let stores = try [left, right].map { try AzureArtifactStore(configuration: credentials($0)) }
        for store in stores { fileio.registry.register(store) }
        defer {
            for store in stores { fileio.registry.unregister(root: store.root) }
        }
        try body(left, right, server)
    }

    static func write(_ path: String, _ bytes: [UInt8]) throws {
        try fileio.registry.store(for: path).write(path, contents: bytes)
    }
    static func read(_ path: String) throws -> [UInt8] { try fileio.registry.store(for: path).read(path) }

    static func exercise(left: String, right: String, server: AzureTestServer) throws {
        let large = (0..<(2 << 20) + 9).map { UInt8(truncatingIfNeeded: $0 &* 7 >> 2) }
        try write("az://\(left)/run/model.bin", large)
        for name in ["tree/a.txt", "tree/sub/b.txt", "tree/données é.txt"] {
            try write("az://\(left)/\(name)", Array(name.utf8))
        }
        try fileio.copy("az://\(left)/run/model.bin", "az://\(right)/in/model.bin")
        try fileio.rename("az://\(left)/run/model.bin", "az://\(right)/moved.bin")
        try fileio.rename("az://\(left)/tree", "az://\(right)/tree-moved")
        #expect(try read("az://\(right)/in/model.bin") == large)
        #expect(try read("az://\(right)/moved.bin") == large)
        #expect(try read("az://\(right)/tree-moved/sub/b.txt") == Array("tree/sub/b.txt".utf8))
        #expect(try !fileio.exists("az://\(left)/run/model.bin"))
        #expect(try !fileio.exists("az://\(left)/tree"))
        let records = try copyRecords(
            server,
            container: right,
            names: ["in/model.bin", "moved.bin", "tree-moved/a.txt", "tree-moved/données é.txt"]
        )
        let base = server.endpoint + "/" + left + "/"
        #expect(records["in/model.bin"] == "success \(base)run/model.bin")
        #expect(records["moved.bin"] == "success \(base)run/model.bin")
        #expect(records["tree-moved/a.txt"] == "success \(base)tree/a.txt")
        #expect(records["tree-moved/données é.txt"] == "success \(base)tree/donn%C3%A9es%20%C3%A9.txt")
        let error = #expect(throws: ArtifactStoreError.self) {
            try fileio.copy("az://\(right)/moved.bin", "az://\(right)/in/model.bin")
        }
        #expect(error?.code == .alreadyExists)
    }

    @Test func copyAndRenameBetweenContainersWithTheAccountKey() throws {
        try Self.withTwoContainers(
            credentials: { try SharedAzureServer.configuration(root: "az://\($0)") },
            Self.exercise
        )
    }

    @Test func copyAndRenameBetweenContainersEachWithItsOwnSAS() throws {
        let signer = try SharedAzureServer.signer()
        try Self.withTwoContainers(
            credentials: { container in
                let token = signer.containerSAS(
                    container: container,
                    permissions: "racwdl",
                    expiry: Date() + 7200,
                    protocols: "https,http",
                    version: AzureConfiguration.apiVersion
                )
                return try SharedAzureServer.configuration(root: "az://\(container)", sas: token)
            },
            Self.exercise
        )
    }
}
