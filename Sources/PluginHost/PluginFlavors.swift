import ArtifactFSPlugin
import FileIO
import Foundation

/// A flavor registered from a plugin: where it came from, beside what it describes.
public protocol PluginBackedFlavor: Flavor {
    /// The flavor as its plugin described it.
    var declaration: FlavorDescription { get }
    /// Where it comes from and what was pinned about it, checked before the plugin is built or loaded.
    var pin: PluginPin { get }
}

extension PluginBackedFlavor {
    /// What the user registered: the package folder or the shared library, as an absolute path.
    public var source: String { pin.source }
    /// The shared library that implements it.
    public var library: String { pin.library }
    public var name: String { declaration.name }
    public var summary: String { declaration.summary }
    public var schema: ConfigSchema { declaration.schema }
}

/// A plugin flavor of any component type. It lists, describes and checks field types from the
/// stored description alone; only `prepare` loads the plugin, for the flavor's own rules.
public struct PluginFlavor: PluginBackedFlavor {
    public let declaration: FlavorDescription
    public let pin: PluginPin

    /// A flavor described by the plugin `pin` names, of the pin's type.
    public init(_ description: FlavorDescription, pin: PluginPin) {
        self.declaration = description
        self.pin = pin
    }

    public var type: StackComponentType { pin.type }

    /// Runs the plugin's own checks.
    /// - Throws: ``StackError`` from the plugin naming the field at fault, `.untrusted` when this machine may not load it, or when the plugin no longer loads.
    public func prepare(_ config: ComponentConfig) throws -> ComponentConfig {
        try pin.load().prepare(type: type, flavor: name, config: config)
    }
}

/// A plugin's artifact-store flavor: its stores are ``PluginArtifactStore``s.
public struct PluginArtifactStoreFlavor: ArtifactStoreFlavor, PluginBackedFlavor {
    public let declaration: FlavorDescription
    public let pin: PluginPin

    /// An artifact-store flavor described by the plugin `pin` names.
    public init(_ description: FlavorDescription, pin: PluginPin) {
        self.declaration = description
        self.pin = pin
    }

    public var supportedSchemes: Set<String> { Set(declaration.schemes) }

    /// The scheme's root (`blob://`): a path no component contains is served from there.
    public func defaultRoot(for path: ArtifactPath) -> String { path.schemePrefix.isEmpty ? "/" : path.schemePrefix }

    /// Runs the plugin's checks (its schema, the `path` field, its own rules).
    /// - Throws: ``StackError`` from the plugin naming the field at fault, `.untrusted` when this machine may not load it, or when the plugin no longer loads.
    public func prepare(_ config: ComponentConfig) throws -> ComponentConfig {
        try pin.load().prepare(type: .artifactStore, flavor: name, config: config)
    }

    /// Makes the store inside the plugin, loading it on first use.
    /// - Throws: ``StackError`` `.untrusted` when this machine may not load it, when the plugin no longer loads, or the plugin's error for a bad config.
    public func makeStore(_ config: ComponentConfig) throws -> any ArtifactStore {
        try pin.load().makeStore(flavor: name, config: config)
    }
}

/// A plugin's model-registry flavor: its registries are ``PluginModelRegistry``s, made through the
/// version-2 table.
public struct PluginModelRegistryFlavor: StandaloneModelRegistryFlavor, PluginBackedFlavor {
    public let declaration: FlavorDescription
    public let pin: PluginPin

    /// A model-registry flavor described by the plugin `pin` names.
    public init(_ description: FlavorDescription, pin: PluginPin) {
        self.declaration = description
        self.pin = pin
    }

    /// Runs the plugin's own checks.
    /// - Throws: ``StackError`` from the plugin naming the field at fault, `.untrusted` when this machine may not load it, or when the plugin no longer loads.
    public func prepare(_ config: ComponentConfig) throws -> ComponentConfig {
        try pin.load().prepare(type: .modelRegistry, flavor: name, config: config)
    }

    /// Makes the registry inside the plugin, loading it on first use.
    /// - Throws: ``StackError`` `.untrusted` when this machine may not load it, when the plugin no longer loads or speaks an ABI without model
    ///   registries; the plugin's error for a bad config.
    public func makeRegistry(_ config: ComponentConfig) throws -> any ModelRegistry {
        try pin.load().makeModelRegistry(flavor: name, config: config)
    }
}

extension FlavorDescription {
    /// The host-side flavor for this description: an artifact-store or model-registry flavor for
    /// those types, a generic one for the others; nil for a type this `artifactfs` does not know.
    /// `pin` gives its source and library, and is checked before the plugin is built or loaded.
    public func flavor(pin: PluginPin) -> (any PluginBackedFlavor)? {
        guard let type = componentType, type == pin.type else { return nil }
        if type == .artifactStore { return PluginArtifactStoreFlavor(self, pin: pin) }
        if type == .modelRegistry { return PluginModelRegistryFlavor(self, pin: pin) }
        return PluginFlavor(self, pin: pin)
    }
}
