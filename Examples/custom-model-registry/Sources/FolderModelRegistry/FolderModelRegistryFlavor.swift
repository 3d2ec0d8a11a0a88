import ArtifactFSPlugin

/// The `folder` model-registry flavor: what `artifactfs model-registry flavor describe folder`
/// shows, and how a component's config becomes a registry. A ``StandaloneModelRegistryFlavor``
/// needs only its config: no metadata store, no SQLite.
public struct FolderModelRegistryFlavor: StandaloneModelRegistryFlavor {
    public init() {}

    public var name: String { "folder" }
    public var summary: String {
        "Models and versions as JSON files in a folder; versions' files stay where they were registered from."
    }

    /// The config: `folder`, where the records live.
    public var schema: ConfigSchema {
        ConfigSchema([
            ConfigField("folder", .string, required: true, help: "the local folder that holds the models' JSON records")
        ])
    }

    /// The schema's checks ran already; add the flavor's own: `folder` must be absolute.
    public func prepare(_ config: ComponentConfig) throws -> ComponentConfig {
        guard let folder = config["folder"]?.stringValue, folder.hasPrefix("/") else {
            throw StackError(
                .invalidConfig,
                "field 'folder' of flavor 'folder' must be an absolute path, got '\(config["folder"]?.description ?? "")'"
            )
        }
        return config
    }

    public func makeRegistry(_ config: ComponentConfig) throws -> any ModelRegistry {
        try FolderModelRegistry(folder: config["folder"]?.stringValue ?? "")
    }
}

/// The plugin's entry point: `artifactfs` looks this symbol up, checks the ABI version in the table
/// it returns (model registries need version 2), then reads the flavors' descriptions.
@_cdecl("artifactfs_plugin_entry")
public func artifactfsPluginEntry() -> UnsafeRawPointer {
    PluginExport.table([FolderModelRegistryFlavor()])
}
