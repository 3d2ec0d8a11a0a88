import FileIO
import StackModel

/// A flavor's resolved configuration that an ``ObjectArtifactStore`` is made from. As the store's
/// type parameter it makes each flavor's store a type of its own, so an `s3` store is made only
/// from an `S3Configuration`.
public protocol ObjectStoreConfiguration: Sendable {
    /// The URI schemes the flavor serves (`s3://`).
    static var schemes: Set<String> { get }
    /// What a root must name, for the error when it names no bucket or container.
    static var rootRequirement: String { get }
    /// The store's root, `scheme://container[/prefix]`.
    var root: String { get }
    /// The flavor's protocol on the bucket or container the root's first component names; `nil`
    /// when the component names none. Nothing is sent yet.
    /// - Throws: ``FileIO/ArtifactStoreError`` naming the root when the configuration is unusable (a malformed endpoint).
    func makeBackend(rootComponent: String) throws -> (any ObjectBackend)?
}

extension ObjectStoreConfiguration {
    /// The bucket or container a root's first component names; empty when it names none.
    /// (Azure's `container@account.dfs.core.windows.net` names the part before `@`.)
    public static func containerName(_ rootComponent: String) -> String {
        String(rootComponent.prefix { $0 != "@" })
    }

    /// Checks that a component config's `path` names a bucket or container, the rule making the
    /// store applies, so a root such as `gs://` is refused at registration instead of breaking
    /// every path of its scheme when used.
    /// - Returns: `config` unchanged.
    /// - Throws: ``StackModel/StackError`` naming the `path` field and what a root must hold.
    public static func checkRoot(of config: ComponentConfig, flavor: String) throws -> ComponentConfig {
        guard let path = config.text("path"), let root = try? ArtifactPath(parsing: path, keepEmptyComponents: true)
        else {
            return config
        }
        if containerName(root.components.first ?? "").isEmpty {
            throw StackError(.invalidConfig, "field 'path' of flavor '\(flavor)': '\(path)': \(rootRequirement)")
        }
        return config
    }
}
