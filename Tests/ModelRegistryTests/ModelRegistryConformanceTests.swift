import FileIO
import Foundation
import ModelRegistry
import Stacks
import TestServers
import Testing

/// The model-registry flavors every protocol check runs against; `default` twice, on each
/// metadata backend (the embedded SQLite file and a PostgreSQL server).
enum RegistryFlavor: String, CaseIterable, CustomStringConvertible {
    case `default`, defaultOnPostgres, mlflow
    var description: String { rawValue }
}

/// A registry of one flavor with a model folder to register, and names unique to this test so
/// tests share one MLflow server without seeing each other's models.
struct ConformanceFixture {
    let base: String
    let registry: any ModelRegistry
    let suffix = String(UUID().uuidString.prefix(8)).lowercased()

    init(_ flavor: RegistryFlavor) throws {
        base =
            FileManager.default.temporaryDirectory.appendingPathComponent("artifactfs-registry-\(UUID().uuidString)")
            .path
        var environment = ProcessInfo.processInfo.environment
        if flavor == .defaultOnPostgres {
            environment[MetadataServerURL.environmentKey] = try PostgresTestServer.shared().createDatabase()
        }
        let metadata = try MetadataStore(
            directory: base + "/config",
            flavors: FlavorRegistry([
                LocalArtifactStoreFlavor(), DefaultModelRegistryFlavor(), MLflowModelRegistryFlavor(),
            ]),
            environment: environment
        )
        switch flavor {
        case .default, .defaultOnPostgres:
            registry = try DefaultModelRegistryFlavor().makeRegistry(
                ["path": .string(base + "/store")],
                metadata: metadata
            )
        case .mlflow:
            let server = try MLflowTestServer.shared()
            registry = try MLflowModelRegistryFlavor().makeRegistry(
                ["tracking_uri": .string(server.trackingURI), "artifact_path": .string(base + "/store/mlflow")],
                metadata: metadata
            )
        }
        try FileManager.default.createDirectory(atPath: base + "/resnet", withIntermediateDirectories: true)
        try Data("{\"layers\": 50}".utf8).write(to: URL(fileURLWithPath: base + "/resnet/config.json"))
        try Data("weights".utf8).write(to: URL(fileURLWithPath: base + "/resnet/model.bin"))
    }

    /// A model name of this test's own.
    func name(_ stem: String) -> String { "\(stem)-\(suffix)" }

    func remove() {
        try? FileManager.default.removeItem(atPath: base)
    }
}

/// The whole content of a small file, wherever `fileio` finds it.
func readFile(_ uri: String) throws -> [UInt8] {
    try fileio.registry.store(for: uri).read(uri)
}

@Suite("model registry conformance")
struct ModelRegistryConformanceTests {
    @Test(arguments: RegistryFlavor.allCases)
    func modelsAreRegisteredUpdatedListedAndDeleted(_ flavor: RegistryFlavor) throws {
        let fx = try ConformanceFixture(flavor)
        defer { fx.remove() }
        let resnet = fx.name("resnet")
        let bert = fx.name("bert")
        try fx.registry.registerModel(resnet, description: "image model", tags: ["team": "vision"])
        try fx.registry.registerModel(bert, description: nil, tags: [:])
        #expect(
            registryError { try fx.registry.registerModel(resnet, description: nil, tags: [:]) }?.message
                == "model '\(resnet)' already exists"
        )
        try fx.registry.updateModel(resnet, description: nil, tags: ["tier": "gold"], removeTags: ["team"])
        #expect(try fx.registry.model(resnet).tags == ["tier": "gold"])
        #expect(try fx.registry.model(resnet).description == "image model")
        #expect(try fx.registry.models(nameContains: fx.suffix, tags: [:]).map(\.name) == [bert, resnet])
        #expect(
            try fx.registry.models(nameContains: "resnet-\(fx.suffix)", tags: ["tier": "gold"]).map(\.name) == [resnet]
        )
        try fx.registry.deleteModel(bert)
        #expect(registryError { _ = try fx.registry.model(bert) }?.message == "model '\(bert)' does not exist")
        #expect(
            registryError { try fx.registry.registerModel("../escape", description: nil, tags: [:]) }?.code
                == .invalidValue
        )
        #expect(registryError { try fx.registry.deleteModel(bert) }?.code == .notFound)
    }

    @Test(arguments: RegistryFlavor.allCases)
    func versionsKeepTheirFilesMetadataAndTags(_ flavor: RegistryFlavor) throws {
        let fx = try ConformanceFixture(flavor)
        defer { fx.remove() }
        let resnet = fx.name("resnet")
        try fx.registry.registerModel(resnet, description: nil, tags: [:])
        let first = try fx.registry.registerModelVersion(
            ModelVersionRequest(
                model: resnet,
                sourceURI: fx.base + "/resnet",
                description: "first",
                format: "onnx",
                library: "torch",
                metadata: [ModelVersionMetadata.pipelineName: "train", "accuracy": "0.93"],
                tags: ["owner": "ml"]
            )
        )
        #expect(first.version == "1")
        #expect(first.sourceURI == fx.base + "/resnet")
        #expect(
            try readFile(first.storedURI + "/model.bin") == Array("weights".utf8),
            "the version's files are readable where the registry keeps them"
        )
        let got = try fx.registry.modelVersion(resnet, version: "1")
        #expect(got.description == "first")
        #expect(got.format == "onnx" && got.library == "torch")
        #expect(got.metadata == [ModelVersionMetadata.pipelineName: "train", "accuracy": "0.93"])
        #expect(got.tags == ["owner": "ml"])
        #expect(got.stage == ModelVersionStage.none)

        let second = try fx.registry.registerModelVersion(
            ModelVersionRequest(model: resnet, sourceURI: fx.base + "/resnet/model.bin")
        )
        #expect(second.version == "2")
        #expect(try readFile(second.storedURI) == Array("weights".utf8))
        try fx.registry.updateModelVersion(
            resnet,
            version: "2",
            description: "second",
            metadata: ["accuracy": "0.95"],
            removeMetadata: [],
            stage: .staging,
            archiveExisting: false
        )
        let updated = try fx.registry.modelVersion(resnet, version: "2")
        #expect(
            updated.description == "second" && updated.metadata == ["accuracy": "0.95"] && updated.stage == .staging
        )
        try fx.registry.updateModelVersion(
            resnet,
            version: "1",
            description: nil,
            metadata: [:],
            removeMetadata: ["accuracy"],
            stage: nil,
            archiveExisting: false
        )
        #expect(
            try fx.registry.modelVersion(resnet, version: "1").metadata == [ModelVersionMetadata.pipelineName: "train"]
        )

        let loaded = try fx.registry.loadModelVersion(resnet, version: "1", into: fx.base + "/loaded")
        #expect(try String(contentsOfFile: loaded + "/config.json", encoding: .utf8) == "{\"layers\": 50}")

        try fx.registry.deleteModelVersion(resnet, version: "1")
        #expect(!(try fileio.exists(first.storedURI)), "a copy the registry made goes with its version")
        #expect(FileManager.default.fileExists(atPath: fx.base + "/resnet/model.bin"), "the source stays")
        #expect(
            registryError { _ = try fx.registry.modelVersion(resnet, version: "1") }?.message
                == "version 1 of model '\(resnet)' does not exist"
        )
        try fx.registry.deleteModel(resnet)
        #expect(!(try fileio.exists(second.storedURI)), "deleting a model removes its versions' copies")
    }

    @Test(arguments: RegistryFlavor.allCases)
    func badVersionRequestsAreRefusedAndWriteNothing(_ flavor: RegistryFlavor) throws {
        let fx = try ConformanceFixture(flavor)
        defer { fx.remove() }
        let ghost = fx.name("ghost")
        let resnet = fx.name("resnet")
        #expect(
            registryError {
                try fx.registry.registerModelVersion(ModelVersionRequest(model: ghost, sourceURI: fx.base + "/resnet"))
            }?.message
                == "model '\(ghost)' does not exist"
        )
        try fx.registry.registerModel(resnet, description: nil, tags: [:])
        #expect(
            registryError {
                try fx.registry.registerModelVersion(
                    ModelVersionRequest(model: resnet, sourceURI: fx.base + "/nothing")
                )
            }?.code == .invalidValue
        )
        try fx.registry.registerModelVersion(
            ModelVersionRequest(model: resnet, version: "1", sourceURI: fx.base + "/resnet")
        )
        #expect(
            registryError {
                try fx.registry.registerModelVersion(
                    ModelVersionRequest(model: resnet, version: "1", sourceURI: fx.base + "/resnet")
                )
            }?.message
                == "version 1 of model '\(resnet)' already exists"
        )
        #expect(
            registryError { _ = try fx.registry.modelVersion(resnet, version: "9") }?.message
                == "version 9 of model '\(resnet)' does not exist"
        )
        #expect(
            registryError {
                try fx.registry.updateModelVersion(
                    resnet,
                    version: "9",
                    description: nil,
                    metadata: [:],
                    removeMetadata: [],
                    stage: .staging,
                    archiveExisting: false
                )
            }?.code == .notFound
        )
        #expect(
            registryError { _ = try fx.registry.modelVersions(ModelVersionFilter(model: resnet, count: -1)) }?.code
                == .invalidValue
        )
        #expect(try fx.registry.modelVersions(ModelVersionFilter(model: resnet)).count == 1, "nothing half-written")
    }

    @Test(arguments: RegistryFlavor.allCases)
    func atMostOneVersionIsInProductionUnlessTheOldOneIsArchived(_ flavor: RegistryFlavor) throws {
        let fx = try ConformanceFixture(flavor)
        defer { fx.remove() }
        let resnet = fx.name("resnet")
        try fx.registry.registerModel(resnet, description: nil, tags: [:])
        for _ in 0..<2 {
            try fx.registry.registerModelVersion(ModelVersionRequest(model: resnet, sourceURI: fx.base + "/resnet"))
        }
        try fx.registry.updateModelVersion(
            resnet,
            version: "1",
            description: nil,
            metadata: [:],
            removeMetadata: [],
            stage: .production,
            archiveExisting: false
        )
        let refused = registryError {
            try fx.registry.updateModelVersion(
                resnet,
                version: "2",
                description: "new",
                metadata: [:],
                removeMetadata: [],
                stage: .production,
                archiveExisting: false
            )
        }
        #expect(
            refused?.message
                == "version 1 of model '\(resnet)' is in Production: archive it explicitly (archive existing versions) to promote version 2"
        )
        #expect(
            try fx.registry.modelVersion(resnet, version: "2").description == nil,
            "a refused update changes nothing"
        )
        try fx.registry.updateModelVersion(
            resnet,
            version: "2",
            description: nil,
            metadata: [:],
            removeMetadata: [],
            stage: .production,
            archiveExisting: true
        )
        #expect(try fx.registry.modelVersion(resnet, version: "1").stage == .archived)
        #expect(try fx.registry.latestModelVersion(resnet, stage: .production)?.version == "2")
        #expect(try fx.registry.latestModelVersion(resnet, stage: nil)?.version == "2")
    }

    @Test(arguments: RegistryFlavor.allCases)
    func aliasesPointAtVersions(_ flavor: RegistryFlavor) throws {
        let fx = try ConformanceFixture(flavor)
        defer { fx.remove() }
        let resnet = fx.name("resnet")
        try fx.registry.registerModel(resnet, description: nil, tags: [:])
        try fx.registry.registerModelVersion(ModelVersionRequest(model: resnet, sourceURI: fx.base + "/resnet"))
        try fx.registry.setAlias(resnet, alias: "champion", version: "1")
        #expect(try fx.registry.modelVersion(resnet, alias: "champion").version == "1")
        #expect(registryError { try fx.registry.setAlias(resnet, alias: "x", version: "7") }?.code == .notFound)
        try fx.registry.deleteAlias(resnet, alias: "champion")
        #expect(
            registryError { _ = try fx.registry.modelVersion(resnet, alias: "champion") }?.message
                == "model '\(resnet)' has no alias 'champion'"
        )
    }

    @Test(arguments: RegistryFlavor.allCases)
    func filtersAndPagingPastAThousandVersions(_ flavor: RegistryFlavor) throws {
        let fx = try ConformanceFixture(flavor)
        defer { fx.remove() }
        let big = fx.name("big")
        try fx.registry.registerModel(big, description: nil, tags: [:])
        // A source the registry references where it is, so 1,005 versions copy nothing.
        let shared = "memory://conformance-\(fx.suffix)/model.bin"
        try fileio.registry.store(for: shared).write(shared, contents: Array("weights".utf8))
        let start = Date().addingTimeInterval(-1)  // dates are kept to the millisecond
        for index in 1...1005 {
            try fx.registry.registerModelVersion(
                ModelVersionRequest(
                    model: big,
                    sourceURI: shared,
                    metadata: ["parity": index.isMultiple(of: 2) ? "even" : "odd"],
                    tags: index == 1005 ? ["final": "yes"] : [:]
                )
            )
        }
        let all = try fx.registry.modelVersions(ModelVersionFilter(model: big))
        #expect(all.count == 1005)
        #expect(all.map(\.version) == (1...1005).map(String.init), "ordered by version number, not as text")
        #expect(
            try fx.registry.modelVersions(ModelVersionFilter(model: big, metadata: ["parity": "even"])).count == 502
        )
        #expect(
            try fx.registry.modelVersions(ModelVersionFilter(model: big, tags: ["final": "yes"])).map(\.version) == [
                "1005"
            ]
        )
        #expect(
            try fx.registry.modelVersions(ModelVersionFilter(model: big, count: 3, orderByDate: .descending)).map(
                \.version
            ) == ["1005", "1004", "1003"]
        )
        #expect(try fx.registry.modelVersions(ModelVersionFilter(model: big, createdBefore: start)).isEmpty)
        #expect(
            try fx.registry.modelVersions(ModelVersionFilter(model: big, createdAfter: start, count: 1)).map(\.version)
                == ["1"]
        )
        #expect(try fx.registry.modelVersions(ModelVersionFilter(sourceURI: shared, count: 2)).count == 2)
        #expect(try fx.registry.modelVersions(ModelVersionFilter(model: big, stage: .production)).isEmpty)
        #expect(
            registryError { _ = try fx.registry.modelVersions(ModelVersionFilter(model: fx.name("nobody"))) }?.code
                == .notFound
        )
        try fx.registry.deleteModel(big)
    }

    @Test(arguments: RegistryFlavor.allCases)
    func modelPathsReadVersionsByNumberStageAndAlias(_ flavor: RegistryFlavor) throws {
        let fx = try ConformanceFixture(flavor)
        defer { fx.remove() }
        let files = FilesystemRegistry.withDefaults()
        files.register(ModelsArtifactStore { fx.registry })
        let models = try files.store(for: "models://")
        let resnet = fx.name("resnet")
        try fx.registry.registerModel(resnet, description: nil, tags: [:])
        try fx.registry.registerModelVersion(ModelVersionRequest(model: resnet, sourceURI: fx.base + "/resnet"))
        try Data("weights v2".utf8).write(to: URL(fileURLWithPath: fx.base + "/resnet/model.bin"))
        try fx.registry.registerModelVersion(
            ModelVersionRequest(model: resnet, sourceURI: fx.base + "/resnet/model.bin")
        )
        try fx.registry.updateModelVersion(
            resnet,
            version: "1",
            description: nil,
            metadata: [:],
            removeMetadata: [],
            stage: .production,
            archiveExisting: false
        )

        #expect(
            String(decoding: try models.read("models://\(resnet)/production/model.bin"), as: UTF8.self) == "weights"
        )
        #expect(try models.listdir("models://").contains(resnet))
        #expect(try models.listdir("models://\(resnet)") == ["1", "2", "none", "production"])
        #expect(try models.listdir("models://\(resnet)/2") == ["model.bin"])
        #expect(String(decoding: try models.read("models://\(resnet)/2/model.bin"), as: UTF8.self) == "weights v2")
        try fx.registry.updateModelVersion(
            resnet,
            version: "2",
            description: nil,
            metadata: [:],
            removeMetadata: [],
            stage: .production,
            archiveExisting: true
        )
        #expect(
            String(decoding: try models.read("models://\(resnet)/production/model.bin"), as: UTF8.self) == "weights v2",
            "a stage move shows at once"
        )
        try fx.registry.setAlias(resnet, alias: "champion", version: "1")
        #expect(
            String(decoding: try models.read("models://\(resnet)@champion/config.json"), as: UTF8.self)
                == "{\"layers\": 50}"
        )
        #expect(throws: ArtifactStoreError.self) { try models.write("models://\(resnet)/1/new", contents: [1]) }
        #expect(throws: ArtifactStoreError.self) { _ = try models.stat("models://\(resnet)/staging/model.bin") }
        try fx.registry.deleteModel(resnet)
    }
}

@Suite("mlflow flavor and MLflow's own client")
struct MLflowInteropTests {
    @Test func aVersionRegisteredHereIsReadByMLflowsClientAndTheOtherWayRound() throws {
        let fx = try ConformanceFixture(.mlflow)
        defer { fx.remove() }
        let server = try MLflowTestServer.shared()
        let ours = fx.name("ours")
        let theirs = fx.name("theirs")
        let source = "memory://interop-\(fx.suffix)/model"
        try fileio.registry.store(for: source).write(source, contents: Array("weights".utf8))
        try fx.registry.registerModel(ours, description: "from artifactfs", tags: ["team": "vision"])
        let registered = try fx.registry.registerModelVersion(
            ModelVersionRequest(
                model: ours,
                sourceURI: source,
                description: "v1",
                metadata: [ModelVersionMetadata.pipelineName: "train"],
                tags: ["owner": "ml"]
            )
        )
        try fx.registry.updateModelVersion(
            ours,
            version: registered.version,
            description: nil,
            metadata: [:],
            removeMetadata: [],
            stage: .production,
            archiveExisting: false
        )
        let seen = try server.runPython(
            """
            import json, mlflow
            c = mlflow.MlflowClient()
            v = c.get_model_version('\(ours)', '1')
            m = c.get_registered_model('\(ours)')
            print(json.dumps({"source": v.source, "stage": v.current_stage, "tags": v.tags, "description": v.description,
                              "model_tags": m.tags, "model_description": m.description}, sort_keys=True))
            """
        )
        let answer = try JSONSerialization.jsonObject(with: Data(seen.utf8)) as? [String: Any]
        #expect(answer?["source"] as? String == source)
        #expect(answer?["stage"] as? String == "Production")
        #expect(answer?["tags"] as? [String: String] == ["owner": "ml", "zenml_pipeline_name": "train"])
        #expect(answer?["description"] as? String == "v1")
        #expect(answer?["model_tags"] as? [String: String] == ["team": "vision"])

        try server.runPython(
            """
            import mlflow
            c = mlflow.MlflowClient()
            c.create_registered_model('\(theirs)', tags={'origin': 'python'}, description='from mlflow')
            v = c.create_model_version('\(theirs)', 's3://bucket/models/\(theirs)/1', tags={'zenml_step_name': 'fit', 'k': 'v'})
            c.transition_model_version_stage('\(theirs)', v.version, 'Staging')
            c.set_registered_model_alias('\(theirs)', 'champion', v.version)
            """
        )
        let model = try fx.registry.model(theirs)
        #expect(model.description == "from mlflow" && model.tags == ["origin": "python"])
        let version = try fx.registry.modelVersion(theirs, alias: "champion")
        #expect(version.version == "1" && version.stage == .staging)
        #expect(version.sourceURI == "s3://bucket/models/\(theirs)/1" && version.storedURI == version.sourceURI)
        #expect(version.metadata == [ModelVersionMetadata.stepName: "fit"] && version.tags == ["k": "v"])
        try fx.registry.deleteModel(ours)
        try fx.registry.deleteModel(theirs)
    }

    @Test func anUnreachableServerIsNamed() throws {
        let fx = try ConformanceFixture(.default)
        defer { fx.remove() }
        let port = try FreePorts.take(1)[0]
        let metadata = try MetadataStore(
            directory: fx.base + "/other",
            flavors: FlavorRegistry([LocalArtifactStoreFlavor(), MLflowModelRegistryFlavor()])
        )
        let registry = try MLflowModelRegistryFlavor().makeRegistry(
            ["tracking_uri": .string("http://127.0.0.1:\(port)"), "artifact_path": .string(fx.base + "/copies")],
            metadata: metadata
        )
        let error = registryError { _ = try registry.model("resnet") }
        #expect(error?.code == .backend)
        #expect(
            error?.message.hasPrefix("cannot reach the MLflow server at http://127.0.0.1:\(port) (model 'resnet')")
                == true
        )
    }
}
