import ArtifactStoreConformance
import AzureStore
import FileIO
import Foundation
import ObjectStore
import StackModel
import TestServers
import Testing

/// The `azure` flavor authenticated by shared access signatures, which the test server verifies as
/// Azure does (signature, validity window, permissions, scope).
@Suite("azure flavor with shared access signatures")
struct AzureSASTests {
    static let container = SharedAzureServer.container

    /// A container SAS on the conformance container from our signer, usable over http.
    static func containerSAS(
        permissions: String = "racwdl",
        start: Date? = nil,
        expiry: Date = Date() + 7200,
        container: String = container
    )
        throws -> String
    {
        try SharedAzureServer.signer().containerSAS(
            container: container,
            permissions: permissions,
            start: start,
            expiry: expiry,
            protocols: "https,http",
            version: AzureConfiguration.apiVersion
        )
    }

    static func store(
        root: String,
        sas token: String,
        source: String = "the test harness",
        partSize: Int = AzureConfiguration.defaultPartSize
    )
        throws -> AzureArtifactStore
    {
        try AzureArtifactStore(
            configuration: SharedAzureServer.configuration(root: root, sas: token, source: source, partSize: partSize)
        )
    }

    /// The signature of a token, which must never appear in an error.
    static func signature(_ token: String) -> String {
        SharedKeySignerTests.fields(token)["sig"] ?? "?"
    }

    @Test(arguments: ArtifactStoreConformance.cases)
    func conformanceWithOurContainerSAS(_ check: ConformanceCase) throws {
        let root = "az://\(Self.container)/\(SharedAzureServer.uniquePrefix("sas"))"
        try check.run(on: Self.store(root: root, sas: Self.containerSAS()), under: root)
    }

    @Test func tokensFromTheOfficialPackageDriveTheStoreThroughItsConfig() throws {
        let server = try SharedAzureServer.get()
        let script = """
            import json, sys
            from datetime import datetime, timedelta, timezone
            from azure.storage.blob import generate_account_sas, generate_container_sas
            expiry = datetime.now(timezone.utc) + timedelta(hours=2)
            print(json.dumps({
                'container SAS': generate_container_sas(sys.argv[1], sys.argv[3], account_key=sys.argv[2], permission='racwdl', expiry=expiry),
                'account SAS': generate_account_sas(sys.argv[1], sys.argv[2], 'co', 'rwdlac', expiry),
            }))
            """
        let output = try server.runPython(script, arguments: [server.account, server.key, Self.container])
        let tokens = try JSONDecoder().decode([String: String].self, from: Data(output.utf8))
        #expect(tokens.count == 2)
        for (kind, token) in tokens.sorted(by: { $0.key < $1.key }) {
            let root = "az://\(Self.container)/\(SharedAzureServer.uniquePrefix("pysas"))"
            let configuration = try AzureConfiguration(
                config: [
                    "path": .string(root), "account_name": .string(server.account), "sas_token": .string("?" + token),
                    "endpoint_url": .string(server.endpoint), "part_size": .integer(1 << 20),
                ],
                environment: [:]
            )
            #expect(configuration.credentialSource.contains("'sas_token'"))
            let store = try AzureArtifactStore(configuration: configuration)
            defer { try? store.rmtree(root + "/run") }
            let large = (0..<(3 << 20) + 11).map { UInt8(truncatingIfNeeded: $0 &* 31 >> 3) }
            try store.write(root + "/run/model.bin", contents: large)
            try store.write(root + "/run/notes.txt", contents: Array(kind.utf8))
            #expect(try store.read(root + "/run/model.bin") == large, "\(kind)")
            try store.copyfile(root + "/run/notes.txt", root + "/run/copy.txt", overwrite: false)
            try store.rename(root + "/run/copy.txt", root + "/run/moved.txt", overwrite: false)
            #expect(try store.listdir(root + "/run") == ["model.bin", "moved.txt", "notes.txt"], "\(kind)")
            #expect(try store.read(root + "/run/moved.txt") == Array(kind.utf8), "\(kind)")
            try store.remove(root + "/run/moved.txt")
            #expect(try !store.exists(root + "/run/moved.txt"), "\(kind)")
        }
    }

    @Test func anExpiredSASIsRefusedNamingAccountContainerAndSourceNeverTheToken() throws {
        let token = try Self.containerSAS(start: Date() - 7200, expiry: Date() - 3600)
        let root = "az://\(Self.container)/\(SharedAzureServer.uniquePrefix("expired"))"
        let store = try Self.store(
            root: root,
            sas: token,
            source: "the component config (field 'sas_token', account 'devstoreaccount1')"
        )
        let error = #expect(throws: ArtifactStoreError.self) {
            try store.write(root + "/model.bin", contents: [1, 2, 3])
        }
        #expect(error?.code == .permissionDenied)
        let message = error?.message ?? ""
        #expect(message.contains("container '\(Self.container)'"))
        #expect(message.contains("storage account 'devstoreaccount1'"))
        #expect(message.contains("field 'sas_token'"))
        #expect(message.contains("container SAS") && message.contains("has expired"), "\(message)")
        let everything = error.map { String(describing: $0) + String(reflecting: $0) } ?? ""
        #expect(!everything.contains(Self.signature(token)) && !everything.contains(token))
    }

    @Test func aReadOnlySASReadsButAWriteIsRefusedClearly() throws {
        let prefix = SharedAzureServer.uniquePrefix("readonly")
        let root = "az://\(Self.container)/\(prefix)"
        let writer = try SharedAzureServer.store(prefix: prefix)
        defer { try? writer.rmtree(root + "/run") }
        try writer.write(root + "/run/model.bin", contents: Array("weights".utf8))
        let token = try Self.containerSAS(permissions: "rl")
        let reader = try Self.store(
            root: root,
            sas: token,
            source: "the environment (AZURE_STORAGE_SAS_TOKEN, account 'devstoreaccount1')"
        )
        #expect(try reader.read(root + "/run/model.bin") == Array("weights".utf8))
        #expect(try reader.listdir(root + "/run") == ["model.bin"])
        for (what, attempt) in [
            ("write", { try reader.write(root + "/run/new.bin", contents: [1]) }),
            ("remove", { try reader.remove(root + "/run/model.bin") }),
        ] as [(String, () throws -> Void)] {
            let error = #expect(throws: ArtifactStoreError.self, "\(what)") { try attempt() }
            #expect(error?.code == .permissionDenied)
            let message = error?.message ?? ""
            #expect(
                message.contains("permissions 'rl'") && message.contains("does not grant the permission"),
                "\(message)"
            )
            #expect(message.contains("container '\(Self.container)'") && message.contains("'devstoreaccount1'"))
            #expect(message.contains("AZURE_STORAGE_SAS_TOKEN"))
            #expect(!message.contains(Self.signature(token)))
        }
        #expect(try reader.read(root + "/run/model.bin") == Array("weights".utf8))
    }

    @Test func aSASForAnotherContainerIsRefused() throws {
        let root = "az://\(Self.container)/\(SharedAzureServer.uniquePrefix("scope"))"
        let store = try Self.store(root: root, sas: Self.containerSAS(container: "another-container"))
        let error = #expect(throws: ArtifactStoreError.self) { _ = try store.listdir(root) }
        #expect(error?.code == .permissionDenied)
        #expect(error?.message.contains("signature does not match") == true)
    }

    @Test func theOfficialClientUsesSASAgainstTheServerAndReadsWhatWeWrote() throws {
        let server = try SharedAzureServer.get()
        let prefix = SharedAzureServer.uniquePrefix("pyclient")
        let root = "az://\(Self.container)/\(prefix)"
        let store = try Self.store(root: root, sas: Self.containerSAS())
        defer { try? store.rmtree(root) }
        try store.write(root + "/ours.bin", contents: Array("from artifactfs".utf8))
        let made = SharedAzureServer.uniquePrefix("sas-made")
        let script = """
            import json, sys
            from datetime import datetime, timedelta, timezone
            from azure.core.exceptions import HttpResponseError
            from azure.storage.blob import BlobServiceClient, ContainerClient, generate_account_sas, generate_container_sas
            account, key, endpoint, name, prefix, made = sys.argv[1:7]
            soon, past = datetime.now(timezone.utc) + timedelta(hours=1), datetime.now(timezone.utc) - timedelta(hours=1)
            full = generate_container_sas(account, name, account_key=key, permission='racwdl', expiry=soon)
            container = ContainerClient(endpoint, name, credential=full, max_single_put_size=1 << 20, max_block_size=1 << 20)
            out = {'ours': container.download_blob(prefix + '/ours.bin').readall().decode()}
            container.upload_blob(prefix + '/theirs.bin', bytes(range(256)) * (12 * 1024))
            out['listed'] = sorted(b.name for b in container.list_blobs(name_starts_with=prefix + '/'))
            service = BlobServiceClient(endpoint, credential=generate_account_sas(account, key, 'co', 'rwdlac', soon))
            service.create_container(made)
            service.get_container_client(made).upload_blob('a.txt', b'account sas')
            out['made'] = service.get_container_client(made).download_blob('a.txt').readall().decode()
            def refusal(token, action):
                try:
                    action(ContainerClient(endpoint, name, credential=token))
                    return 'accepted'
                except HttpResponseError as error:
                    return str(error.error_code).split('.')[-1]
            write = lambda client: client.upload_blob(prefix + '/refused.bin', b'x')
            out['expired'] = refusal(generate_container_sas(account, name, account_key=key, permission='racwdl', start=past - timedelta(hours=1), expiry=past), write)
            out['read-only'] = refusal(generate_container_sas(account, name, account_key=key, permission='rl', expiry=soon), write)
            out['tampered'] = refusal(full.replace('sp=racwdl', 'sp=racwdl&sip=127.0.0.1'), write)
            out['service SAS creating a container'] = refusal(full, lambda client: client.create_container())
            print(json.dumps(out))
            """
        let output = try server.runPython(
            script,
            arguments: [server.account, server.key, server.endpoint, Self.container, prefix, made]
        )
        let result = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] ?? [:]
        #expect(result["ours"] as? String == "from artifactfs")
        #expect(result["listed"] as? [String] == ["\(prefix)/ours.bin", "\(prefix)/theirs.bin"])
        #expect(result["made"] as? String == "account sas")
        #expect(
            result["expired"] as? String == "AUTHENTICATION_FAILED"
                || result["expired"] as? String == "AuthenticationFailed"
        )
        #expect(result["read-only"] as? String == "AuthorizationPermissionMismatch")
        #expect(
            result["tampered"] as? String == "AUTHENTICATION_FAILED"
                || result["tampered"] as? String == "AuthenticationFailed"
        )
        #expect(result["service SAS creating a container"] as? String == "AuthorizationResourceTypeMismatch")
        let theirs = try store.read(root + "/theirs.bin")
        #expect(theirs.count == 12 << 18 && theirs[(1 << 20) + 3] == 3)
        #expect(try !store.exists(root + "/refused.bin"))
    }
}
