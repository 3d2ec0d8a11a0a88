import FileIO
import Foundation
import Stacks
import Testing

@Suite("routing through components")
struct RoutingTests {
    @Test func pathsGoToTheComponentWithTheLongestRootAndSecretsResolveOnlyWhenUsed() throws {
        let folder = MetadataFolder()
        defer { folder.remove() }
        let store = try folder.open()
        try store.registerComponent(
            name: "v",
            type: .artifactStore,
            flavor: "vault",
            config: ["path": .string("memory://team/vault"), "token": .string("{{vault.token}}")]
        )
        try store.registerComponent(
            name: "scratch",
            type: .artifactStore,
            flavor: "memory",
            config: ["path": .string("memory://team")]
        )
        let registry = FilesystemRegistry.withDefaults()
        try store.configure(registry)

        #expect(try registry.store(for: "memory://team/a").root.description == "memory://team")
        #expect(try registry.store(for: "memory://elsewhere").root.description == "memory://")
        #expect(throws: StackError.self) { try registry.store(for: "memory://team/vault/model.bin") }
        try store.createSecret("vault", values: ["token": "open-sesame"])
        #expect(try registry.store(for: "memory://team/vault/model.bin").root.description == "memory://team/vault")
    }

    @Test func aSchemeNoComponentCoversUsesTheActiveStacksStoreConfig() throws {
        let folder = MetadataFolder()
        defer { folder.remove() }
        let store = try folder.open()
        try store.createSecret("vault", values: ["token": "open-sesame"])
        try store.registerComponent(
            name: "v",
            type: .artifactStore,
            flavor: "vault",
            config: ["path": .string("memory://team/vault"), "token": .string("{{vault.token}}")]
        )
        try store.registerStack("vaulted", components: [.artifactStore: "v"])
        try store.setActiveStack("vaulted")
        let registry = FilesystemRegistry()
        try store.configure(registry)
        // Outside the component's root, the vault flavor's store is made from the active component's
        // config (so its token) at the flavor's default root.
        #expect(try registry.store(for: "memory://other/x").root.description == "memory://")
    }
}

@Suite("config location")
struct ConfigLocationTests {
    @Test func theEnvironmentWinsThenTheNearestProjectThenTheUserFolder() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("artifactfs-loc-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/project/src/deep", withIntermediateDirectories: true)
        #expect(try ConfigLocation.initialise(in: base + "/project"))
        #expect(try !ConfigLocation.initialise(in: base + "/project"))

        let found = ConfigLocation.find(from: base + "/project/src/deep", environment: [:])
        #expect(found == ConfigLocation.find(from: base + "/project", environment: [:]))
        #expect(found.source == .project)
        #expect(found.directory == base + "/project/.artifactfs")
        #expect(found.projectRoot == base + "/project")

        let explicit = ConfigLocation.find(
            from: base + "/project",
            environment: ["ARTIFACTFS_CONFIG_DIR": base + "/elsewhere"]
        )
        #expect(explicit.source == .environment)
        #expect(explicit.directory == base + "/elsewhere")

        let user = ConfigLocation.find(
            from: base,
            environment: ["XDG_CONFIG_HOME": base + "/xdg", "HOME": base + "/home"]
        )
        #expect(user.directory == base + "/xdg/artifactfs")
        #expect(
            ConfigLocation.find(from: base, environment: ["HOME": base + "/home"]).directory == base
                + "/home/.config/artifactfs"
        )
    }
}
