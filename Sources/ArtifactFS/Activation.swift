import Foundation

/// Opens the project's metadata store with every flavor this process can make: the built-in ones
/// and the plugin flavors registered in the store (described from their rows; a plugin loads only
/// when one of its flavors checks a config or makes a store).
/// - Parameter directory: the config folder; nil finds it from the working directory as `artifactfs`
///   does (`ARTIFACTFS_CONFIG_DIR`, the nearest `.artifactfs/`, then the user's config folder).
/// - Throws: ``StackError`` when the folder or database cannot be opened.
public func openMetadataStore(
    directory: String? = nil,
    environment: [String: String] = ProcessInfo.processInfo.environment
) throws -> MetadataStore {
    let folder = directory ?? ConfigLocation.find(environment: environment).directory
    let store = try MetadataStore(directory: folder, flavors: builtInFlavors(), environment: environment)
    try store.addPluginFlavors(environment: environment)
    return store
}

/// Opens the project's metadata store and routes `fileio` through it, exactly as `artifactfs`
/// routes: registered components with their configs and secrets, plugin flavors, and `models://`
/// through the active stack's model registry. What a Swift step calls once, before its first
/// `fileio` call: `try ArtifactFS.activate()`.
/// - Parameters:
///   - directory: the config folder; nil finds the project's from the working directory.
///   - registry: the routes to fill; `fileio`'s own by default.
/// - Returns: the opened metadata store (stacks, components, the model registry).
/// - Throws: ``StackError`` when the metadata store cannot be opened or read.
@discardableResult
public func activate(directory: String? = nil, registry: FilesystemRegistry = fileio.registry) throws -> MetadataStore {
    let store = try openMetadataStore(directory: directory)
    try store.configure(registry)
    store.configureModelPaths(registry)
    return store
}
