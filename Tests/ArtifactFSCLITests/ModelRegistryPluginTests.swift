import ArtifactFS
import ArtifactFSPlugin
import FileIO
import Foundation
import ModelRegistry
import PluginHost
import Stacks
import Testing

/// Model-registry flavors from plugins: the example end to end through the built `artifactfs`,
/// and the refusals and failures a user sees.
@Suite("model-registry plugins")
struct ModelRegistryPluginTests {
    @Test func theExampleScriptRegistersPromotesAndReadsAModelThroughThePlugin() throws {
        _ = try PluginFixtures.modelRegistryLibrary()  // the build is shared; the script's own build finds it done
        let script = PluginFixtures.run(
            "/usr/bin/env",
            ["bash", PluginFixtures.modelRegistryPackage + "/run.sh"],
            environment: ["ARTIFACTFS": CLIRunner.binary.path]
        )
        #expect(script.status == 0, "\(script.output)")
        #expect(script.output.contains("custom-model-registry: all steps passed"))
    }

    @Test func aPluginRegistryServesTheModelCommandsAndModelPaths() throws {
        let library = try PluginFixtures.modelRegistryLibrary()
        let workspace = try Workspace()
        defer { workspace.remove() }
        let cli = workspace.cli
        let registered = try cli.run("model-registry", "flavor", "register", library)
        #expect(registered.status == 0, "\(registered.stderr)")
        #expect(registered.stdout.contains("Registered model registry flavor 'folder'"), "\(registered.stdout)")
        let records = workspace.path + "/records"
        #expect(
            try cli.run("model-registry", "register", "records", "--flavor", "folder", "--folder", records).status == 0
        )
        #expect(try cli.run("stack", "update", "default", "--model-registry", "records").status == 0)

        #expect(try cli.run("model-registry", "models", "register", "resnet", "-t", "team=vision").status == 0)
        let version = try cli.run(
            "model-registry",
            "models",
            "register-version",
            "resnet",
            "-u",
            "runs/1",
            "--pipeline-name",
            "train"
        )
        #expect(version.status == 0, "\(version.stderr)")
        #expect(FileManager.default.fileExists(atPath: records + "/resnet/versions/1.json"))
        #expect(
            try cli.run("model-registry", "models", "update-version", "resnet", "-v", "1", "--stage", "production")
                .status == 0
        )
        #expect(try cli.run("cat", "models://resnet/production/model.bin").stdout == "model one")
        #expect(try cli.run("ls", "models://resnet/1").stdout == "metrics.json\nmodel.bin\n")

        let listed = try cli.run(
            "model-registry",
            "models",
            "list-versions",
            "resnet",
            "-m",
            "pipeline_name=train",
            "--json"
        )
        let versions = try JSONDecoder().decode([[String: JSONValue]].self, from: Data(listed.stdout.utf8))
        #expect(versions.count == 1)
        #expect(versions.first?["stage"] == .string("Production"))
        #expect(versions.first?["storedURI"] == .string(workspace.path + "/runs/1"))

        let taken = try cli.run("model-registry", "models", "register", "resnet")
        #expect(taken.status == 1)
        #expect(taken.stderr.contains("model 'resnet' already exists"), "\(taken.stderr)")
    }

    @Test func everyProtocolMethodCrossesThePluginBoundary() throws {
        let library = try PluginFixtures.modelRegistryLibrary()
        let description = try #require(try PluginLibrary.load(library).flavors.first { $0.name == "folder" })
        let flavor = PluginModelRegistryFlavor(
            description,
            pin: try PluginFixtures.pin(library, type: .modelRegistry, name: "folder")
        )
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("folder-registry-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/resnet", withIntermediateDirectories: true)
        try Data("weights".utf8).write(to: URL(fileURLWithPath: base + "/resnet/model.bin"))
        let registry = try flavor.makeRegistry(flavor.validate(["folder": .string(base + "/records")]))
        #expect(registry is PluginModelRegistry)

        let start = Date().addingTimeInterval(-1)
        let model = try registry.registerModel("resnet", description: "image model", tags: ["team": "vision"])
        #expect(model.created >= start && model.tags == ["team": "vision"])
        try registry.registerModel("bert", description: nil, tags: [:])
        try registry.updateModel("resnet", description: nil, tags: ["tier": "gold"], removeTags: ["team"])
        #expect(
            try registry.model("resnet")
                == RegisteredModel(
                    name: "resnet",
                    description: "image model",
                    tags: ["tier": "gold"],
                    created: model.created,
                    updated: registry.model("resnet").updated
                )
        )
        #expect(try registry.models(nameContains: "e", tags: [:]).map(\.name) == ["bert", "resnet"])
        #expect(try registry.models(nameContains: nil, tags: ["tier": "gold"]).map(\.name) == ["resnet"])

        let first = try registry.registerModelVersion(
            ModelVersionRequest(
                model: "resnet",
                sourceURI: base + "/resnet",
                format: "onnx",
                metadata: [ModelVersionMetadata.pipelineName: "train"]
            )
        )
        let second = try registry.registerModelVersion(
            ModelVersionRequest(model: "resnet", version: "v2", sourceURI: base + "/resnet/model.bin")
        )
        #expect(first.version == "1" && first.storedURI == base + "/resnet" && first.format == "onnx")
        #expect(
            try registry.modelVersion("resnet", version: "1") == first,
            "dates and every field survive the JSON round trip"
        )
        try registry.updateModelVersion(
            "resnet",
            version: "1",
            description: "first",
            metadata: [:],
            removeMetadata: [],
            stage: .production,
            archiveExisting: false
        )
        let refused = try #require(throws: ModelRegistryError.self) {
            try registry.updateModelVersion(
                "resnet",
                version: "v2",
                description: nil,
                metadata: [:],
                removeMetadata: [],
                stage: .production,
                archiveExisting: false
            )
        }
        #expect(refused.code == .invalidValue)
        #expect(try registry.latestModelVersion("resnet", stage: .production)?.version == "1")
        #expect(try registry.latestModelVersion("resnet", stage: .staging) == nil)
        #expect(
            try registry.modelVersions(
                ModelVersionFilter(model: "resnet", metadata: [ModelVersionMetadata.pipelineName: "train"])
            ).map(\.version) == ["1"]
        )
        #expect(try registry.modelVersions(ModelVersionFilter(sourceURI: second.sourceURI)).map(\.version) == ["v2"])
        #expect(
            try registry.modelVersions(ModelVersionFilter(model: "resnet", count: 1, orderByDate: .descending)).map(
                \.version
            ) == ["v2"]
        )

        try registry.setAlias("resnet", alias: "champion", version: "v2")
        #expect(try registry.modelVersion("resnet", alias: "champion").version == "v2")
        try registry.deleteAlias("resnet", alias: "champion")
        #expect(
            (try #require(throws: ModelRegistryError.self) { try registry.modelVersion("resnet", alias: "champion") })
                .code == .notFound
        )

        let loaded = try registry.loadModelVersion("resnet", version: "v2", into: base + "/loaded")
        #expect(try String(contentsOfFile: loaded, encoding: .utf8) == "weights")
        try registry.deleteModelVersion("resnet", version: "v2")
        #expect(
            FileManager.default.fileExists(atPath: base + "/resnet/model.bin"),
            "the registry never removes files it did not copy"
        )
        let gone = try #require(throws: ModelRegistryError.self) { try registry.modelVersion("resnet", version: "v2") }
        #expect(gone.code == .notFound && gone.message == "version v2 of model 'resnet' does not exist")
        try registry.deleteModel("resnet")
        #expect((try #require(throws: ModelRegistryError.self) { try registry.model("resnet") }).code == .notFound)
        #expect(
            (try #require(throws: ModelRegistryError.self) {
                try registry.registerModel("bert", description: nil, tags: [:])
            }).code == .alreadyExists
        )
    }

    @Test func aModelRegistryPluginOfABI1IsRefusedNamingBothVersions() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let library = try PluginFixtures.cPlugin(
            in: workspace.path,
            name: "oldregistry",
            abi: 1,
            flavors: #"[{"name":"old","type":"model_registry","summary":"x","schemes":[],"fields":[]}]"#
        )
        let result = try workspace.cli.run("model-registry", "flavor", "register", library)
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "plugin '\(library)' speaks plugin ABI version 1, but model registry flavors need ABI version 2"
            ),
            "\(result.stderr)"
        )
        #expect(result.stderr.contains("rebuild the plugin"))
        #expect(try !workspace.cli.run("model-registry", "flavor", "list").stdout.contains("old"))
    }

    @Test func aModelRegistryPluginOfAFutureABIIsRefused() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let library = try PluginFixtures.cPlugin(
            in: workspace.path,
            name: "future",
            abi: 99,
            flavors: #"[{"name":"future","type":"model_registry","summary":"x","schemes":[],"fields":[]}]"#
        )
        let result = try workspace.cli.run("model-registry", "flavor", "register", library)
        #expect(result.status == 1)
        #expect(result.stderr.contains("plugin '\(library)' speaks plugin ABI version 99"), "\(result.stderr)")
        #expect(result.stderr.contains("this artifactfs speaks ABI version \(PluginABI.version)"))
    }

    @Test func aFailingRegistryCallIsATypedErrorNamingTheModelAndVersion() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let library = try PluginFixtures.cPlugin(
            in: workspace.path,
            name: "broken",
            abi: 2,
            flavors: #"[{"name":"broken","type":"model_registry","summary":"Always fails.","schemes":[],"fields":[]}]"#
        )
        let cli = workspace.cli
        #expect(try cli.run("model-registry", "flavor", "register", library).status == 0)
        #expect(try cli.run("model-registry", "register", "flaky", "--flavor", "broken").status == 0)
        #expect(try cli.run("stack", "update", "default", "--model-registry", "flaky").status == 0)

        let version = try cli.run("model-registry", "models", "get-version", "resnet", "-v", "3")
        #expect(version.status == 1)
        #expect(version.stderr.contains("version 3 of model 'resnet'"), "\(version.stderr)")
        #expect(version.stderr.contains("registry backend unavailable"))
        #expect(version.stderr.contains("model-registry flavor 'broken'"))

        let read = try cli.run("cat", "models://resnet/3/model.bin")
        #expect(read.status == 1)
        #expect(read.stderr.contains("models://resnet/3/model.bin"), "\(read.stderr)")
        #expect(read.stderr.contains("registry backend unavailable"))

        // From Swift, the same failure is a ModelRegistryError with the plugin's code.
        let metadata = try ArtifactFS.openMetadataStore(directory: workspace.path + "-config")
        let registry = try metadata.modelRegistry(named: "flaky")
        #expect(registry is PluginModelRegistry)
        let error = try #require(throws: ModelRegistryError.self) { try registry.modelVersion("resnet", version: "3") }
        #expect(error.code == .backend)
        #expect(error.message.contains("version 3 of model 'resnet'"))
    }
}
