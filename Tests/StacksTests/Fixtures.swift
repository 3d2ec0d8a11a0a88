import FileIO
import Foundation
import Stacks

/// A fresh metadata folder under the temporary directory, removed by `remove()`.
struct MetadataFolder {
    let path: String

    init() {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("artifactfs-stacks-\(UUID().uuidString)").path
    }

    /// A metadata store in this folder with the built-in flavors and the test `vault` flavor.
    func open(environment: [String: String] = [:]) throws -> MetadataStore {
        let flavors = FlavorRegistry.builtIn()
        try flavors.register(VaultArtifactStoreFlavor())
        return try MetadataStore(directory: path, flavors: flavors, environment: environment)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A test flavor with every field type and a required secret: a memory store that opens only
/// when its token resolves to "open-sesame".
struct VaultArtifactStoreFlavor: ArtifactStoreFlavor {
    var name: String { "vault" }
    var summary: String { "A memory store behind a token, for tests." }
    var supportedSchemes: Set<String> { ["memory://"] }
    var schema: ConfigSchema {
        ConfigSchema(
            [
                ConfigField("path", .string, required: true, help: "the memory:// root"),
                ConfigField("token", .string, required: true, secret: true, help: "the access token"),
                ConfigField("retries", .integer, default: .integer(3), help: "attempts per call").range(1, 10),
                ConfigField("verbose", .boolean, help: "log every call"),
                ConfigField("options", .object, help: "extra options"),
                ConfigField("mode", .string, help: "how calls are made").oneOf(["fast", "safe"]),
                ConfigField("endpoint", .string, help: "the vault server").url(schemes: ["http", "https"]),
                ConfigField("socket", .string, help: "the vault's local socket, instead of an endpoint").nonEmpty(),
            ],
            exclusive: [["endpoint", "socket"]]
        )
    }

    func defaultRoot(for path: ArtifactPath) -> String { "memory://" }

    func makeStore(_ config: ComponentConfig) throws -> any ArtifactStore {
        guard config["token"] == .string("open-sesame") else {
            throw ArtifactStoreError(.permissionDenied, path: config["path"]?.stringValue ?? "", "wrong token")
        }
        return try MemoryArtifactStore(root: config["path"]?.stringValue ?? "memory://")
    }
}

/// The error a throwing call raised, for checking its code and message.
func stackError(_ body: () throws -> Void) -> StackError? {
    do {
        try body()
        return nil
    } catch let error as StackError {
        return error
    } catch {
        return StackError(.storage, "unexpected error \(error)")
    }
}
