import ArtifactFS
import Foundation
import TestServers
import Testing

/// What a pipeline step written in Swift gets from `import ArtifactFS` and one `activate()`: the
/// same routes as `artifactfs`, over registered s3 components, plugin flavors and `models://`.
@Suite("a Swift step through import ArtifactFS")
struct SwiftStepTests {
    @Test func activateRoutesThroughAnS3ComponentAPluginFlavorAndModelPaths() throws {
        let server = try S3TestServer(.seaweedfs, buckets: ["step-bucket"])
        defer { server.shutDown() }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("swift-step-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let config = base + "/config"

        // The project, as `artifactfs` commands would leave it: an s3 component whose endpoint and
        // credentials live only in the metadata store, a plugin flavor's component, a model version.
        let project = try ArtifactFS.openMetadataStore(directory: config)
        try project.createSecret("seaweed", values: ["key": server.accessKey, "secret": server.secretKey])
        try project.registerComponent(
            name: "warehouse",
            type: .artifactStore,
            flavor: "s3",
            config: [
                "path": .string("s3://step-bucket/warehouse"), "endpoint_url": .string(server.endpoint),
                "key": .string("{{seaweed.key}}"), "secret": .string("{{seaweed.secret}}"),
            ]
        )
        try project.registerPluginFlavors(from: PluginFixtures.exampleLibrary(), type: .artifactStore, base: "/")
        try project.registerComponent(
            name: "blobs",
            type: .artifactStore,
            flavor: "blob",
            config: ["path": .string("blob://blobs"), "folder": .string(base + "/blob-folder")]
        )
        try project.registerComponent(name: "models", type: .modelRegistry, flavor: "default", config: [:])
        _ = try project.updateStack("default", components: [.modelRegistry: "models"])
        let weights = base + "/resnet"
        try FileManager.default.createDirectory(atPath: weights, withIntermediateDirectories: true)
        try Data("resnet weights".utf8).write(to: URL(fileURLWithPath: weights + "/model.bin"))
        let registry = try project.modelRegistry()
        _ = try registry.registerModel("resnet", description: nil, tags: [:])
        let version = try registry.registerModelVersion(ModelVersionRequest(model: "resnet", sourceURI: weights))
        try registry.updateModelVersion(
            "resnet",
            version: version.version,
            description: nil,
            metadata: [:],
            removeMetadata: [],
            stage: .production,
            archiveExisting: false
        )

        // The step: a fresh process's routes, filled by activate() alone, with no AWS_* in sight.
        let routes = FilesystemRegistry()
        try ArtifactFS.activate(directory: config, registry: routes)
        let input = "s3://step-bucket/warehouse/run/input.csv"
        try routes.store(for: input).write(input, contents: Array("a,b\n1,2\n".utf8))
        #expect(
            try server.runPython(
                "import boto3,sys; print(boto3.client('s3').get_object(Bucket='step-bucket', Key='warehouse/run/input.csv')['Body'].read().decode(), end='')"
            ) == "a,b\n1,2\n"
        )
        let output = "blob://blobs/run/output.csv"
        let rows = try routes.store(for: input).read(input)
        try routes.store(for: output).write(output, contents: rows)
        #expect(try routes.store(for: output).read(output) == Array("a,b\n1,2\n".utf8))
        let model = "models://resnet/production/model.bin"
        #expect(try routes.store(for: model).read(model) == Array("resnet weights".utf8))
    }

    @Test func aPathOfAComponentWhoseFlavorThisProcessLacksFailsNamingIt() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("swift-step-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let project = try ArtifactFS.openMetadataStore(directory: base + "/config")
        try project.registerComponent(
            name: "warehouse",
            type: .artifactStore,
            flavor: "s3",
            config: ["path": .string("s3://only-bucket/data")]
        )

        // A process built without the s3 flavor: the component still claims its path.
        let local = try MetadataStore(directory: base + "/config", flavors: .builtIn())
        let routes = FilesystemRegistry()
        try local.configure(routes)
        let error = try #require(throws: ArtifactStoreError.self) {
            try routes.store(for: "s3://only-bucket/data/model.bin")
        }
        #expect(error.message.contains("artifact store 'warehouse'"), "\(error)")
        #expect(error.message.contains("flavor 's3'"), "\(error)")
    }
}
