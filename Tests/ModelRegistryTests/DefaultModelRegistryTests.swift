import FileIO
import Foundation
import ModelRegistry
import Stacks
import Testing

/// A metadata store and a `default` registry in a fresh folder, with a model folder to register.
struct RegistryFixture {
    let base: String
    let metadata: MetadataStore
    let registry: any ModelRegistry
    var store: String { base + "/store" }

    init() throws {
        base =
            FileManager.default.temporaryDirectory.appendingPathComponent("artifactfs-models-\(UUID().uuidString)").path
        metadata = try MetadataStore(
            directory: base + "/config",
            flavors: FlavorRegistry([LocalArtifactStoreFlavor(), DefaultModelRegistryFlavor()])
        )
        registry = try DefaultModelRegistryFlavor().makeRegistry(["path": .string(base + "/store")], metadata: metadata)
        try FileManager.default.createDirectory(atPath: base + "/resnet", withIntermediateDirectories: true)
        try Data("{\"layers\": 50}".utf8).write(to: URL(fileURLWithPath: base + "/resnet/config.json"))
        try Data("weights".utf8).write(to: URL(fileURLWithPath: base + "/resnet/model.bin"))
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: base)
    }
}

func registryError(_ body: () throws -> Void) -> ModelRegistryError? {
    do {
        try body()
        return nil
    } catch let error as ModelRegistryError {
        return error
    } catch {
        return ModelRegistryError(.backend, "unexpected \(error)")
    }
}

@Suite("default model registry")
struct DefaultModelRegistryTests {
    @Test func versionsFromOutsideTheStoreAreCopiedAndOnlyCopiesAreDeleted() throws {
        let fx = try RegistryFixture()
        defer { fx.remove() }
        try fx.registry.registerModel("resnet", description: nil, tags: [:])
        let copied = try fx.registry.registerModelVersion(
            ModelVersionRequest(model: "resnet", sourceURI: fx.base + "/resnet")
        )
        #expect(copied.version == "1")
        #expect(copied.storedURI == fx.store + "/models/resnet/1")
        #expect(try String(contentsOfFile: fx.store + "/models/resnet/1/model.bin", encoding: .utf8) == "weights")

        try fileio.copyTree(fx.base + "/resnet", fx.store + "/trained/run-7")
        let inStore = try fx.registry.registerModelVersion(
            ModelVersionRequest(model: "resnet", version: "v2", sourceURI: fx.store + "/trained/run-7")
        )
        #expect(inStore.storedURI == fx.store + "/trained/run-7")

        let single = try fx.registry.registerModelVersion(
            ModelVersionRequest(model: "resnet", sourceURI: fx.base + "/resnet/model.bin")
        )
        #expect(single.version == "3")
        #expect(single.storedURI == fx.store + "/models/resnet/3/model.bin")

        try fx.registry.deleteModelVersion("resnet", version: "1")
        #expect(!FileManager.default.fileExists(atPath: fx.store + "/models/resnet/1"))
        try fx.registry.deleteModelVersion("resnet", version: "v2")
        #expect(
            FileManager.default.fileExists(atPath: fx.store + "/trained/run-7/model.bin"),
            "files it did not copy stay"
        )
        try fx.registry.deleteModel("resnet")
        #expect(!FileManager.default.fileExists(atPath: fx.store + "/models/resnet/3"))
        #expect(FileManager.default.fileExists(atPath: fx.base + "/resnet/model.bin"), "the source stays")
    }
}
