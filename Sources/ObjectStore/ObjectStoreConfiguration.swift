import FileIO

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
