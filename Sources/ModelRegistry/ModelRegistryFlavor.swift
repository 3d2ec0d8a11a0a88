import ArtifactFSPlugin
import FileIO
import Stacks

/// A built-in flavor of model registry: it makes a ``ModelRegistry`` from a component's config and
/// the project's metadata store. Plugins declare ``StandaloneModelRegistryFlavor``s instead (config only).
public protocol ModelRegistryFlavor: Flavor {
    /// Makes the registry; called only when the component is used, with secrets resolved.
    func makeRegistry(_ config: ComponentConfig, metadata: MetadataStore) throws -> any ModelRegistry
}

extension ModelRegistryFlavor {
    public var type: StackComponentType { .modelRegistry }
}

/// The built-in `default` model-registry flavor: no server; see ``DefaultModelRegistry``.
public struct DefaultModelRegistryFlavor: ModelRegistryFlavor {
    public init() {}
    public var name: String { "default" }
    public var summary: String {
        "Models and versions in the project's metadata, files in the active stack's artifact store."
    }
    public var schema: ConfigSchema {
        ConfigSchema([
            ConfigField(
                "path",
                .string,
                help: "where model files are copied; the active stack's artifact store when omitted"
            )
        ])
    }

    public func makeRegistry(_ config: ComponentConfig, metadata: MetadataStore) throws -> any ModelRegistry {
        if let path = config["path"]?.stringValue {
            return try DefaultModelRegistry(metadata: metadata, storeRoot: path)
        }
        guard let store = try metadata.activeStack().artifactStore?.config["path"]?.stringValue else {
            throw ModelRegistryError(.invalidValue, "the active stack's artifact store has no path")
        }
        return try DefaultModelRegistry(metadata: metadata, storeRoot: store)
    }
}

extension MetadataStore {
    /// The model registry named `name`, or the active stack's when `name` is nil.
    /// - Throws: ``StackError`` when there is none, saying how to add one.
    public func modelRegistry(named name: String? = nil) throws -> any ModelRegistry {
        let component: StackComponent
        if let name {
            component = try self.component(name, of: .modelRegistry)
        } else {
            let stack = try activeStack()
            guard let active = stack.components[.modelRegistry] else {
                throw StackError(
                    .notFound,
                    "stack '\(stack.name)' has no model registry: `artifactfs model-registry register NAME --flavor default`, then `artifactfs stack update \(stack.name) --model-registry NAME`"
                )
            }
            component = active
        }
        switch try flavors.flavor(component.flavor, of: .modelRegistry) {
        case let flavor as any ModelRegistryFlavor:
            return try flavor.makeRegistry(resolvedConfig(of: component), metadata: self)
        case let flavor as any StandaloneModelRegistryFlavor:
            return try flavor.makeRegistry(resolvedConfig(of: component))
        default:
            throw StackError(.invalidConfig, "model-registry flavor '\(component.flavor)' cannot make a registry")
        }
    }
}
