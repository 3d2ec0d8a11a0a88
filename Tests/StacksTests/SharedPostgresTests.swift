import Foundation
import Stacks
import TestServers
import Testing

/// A team on one PostgreSQL server: what one machine registers, another sees at once; the
/// password reaches libpq but never a message; secrets are never stored in clear there.
@Suite("metadata on a shared PostgreSQL server")
struct SharedPostgresTests {
    private let key = ["ARTIFACTFS_SECRETS_KEY": "team key"]

    @Test func twoMachinesSeeEachOthersComponentsStacksAndSecrets() throws {
        var fixture = try BackendFixture(.postgres)
        defer { fixture.remove() }
        let laptop = try fixture.open(key)
        let cluster = try fixture.openMachine(key)
        try laptop.registerComponent(
            name: "warehouse",
            type: .artifactStore,
            flavor: "memory",
            config: ["path": .string("memory://warehouse")]
        )
        #expect(try cluster.component("warehouse", of: .artifactStore).config["path"] == .string("memory://warehouse"))
        try cluster.registerStack("training", components: [.artifactStore: "warehouse"])
        try cluster.createSecret("s3", values: ["key": "AKIA-TEAM"])
        #expect(try laptop.stack("training").artifactStore?.name == "warehouse")
        #expect(try laptop.secret("s3") == ["key": "AKIA-TEAM"])
        // The active stack is the project's: one machine sets it for the team.
        try laptop.setActiveStack("training")
        #expect(try cluster.activeStack().name == "training")
        // Refusals see the other machine's rows: the laptop cannot delete what the cluster's stack uses.
        #expect(stackError { try laptop.deleteComponent("warehouse", of: .artifactStore) }?.code == .inUse)
        #expect(laptop.location == cluster.location)
        #expect(!laptop.location.contains("artifactfs-test-password"))
    }

    @Test func aServerRefusesToStoreASecretInClear() throws {
        let fixture = try BackendFixture(.postgres)
        defer { fixture.remove() }
        let store = try fixture.open()
        let error = stackError { try store.createSecret("aws", values: ["secret": "PLANTED"]) }
        #expect(error?.code == .secret)
        #expect(error?.message.contains("ARTIFACTFS_SECRETS_KEY") == true)
        #expect(error?.message.contains("PLANTED") == false)
        #expect(try fixture.open(key).secretKeys().isEmpty)
    }

    @Test func aWrongPasswordIsReportedNamingTheServerButNeverThePassword() throws {
        let url = try PostgresTestServer.shared().createDatabase()
        let server = try PostgresTestServer.shared()
        let wrong = url.replacingOccurrences(of: server.password, with: "PLANTED-WRONG-PASSWORD")
        let folder = MetadataFolder()
        defer { folder.remove() }
        let error = stackError { _ = try folder.open(environment: [MetadataServerURL.environmentKey: wrong]) }
        #expect(error?.code == .storage)
        #expect(error?.message.contains("127.0.0.1:\(server.port)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("PLANTED-WRONG-PASSWORD") == false, "\(error?.message ?? "")")
        #expect(error.map { "\($0)" }?.contains("PLANTED-WRONG-PASSWORD") == false)
    }

    @Test func aRecordedURLTakesThePasswordFromAPassfileAndMayNotCarryOne() throws {
        let url = try PostgresTestServer.shared().createDatabase()
        let server = try PostgresTestServer.shared()
        let folder = MetadataFolder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        #expect(stackError { try MetadataServerURL(url).record(in: folder.path) }?.code == .invalidArgument)
        let passfile = folder.path + "/pgpass"
        try Data("127.0.0.1:\(server.port):*:\(server.user):\(server.password)\n".utf8).write(
            to: URL(fileURLWithPath: passfile)
        )
        chmod(passfile, 0o600)
        let database = String(url.split(separator: "/").last!)
        let recorded = server.url(database: database, includingPassword: false) + "?passfile=" + passfile
        try MetadataServerURL(recorded).record(in: folder.path)
        // No environment: the folder's record names the server.
        let store = try folder.open()
        #expect(store.server?.description == recorded)
        try store.registerComponent(
            name: "shared",
            type: .artifactStore,
            flavor: "memory",
            config: ["path": .string("memory://shared")]
        )
        let direct = MetadataFolder()
        defer { direct.remove() }
        #expect(
            try direct.open(environment: [MetadataServerURL.environmentKey: url]).components(of: .artifactStore).map(
                \.name
            ).contains("shared")
        )
    }

    @Test func aMalformedURLIsRefusedBeforeAnythingConnects() {
        let folder = MetadataFolder()
        defer { folder.remove() }
        let error = stackError {
            _ = try folder.open(environment: [MetadataServerURL.environmentKey: "mysql://root:hunter2@db/x"])
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("hunter2") == false)
    }
}
