import FileIO

extension MetadataStore {
    /// Routes `fileio` through the registered components:
    /// 1. a path below an artifact-store component's `path` goes to that component's store (the
    ///    longest `path` wins), made with its secrets resolved only when first used;
    /// 2. else, a path of a scheme the active stack's artifact store serves goes to a store with
    ///    that component's config (its credentials, its endpoint) rooted where the path needs;
    /// 3. else, to the flavor serving the scheme with its default config.
    ///
    /// A component whose flavor this process does not have still claims its `path`: a path below
    /// it fails with an error naming the component and the flavor, never reaching another store.
    /// So does one whose stored config no longer passes its flavor's checks (written by an older
    /// release, a plugin whose schema changed, a hand-edited database): checked when first used.
    public func configure(_ registry: FilesystemRegistry) throws {
        let flavorsByName = Dictionary(
            flavors.artifactStoreFlavors.map { ($0.name, $0) },
            uniquingKeysWith: { first, _ in first }
        )
        for component in try components(of: .artifactStore) {
            guard let path = component.config["path"]?.stringValue else { continue }
            guard let flavor = flavorsByName[component.flavor] else {
                guard let root = try? ArtifactPath(parsing: path, keepEmptyComponents: true) else { continue }
                registry.register(root: root, schemes: [root.schemePrefix]) {
                    throw ArtifactStoreError(
                        .unsupportedScheme,
                        path: path,
                        "artifact store '\(component.name)' (path '\(path)') has flavor '\(component.flavor)', which this process does not have: register the flavor (`artifactfs artifact-store flavor register`) or use a program built with it"
                    )
                }
                continue
            }
            guard
                let root = try? ArtifactPath(
                    root: path,
                    supportedSchemes: flavor.supportedSchemes,
                    keepEmptyComponents: true
                )
            else { continue }
            registry.register(root: root, schemes: flavor.supportedSchemes) { [self] in
                try Self.revalidate(component, with: flavor)
                return try flavor.makeStore(resolvedConfig(of: component))
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

    /// Checks a stored component against its flavor as registration would.
    /// - Throws: ``ArtifactStoreError`` naming the component, its root and what is wrong, and the
    ///   command that shows every such problem.
    static func revalidate(_ component: StackComponent, with flavor: any ArtifactStoreFlavor) throws {
        do {
            _ = try flavor.validate(component.config)
        } catch let error as StackError {
            let root = component.config.text("path") ?? ""
            throw ArtifactStoreError(
                .invalidArgument,
                path: root,
                "artifact store '\(component.name)' no longer passes its flavor's checks: \(error.message) (fix it with `artifactfs artifact-store update \(component.name) ...`; `artifactfs doctor` lists every such problem)",
                cause: error
            )
        }
    }
}
