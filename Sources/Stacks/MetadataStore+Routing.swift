import FileIO

extension MetadataStore {
    /// Opens the metadata store of the project this process runs in (see ``ConfigLocation``) and
    /// routes `fileio` through it: what a pipeline step calls once so that `fileio.open("s3://...")`
    /// reaches the same stores as `artifactfs` does.
    @discardableResult
    public static func activate(
        flavors: FlavorRegistry = .builtIn(), registry: FilesystemRegistry = fileio.registry
    ) throws -> MetadataStore {
        let store = try MetadataStore(directory: ConfigLocation.find().directory, flavors: flavors)
        try store.configure(registry)
        return store
    }

    /// Routes `fileio` through the registered components:
    /// 1. a path below an artifact-store component's `path` goes to that component's store (the
    ///    longest `path` wins), made with its secrets resolved only when first used;
    /// 2. else, a path of a scheme the active stack's artifact store serves goes to a store with
    ///    that component's config (its credentials, its endpoint) rooted where the path needs;
    /// 3. else, to the flavor serving the scheme with its default config.
    public func configure(_ registry: FilesystemRegistry) throws {
        let flavorsByName = Dictionary(flavors.artifactStoreFlavors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for component in try components(of: .artifactStore) {
            guard let flavor = flavorsByName[component.flavor], let path = component.config["path"]?.stringValue,
                let root = try? ArtifactPath(root: path, supportedSchemes: flavor.supportedSchemes, keepEmptyComponents: true)
            else { continue }
            registry.register(root: root, schemes: flavor.supportedSchemes) { [self] in
                try flavor.makeStore(resolvedConfig(of: component))
            }
        }
        let active = try? activeStack().artifactStore
        for flavor in flavors.artifactStoreFlavors {
            let template = active.flatMap { $0.flavor == flavor.name ? $0 : nil }
            for scheme in flavor.supportedSchemes {
                registry.register(scheme: scheme) { [self] path in
                    var config = try template.map(resolvedConfig(of:)) ?? [:]
                    config["path"] = .string(flavor.defaultRoot(for: path))
                    return try flavor.makeStore(template == nil ? flavor.validate(config) : config)
                }
            }
        }
    }
}
