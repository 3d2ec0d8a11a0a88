import ArtifactFSPlugin
import FileIO
import Foundation

/// A flavor registered from a plugin: where it came from, beside what it describes.
public protocol PluginBackedFlavor: Flavor {
    /// The flavor as its plugin described it.
    var declaration: FlavorDescription { get }
    /// What the user registered: the package folder or the shared library, as an absolute path.
    var source: String { get }
    /// The shared library that implements it.
    var library: String { get }
}

extension PluginBackedFlavor {
    public var name: String { declaration.name }
    public var summary: String { declaration.summary }
    public var schema: ConfigSchema { declaration.schema }
}

/// A plugin flavor of any component type. It lists, describes and checks field types from the
/// stored description alone; only `prepare` loads the plugin, for the flavor's own rules.
public struct PluginFlavor: PluginBackedFlavor {
    public let declaration: FlavorDescription
    public let type: StackComponentType
    public let source: String
    public let library: String

    /// A flavor of `type` described by the plugin at `library`.
    public init(_ description: FlavorDescription, type: StackComponentType, source: String, library: String) {
        self.declaration = description
        self.type = type
        self.source = source
        self.library = library
    }

    /// Runs the plugin's own checks.
    /// - Throws: ``StackError`` from the plugin naming the field at fault, or when the plugin no longer loads.
    public func prepare(_ config: ComponentConfig) throws -> ComponentConfig {
        try PluginLibrary.load(library).prepare(type: type, flavor: name, config: config)
    }
}

/// A plugin's artifact-store flavor: its stores are ``PluginArtifactStore``s.
public struct PluginArtifactStoreFlavor: ArtifactStoreFlavor, PluginBackedFlavor {
    public let declaration: FlavorDescription
    public let source: String
    public let library: String

    /// An artifact-store flavor described by the plugin at `library`.
    public init(_ description: FlavorDescription, source: String, library: String) {
        self.declaration = description
        self.source = source
        self.library = library
    }

    public var supportedSchemes: Set<String> { Set(declaration.schemes) }

    /// The scheme's root (`blob://`): a path no component contains is served from there.
    public func defaultRoot(for path: ArtifactPath) -> String { path.schemePrefix.isEmpty ? "/" : path.schemePrefix }

    /// Runs the plugin's checks (its schema, the `path` field, its own rules).
    /// - Throws: ``StackError`` from the plugin naming the field at fault, or when the plugin no longer loads.
    public func prepare(_ config: ComponentConfig) throws -> ComponentConfig {
        try PluginLibrary.load(library).prepare(type: .artifactStore, flavor: name, config: config)
    }

    /// Makes the store inside the plugin, loading it on first use.
    /// - Throws: ``StackError`` when the plugin no longer loads, or the plugin's error for a bad config.
    public func makeStore(_ config: ComponentConfig) throws -> any ArtifactStore {
        try PluginLibrary.load(library).makeStore(flavor: name, config: config)
    }
}

/// A plugin's model-registry flavor: its registries are ``PluginModelRegistry``s, made through the
/// version-2 table.
public struct PluginModelRegistryFlavor: StandaloneModelRegistryFlavor, PluginBackedFlavor {
    public let declaration: FlavorDescription
    public let source: String
    public let library: String

    /// A model-registry flavor described by the plugin at `library`.
    public init(_ description: FlavorDescription, source: String, library: String) {
        self.declaration = description
        self.source = source
        self.library = library
    }

    /// Runs the plugin's own checks.
    /// - Throws: ``StackError`` from the plugin naming the field at fault, or when the plugin no longer loads.
    public func prepare(_ config: ComponentConfig) throws -> ComponentConfig {
        try PluginLibrary.load(library).prepare(type: .modelRegistry, flavor: name, config: config)
    }

    /// Makes the registry inside the plugin, loading it on first use.
    /// - Throws: ``StackError`` when the plugin no longer loads or speaks an ABI without model
    ///   registries; the plugin's error for a bad config.
    public func makeRegistry(_ config: ComponentConfig) throws -> any ModelRegistry {
        try PluginLibrary.load(library).makeModelRegistry(flavor: name, config: config)
    }
}

extension FlavorDescription {
    /// The host-side flavor for this description: an artifact-store or model-registry flavor for
    /// those types, a generic one for the others; nil for a type this `artifactfs` does not know.
    public func flavor(source: String, library: String) -> (any PluginBackedFlavor)? {
        guard let type = componentType else { return nil }
        if type == .artifactStore { return PluginArtifactStoreFlavor(self, source: source, library: library) }
        if type == .modelRegistry { return PluginModelRegistryFlavor(self, source: source, library: library) }
        return PluginFlavor(self, type: type, source: source, library: library)
    }
}
