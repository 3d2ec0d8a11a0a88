import FileIO

/// The built-in `local` artifact-store flavor: a folder on this machine.
public struct LocalArtifactStoreFlavor: ArtifactStoreFlavor {
    public init() {}
    public var name: String { "local" }
    public var summary: String { "Artifacts in a folder of the local file system (plain paths and file://)." }
    public var supportedSchemes: Set<String> { LocalArtifactStore.schemes }
    public var schema: ConfigSchema {
        ConfigSchema([ConfigField("path", .string, required: true, help: "the folder that holds the artifacts")])
    }

    public func defaultRoot(for path: ArtifactPath) -> String { "/" }

    public func makeStore(_ config: ComponentConfig) throws -> any ArtifactStore {
        try LocalArtifactStore(root: config["path"]?.stringValue ?? "/")
    }
}

/// The built-in `memory` artifact-store flavor: in-process scratch space under `memory://`.
public struct MemoryArtifactStoreFlavor: ArtifactStoreFlavor {
    public init() {}
    public var name: String { "memory" }
    public var summary: String { "In-process scratch space under memory://, gone when the process ends." }
    public var supportedSchemes: Set<String> { MemoryArtifactStore.schemes }
    public var schema: ConfigSchema {
        ConfigSchema([ConfigField("path", .string, default: .string("memory://"), help: "the memory:// root")])
    }

    public func defaultRoot(for path: ArtifactPath) -> String { "memory://" }

    public func makeStore(_ config: ComponentConfig) throws -> any ArtifactStore {
        try MemoryArtifactStore(root: config["path"]?.stringValue ?? "memory://")
    }
}
