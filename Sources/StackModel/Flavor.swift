import FileIO

/// A flavor: one implementation of a component type, with the schema of its config.
///
/// The flavor describes and checks a config without creating its implementation, so a component
/// can be registered and validated where the implementation's dependencies are not needed.
public protocol Flavor: Sendable {
    /// The flavor's name (`local`, `s3`), unique within its component type.
    var name: String { get }
    /// The component type it implements.
    var type: StackComponentType { get }
    /// One line on what it is.
    var summary: String { get }
    /// Its config fields.
    var schema: ConfigSchema { get }

    /// Flavor-specific checks and normalisation after the schema's (e.g. a path's scheme).
    /// - Throws: ``StackError`` naming the field at fault.
    func prepare(_ config: ComponentConfig) throws -> ComponentConfig
}

extension Flavor {
    public func prepare(_ config: ComponentConfig) throws -> ComponentConfig { config }

    /// Checks a config against the schema and the flavor's own rules, returning it with defaults filled in.
    public func validate(_ config: ComponentConfig) throws -> ComponentConfig {
        try prepare(schema.validate(config, flavor: name))
    }
}

/// A flavor of artifact store: it serves some URI schemes and makes stores from configs.
public protocol ArtifactStoreFlavor: Flavor {
    /// The schemes its stores serve (`"s3://"`; `""` for plain local paths).
    var supportedSchemes: Set<String> { get }

    /// The root a store of this flavor takes to serve `path` when no component's root contains it:
    /// `/` for local paths, `s3://bucket` for S3.
    func defaultRoot(for path: ArtifactPath) -> String

    /// Makes the store. Called only when the component is used, with secrets already resolved.
    /// - Throws: ``StackError`` or ``ArtifactStoreError`` when the config cannot make a store.
    func makeStore(_ config: ComponentConfig) throws -> any ArtifactStore
}

extension ArtifactStoreFlavor {
    public var type: StackComponentType { .artifactStore }

    /// Checks `path` (see ``preparePath(_:)``); a flavor with rules of its own overrides this and
    /// calls ``preparePath(_:)`` first.
    public func prepare(_ config: ComponentConfig) throws -> ComponentConfig {
        try preparePath(config)
    }

    /// Checks that `path` uses a supported scheme and stores it in canonical form (a relative
    /// local path becomes absolute).
    /// - Throws: ``StackError`` naming the `path` field.
    public func preparePath(_ config: ComponentConfig) throws -> ComponentConfig {
        guard let path = config["path"]?.stringValue else {
            throw StackError(.invalidConfig, "missing required field 'path' for flavor '\(name)'")
        }
        if SecretReference(path) != nil {
            throw StackError(
                .invalidConfig,
                "field 'path' of flavor '\(name)' must be a literal path, not a secret reference: routing needs it"
            )
        }
        do {
            var result = config
            result["path"] = .string(try ArtifactPath(root: path, supportedSchemes: supportedSchemes).description)
            return result
        } catch let error as ArtifactStoreError {
            throw StackError(
                .invalidConfig,
                "field 'path' of flavor '\(name)': '\(path)' \(error.message)",
                cause: error
            )
        }
    }
}
