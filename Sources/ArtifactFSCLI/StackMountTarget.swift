import ArtifactFS
import FuseBridge

extension MountTarget {
    /// What `artifactfs mount --stack [NAME]` mounts: every registered artifact-store component (each
    /// reachable by `fileio` while the stack is active) as a top-level folder named after it, each
    /// store made from its own config and secrets, and `models/` for the stack's model registry.
    /// A missing local root is created unless `readOnly`, as for a single store.
    /// - Throws: ``StackError`` for an unknown stack or flavor, ``ArtifactStoreError`` for a store
    ///   that does not answer or a component named `models` next to a model registry.
    static func stack(_ name: String?, in metadata: MetadataStore, readOnly: Bool) throws -> MountTarget {
        let stack = try name.map { try metadata.stack($0) } ?? metadata.activeStack()
        var members: [FolderUnionStore.Member] = []
        for component in try metadata.components(of: .artifactStore) {
            let store = try makeStore(of: component, in: metadata)
            try MountPreflight.checkRoot(store.root.description, of: store, readOnly: readOnly)
            members.append(FolderUnionStore.Member(folder: component.name, store: store))
        }
        if let registry = stack.components[.modelRegistry] {
            let models = ModelsArtifactStore { [metadata] in try metadata.modelRegistry(named: registry.name) }
            members.append(FolderUnionStore.Member(folder: "models", store: models))
        }
        let union = try FolderUnionStore(name: stack.name, members: members)
        return MountTarget(store: union, root: union.root.description, component: nil)
    }
}
