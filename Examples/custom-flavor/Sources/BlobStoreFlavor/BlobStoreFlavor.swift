import ArtifactFSPlugin
import BlobStore

/// The `blob` flavor: what `artifactfs artifact-store flavor describe blob` shows, and how a
/// component's config becomes a store. `artifactfs` stores this description when the plugin is
/// registered, so listing and describing the flavor never load the implementation.
public struct BlobStoreFlavor: ArtifactStoreFlavor {
    public init() {}

    public var name: String { "blob" }
    public var summary: String {
        "Content-addressed blobs in a local folder, under blob:// (identical files are stored once)."
    }
    public var supportedSchemes: Set<String> { ["blob://"] }

    /// The config: `path` (the blob:// root the component serves) and `folder` (where blobs live).
    public var schema: ConfigSchema {
        ConfigSchema([
            ConfigField(
                "path",
                .string,
                required: true,
                help: "the blob:// root this component serves, e.g. blob://models"
            ),
            ConfigField(
                "folder",
                .string,
                required: true,
                help: "the local folder that holds the blobs and the name tree"
            ),
        ])
    }

    /// A path no component serves goes to the whole `blob://` namespace.
    public func defaultRoot(for path: ArtifactPath) -> String { "blob://" }

    /// The schema's checks ran already; add the flavor's own: `folder` must be absolute.
    public func prepare(_ config: ComponentConfig) throws -> ComponentConfig {
        // First the checks every artifact-store flavor gets: `path` in canonical form.
        let config = try preparePath(config)
        guard let folder = config["folder"]?.stringValue, folder.hasPrefix("/") else {
            throw StackError(
                .invalidConfig,
                "field 'folder' of flavor 'blob' must be an absolute path, got '\(config["folder"]?.description ?? "")'"
            )
        }
        return config
    }

    public func makeStore(_ config: ComponentConfig) throws -> any ArtifactStore {
        try BlobArtifactStore(
            root: config["path"]?.stringValue ?? "blob://",
            folder: config["folder"]?.stringValue ?? ""
        )
    }
}

/// The plugin's entry point: `artifactfs` looks this symbol up, checks the ABI version in the table
/// it returns, then reads the flavors' descriptions.
@_cdecl("artifactfs_plugin_entry")
public func artifactfsPluginEntry() -> UnsafeRawPointer {
    PluginExport.table([BlobStoreFlavor()])
}
