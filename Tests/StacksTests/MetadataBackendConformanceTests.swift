import Foundation
import Stacks
import Synchronization
import Testing

/// What every metadata backend must do alike: the same rows, orders, refusals and transactions,
/// run against the embedded SQLite file and a real PostgreSQL server.
@Suite("metadata backend conformance")
struct MetadataBackendConformanceTests {
    private let key = ["ARTIFACTFS_SECRETS_KEY": "team key"]

    @Test(arguments: MetadataBackendKind.allCases)
    func aNewStoreHoldsTheDefaultStackOnceHoweverOftenItIsOpened(_ kind: MetadataBackendKind) throws {
        let fixture = try BackendFixture(kind)
        defer { fixture.remove() }
        let store = try fixture.open()
        #expect(try store.activeStack().name == "default")
        #expect(try store.activeStack().artifactStore?.flavor == "local")
        _ = try fixture.open()
        _ = try fixture.open()
        #expect(try store.stacks().map(\.name) == ["default"])
        #expect(try store.components().map(\.name) == ["default"])
        #expect(store.server == nil ? kind == .sqlite : kind == .postgres)
    }

    @Test(arguments: MetadataBackendKind.allCases)
    func componentsRoundTripAndSortByteByByte(_ kind: MetadataBackendKind) throws {
        let fixture = try BackendFixture(kind)
        defer { fixture.remove() }
        let store = try fixture.open()
        for name in ["b", "B", "a-1", "_z", "a.0"] {
            try store.registerComponent(
                name: name,
                type: .artifactStore,
                flavor: "memory",
                config: ["path": .string("memory://\(name)")],
                labels: ["team": "ml", "name": name]
            )
        }
        #expect(try store.components(of: .artifactStore).map(\.name) == ["B", "_z", "a-1", "a.0", "b", "default"])
        let stored = try fixture.open().component("a-1", of: .artifactStore)
        #expect(stored.config == ["path": .string("memory://a-1")])
        #expect(stored.labels == ["team": "ml", "name": "a-1"])
        #expect(abs(stored.created.timeIntervalSinceNow) < 60)
        let updated = try store.updateComponent("a-1", of: .artifactStore, config: ["path": .string("memory://moved")])
        let reread = try fixture.open().component("a-1", of: .artifactStore)
        #expect(reread.id == updated.id && reread.config == updated.config && reread.labels == stored.labels)
        #expect(reread.updated >= stored.updated)
        try store.renameComponent("a-1", of: .artifactStore, to: "renamed")
        #expect(try store.component("renamed", of: .artifactStore).config["path"] == .string("memory://moved"))
        try store.deleteComponent("renamed", of: .artifactStore)
        #expect(stackError { _ = try store.component("renamed", of: .artifactStore) }?.code == .notFound)
    }

    @Test(arguments: MetadataBackendKind.allCases)
    func refusalsAreTheSameAndWriteNothing(_ kind: MetadataBackendKind) throws {
        let fixture = try BackendFixture(kind)
        defer { fixture.remove() }
        let store = try fixture.open()
        try store.registerComponent(
            name: "data",
            type: .artifactStore,
            flavor: "local",
            config: ["path": .string("/tmp/d")]
        )
        #expect(
            stackError {
                try store.registerComponent(name: "data", type: .artifactStore, flavor: "memory", config: [:])
            }?.message == "an artifact store named 'data' already exists"
        )
        #expect(
            stackError {
                try store.registerComponent(
                    name: "twin",
                    type: .artifactStore,
                    flavor: "local",
                    config: ["path": .string("/tmp/d")]
                )
            }?.code == .alreadyExists
        )
        #expect(
            stackError {
                try store.registerComponent(name: "bad", type: .artifactStore, flavor: "nope", config: [:])
            } != nil
        )
        try store.registerStack("prod", components: [.artifactStore: "data"])
        #expect(
            stackError { try store.deleteComponent("data", of: .artifactStore) }?.message
                == "artifact store 'data' is used by stack 'prod'; remove it from the stack first"
        )
        #expect(stackError { try store.deleteStack("default") }?.code == .inUse)
        #expect(stackError { try store.registerStack("x", components: [.artifactStore: "missing"]) }?.code == .notFound)
        // A stack update that fails half-way (its second change) leaves the first undone.
        try store.registerComponent(
            name: "other",
            type: .artifactStore,
            flavor: "memory",
            config: ["path": .string("memory://o")]
        )
        let changes: [StackComponentType: String?] = [.artifactStore: "other", .orchestrator: "missing"]
        #expect(stackError { try store.updateStack("prod", components: changes) }?.code == .notFound)
        #expect(try store.stack("prod").artifactStore?.name == "data")
        try store.updateStack("prod", components: [.artifactStore: "other"])
        #expect(try store.stack("prod").artifactStore?.name == "other")
        try store.deleteComponent("data", of: .artifactStore)
        #expect(try store.components(of: .artifactStore).map(\.name) == ["default", "other"])
        #expect(try store.stacks().map(\.name) == ["default", "prod"])
    }

    @Test(arguments: MetadataBackendKind.allCases)
    func pluginFlavorsAreRecordedAllOrNone(_ kind: MetadataBackendKind) throws {
        let fixture = try BackendFixture(kind)
        defer { fixture.remove() }
        let store = try fixture.open()
        let now = Date()
        let pinned = "sha256:" + String(repeating: "0", count: 64)
        func registration(_ name: String, from source: String) -> PluginFlavorRegistration {
            PluginFlavorRegistration(
                type: .artifactStore,
                name: name,
                source: source,
                library: source + "/lib.so",
                sdkVersion: "1",
                contentHash: pinned,
                declaration: #"{"name":"\#(name)"}"#,
                registered: now
            )
        }
        try store.insertPluginFlavors([registration("blob", from: "/plugins/blob")])
        let error = stackError {
            try store.insertPluginFlavors([
                registration("fresh", from: "/plugins/fresh"), registration("blob", from: "/x"),
            ])
        }
        #expect(error?.code == .alreadyExists)
        #expect(error?.message.contains("'/plugins/blob'") == true)
        let stored = try fixture.open().pluginFlavorRegistrations(of: .artifactStore)
        #expect(stored.map(\.name) == ["blob"])
        #expect(stored.first?.library == "/plugins/blob/lib.so")
        #expect(stored.first?.declaration == #"{"name":"blob"}"#)
        #expect(stored.first?.contentHash == pinned)
        let repinned = "sha256:" + String(repeating: "1", count: 64)
        try store.repinPluginFlavor("blob", of: .artifactStore, contentHash: repinned)
        #expect(try fixture.open().pluginFlavorRegistrations().first?.contentHash == repinned)
        #expect(
            stackError { try store.repinPluginFlavor("ghost", of: .artifactStore, contentHash: repinned) }?.code
                == .notFound
        )
        try store.deletePluginFlavor("blob", of: .artifactStore)
        #expect(try store.pluginFlavorRegistrations().isEmpty)
    }

    @Test(arguments: MetadataBackendKind.allCases)
    func secretsRoundTripEncryptedAndResolveIntoConfigs(_ kind: MetadataBackendKind) throws {
        let fixture = try BackendFixture(kind)
        defer { fixture.remove() }
        let store = try fixture.open(key)
        try store.createSecret("vault", values: ["token": "open-sesame", "user": "ml"])
        try store.updateSecret("vault", values: ["user": nil])
        #expect(try fixture.open(key).secret("vault") == ["token": "open-sesame"])
        #expect(try store.secretKeys().map(\.name) == ["vault"])
        let component = try store.registerComponent(
            name: "locked",
            type: .artifactStore,
            flavor: "vault",
            config: ["path": .string("memory://locked"), "token": .string("{{vault.token}}")]
        )
        #expect(try store.resolvedConfig(of: component)["token"] == .string("open-sesame"))
        #expect(stackError { _ = try fixture.open().secret("vault") }?.code == .secret)
        #expect(stackError { try store.createSecret("vault", values: ["k": "v"]) }?.code == .alreadyExists)
        try store.deleteSecret("vault")
        #expect(try store.secretKeys().isEmpty)
    }

    @Test(arguments: MetadataBackendKind.allCases)
    func concurrentRegistrationsLoseNothingAndNeverDuplicateAName(_ kind: MetadataBackendKind) throws {
        var fixture = try BackendFixture(kind)
        defer { fixture.remove() }
        // Two stores (two processes; on PostgreSQL two machines), four threads each.
        let stores = [try fixture.open(), kind == .postgres ? try fixture.openMachine() : try fixture.open()]
        let contested = Mutex<[Bool]>([])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            let store = stores[worker % 2]
            for index in 0..<5 {
                do {
                    try store.registerComponent(
                        name: "w\(worker)-\(index)",
                        type: .artifactStore,
                        flavor: "memory",
                        config: ["path": .string("memory://w\(worker)-\(index)")]
                    )
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
                let won =
                    (try? store.registerComponent(
                        name: "contested-\(index)",
                        type: .artifactStore,
                        flavor: "memory",
                        config: ["path": .string("memory://contested-\(index)/\(worker)")]
                    )) != nil
                contested.withLock { $0.append(won) }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let names = try fixture.open().components(of: .artifactStore).map(\.name)
        #expect(names.count == 1 + 8 * 5 + 5)
        #expect(Set(names).count == names.count)
        #expect(contested.withLock { $0.filter { $0 }.count } == 5, "each contested name registered exactly once")
    }
}
