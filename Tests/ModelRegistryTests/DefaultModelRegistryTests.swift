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
        base = FileManager.default.temporaryDirectory.appendingPathComponent("artifactfs-models-\(UUID().uuidString)").path
        metadata = try MetadataStore(
            directory: base + "/config", flavors: FlavorRegistry([LocalArtifactStoreFlavor(), DefaultModelRegistryFlavor()]))
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
    @Test func modelsAreRegisteredUpdatedListedAndDeleted() throws {
        let fx = try RegistryFixture()
        defer { fx.remove() }
        try fx.registry.registerModel("resnet", description: "image model", tags: ["team": "vision"])
        try fx.registry.registerModel("bert", description: nil, tags: [:])
        #expect(registryError { try fx.registry.registerModel("resnet", description: nil, tags: [:]) }?.message == "model 'resnet' already exists")
        try fx.registry.updateModel("resnet", description: nil, tags: ["tier": "gold"], removeTags: ["team"])
        #expect(try fx.registry.model("resnet").tags == ["tier": "gold"])
        #expect(try fx.registry.model("resnet").description == "image model")
        #expect(try fx.registry.models(nameContains: nil, tags: [:]).map(\.name) == ["bert", "resnet"])
        #expect(try fx.registry.models(nameContains: "res", tags: ["tier": "gold"]).map(\.name) == ["resnet"])
        try fx.registry.deleteModel("bert")
        #expect(registryError { _ = try fx.registry.model("bert") }?.code == .notFound)
        #expect(registryError { try fx.registry.registerModel("../escape", description: nil, tags: [:]) }?.code == .invalidValue)
    }

    @Test func versionsFromOutsideTheStoreAreCopiedAndOnlyCopiesAreDeleted() throws {
        let fx = try RegistryFixture()
        defer { fx.remove() }
        try fx.registry.registerModel("resnet", description: nil, tags: [:])
        let copied = try fx.registry.registerModelVersion(ModelVersionRequest(model: "resnet", sourceURI: fx.base + "/resnet"))
        #expect(copied.version == "1")
        #expect(copied.storedURI == fx.store + "/models/resnet/1")
        #expect(try String(contentsOfFile: fx.store + "/models/resnet/1/model.bin", encoding: .utf8) == "weights")

        try fileio.copyTree(fx.base + "/resnet", fx.store + "/trained/run-7")
        let inStore = try fx.registry.registerModelVersion(ModelVersionRequest(model: "resnet", version: "v2", sourceURI: fx.store + "/trained/run-7"))
        #expect(inStore.storedURI == fx.store + "/trained/run-7")

        let single = try fx.registry.registerModelVersion(ModelVersionRequest(model: "resnet", sourceURI: fx.base + "/resnet/model.bin"))
        #expect(single.version == "3")
        #expect(single.storedURI == fx.store + "/models/resnet/3/model.bin")

        try fx.registry.deleteModelVersion("resnet", version: "1")
        #expect(!FileManager.default.fileExists(atPath: fx.store + "/models/resnet/1"))
        try fx.registry.deleteModelVersion("resnet", version: "v2")
        #expect(FileManager.default.fileExists(atPath: fx.store + "/trained/run-7/model.bin"), "files it did not copy stay")
        try fx.registry.deleteModel("resnet")
        #expect(!FileManager.default.fileExists(atPath: fx.store + "/models/resnet/3"))
        #expect(FileManager.default.fileExists(atPath: fx.base + "/resnet/model.bin"), "the source stays")
    }

    @Test func badVersionRequestsAreRefusedAndWriteNothing() throws {
        let fx = try RegistryFixture()
        defer { fx.remove() }
        #expect(registryError { try fx.registry.registerModelVersion(ModelVersionRequest(model: "ghost", sourceURI: fx.base + "/resnet")) }?.message
            == "model 'ghost' does not exist")
        try fx.registry.registerModel("resnet", description: nil, tags: [:])
        #expect(registryError { try fx.registry.registerModelVersion(ModelVersionRequest(model: "resnet", sourceURI: fx.base + "/nothing")) }?.code == .invalidValue)
        try fx.registry.registerModelVersion(ModelVersionRequest(model: "resnet", version: "1", sourceURI: fx.base + "/resnet"))
        #expect(registryError { try fx.registry.registerModelVersion(ModelVersionRequest(model: "resnet", version: "1", sourceURI: fx.base + "/resnet")) }?.message
            == "version 1 of model 'resnet' already exists")
        #expect(registryError { _ = try fx.registry.modelVersion("resnet", version: "9") }?.message == "version 9 of model 'resnet' does not exist")
        #expect(registryError { _ = try ModelVersionStage(parsing: "prod") }?.message == "unknown stage 'prod' (stages: None, Staging, Production, Archived)")
        #expect(try fx.registry.modelVersions(ModelVersionFilter(model: "resnet")).count == 1)
    }

    @Test func atMostOneVersionIsInProductionUnlessTheOldOneIsArchived() throws {
        let fx = try RegistryFixture()
        defer { fx.remove() }
        try fx.registry.registerModel("resnet", description: nil, tags: [:])
        for _ in 0..<2 { try fx.registry.registerModelVersion(ModelVersionRequest(model: "resnet", sourceURI: fx.base + "/resnet")) }
        try fx.registry.updateModelVersion("resnet", version: "1", description: nil, metadata: [:], removeMetadata: [], stage: .production, archiveExisting: false)
        let refused = registryError {
            try fx.registry.updateModelVersion("resnet", version: "2", description: "new", metadata: [:], removeMetadata: [], stage: .production, archiveExisting: false)
        }
        #expect(refused?.code == .invalidValue)
        #expect(try fx.registry.modelVersion("resnet", version: "2").description == nil, "a refused update changes nothing")
        try fx.registry.updateModelVersion("resnet", version: "2", description: nil, metadata: [:], removeMetadata: [], stage: .production, archiveExisting: true)
        #expect(try fx.registry.modelVersion("resnet", version: "1").stage == .archived)
        #expect(try fx.registry.latestModelVersion("resnet", stage: .production)?.version == "2")
    }

    @Test func filtersAndPagingPastAThousandVersions() throws {
        let fx = try RegistryFixture()
        defer { fx.remove() }
        try fx.registry.registerModel("big", description: nil, tags: [:])
        try fileio.copyTree(fx.base + "/resnet", fx.store + "/shared")
        let start = Date().addingTimeInterval(-1)  // dates are kept to the millisecond
        for index in 1...1005 {
            try fx.registry.registerModelVersion(
                ModelVersionRequest(
                    model: "big", sourceURI: fx.store + "/shared", metadata: ["parity": index.isMultiple(of: 2) ? "even" : "odd"],
                    tags: index == 1005 ? ["final": "yes"] : [:]))
        }
        let all = try fx.registry.modelVersions(ModelVersionFilter(model: "big"))
        #expect(all.count == 1005)
        #expect(all.map(\.version) == (1...1005).map(String.init), "ordered by version number, not as text")
        #expect(try fx.registry.modelVersions(ModelVersionFilter(model: "big", metadata: ["parity": "even"])).count == 502)
        #expect(try fx.registry.modelVersions(ModelVersionFilter(model: "big", tags: ["final": "yes"])).map(\.version) == ["1005"])
        #expect(try fx.registry.modelVersions(ModelVersionFilter(model: "big", count: 3, orderByDate: .descending)).map(\.version) == ["1005", "1004", "1003"])
        #expect(try fx.registry.modelVersions(ModelVersionFilter(model: "big", createdBefore: start)).isEmpty)
        #expect(try fx.registry.modelVersions(ModelVersionFilter(model: "big", createdAfter: start, count: 1)).map(\.version) == ["1"])
        #expect(try fx.registry.modelVersions(ModelVersionFilter(sourceURI: fx.store + "/shared", count: 2)).count == 2)
        #expect(try fx.registry.modelVersions(ModelVersionFilter(model: "big", stage: .production)).isEmpty)
        #expect(registryError { _ = try fx.registry.modelVersions(ModelVersionFilter(model: "nobody")) }?.code == .notFound)
    }

    @Test func modelPathsReadVersionsByNumberStageAndAlias() throws {
        let fx = try RegistryFixture()
        defer { fx.remove() }
        let files = FilesystemRegistry.withDefaults()
        files.register(ModelsArtifactStore { fx.registry })
        let models = try files.store(for: "models://")
        try fx.registry.registerModel("resnet", description: nil, tags: [:])
        try fx.registry.registerModelVersion(ModelVersionRequest(model: "resnet", sourceURI: fx.base + "/resnet"))
        try Data("weights v2".utf8).write(to: URL(fileURLWithPath: fx.base + "/resnet/model.bin"))
        try fx.registry.registerModelVersion(ModelVersionRequest(model: "resnet", sourceURI: fx.base + "/resnet/model.bin"))
        try fx.registry.updateModelVersion("resnet", version: "1", description: nil, metadata: [:], removeMetadata: [], stage: .production, archiveExisting: false)

        #expect(String(decoding: try models.read("models://resnet/production/model.bin"), as: UTF8.self) == "weights")
        #expect(try models.listdir("models://") == ["resnet"])
        #expect(try models.listdir("models://resnet") == ["1", "2", "none", "production"])
        #expect(try models.listdir("models://resnet/2") == ["model.bin"])
        #expect(String(decoding: try models.read("models://resnet/2/model.bin"), as: UTF8.self) == "weights v2")

        try fx.registry.updateModelVersion("resnet", version: "2", description: nil, metadata: [:], removeMetadata: [], stage: .production, archiveExisting: true)
        #expect(String(decoding: try models.read("models://resnet/production/model.bin"), as: UTF8.self) == "weights v2", "a stage move shows at once")
        try fx.registry.setAlias("resnet", alias: "champion", version: "1")
        #expect(String(decoding: try models.read("models://resnet@champion/config.json"), as: UTF8.self) == "{\"layers\": 50}")

        #expect(throws: ArtifactStoreError.self) { try models.write("models://resnet/1/new", contents: [1]) }
        #expect(throws: ArtifactStoreError.self) { _ = try models.stat("models://resnet/staging/model.bin") }
        #expect(throws: ArtifactStoreError.self) { _ = try models.stat("models://nobody/1") }

        let loaded = try fx.registry.loadModelVersion("resnet", version: "1", into: fx.base + "/loaded")
        #expect(try String(contentsOfFile: loaded + "/config.json", encoding: .utf8) == "{\"layers\": 50}")
    }
}
