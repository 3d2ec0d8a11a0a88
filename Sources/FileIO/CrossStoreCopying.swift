/// A store that can copy a file in from another store without the bytes passing through this
/// process (two containers of one cloud account: the service copies on its side). ``Transfer``
/// asks it first and streams only when it declines.
public protocol CrossStoreCopying: ArtifactStore {
    /// Copies the file `sourcePath` (`size` bytes) of `source` to `destinationPath` of this store on
    /// the server side; returns false, having changed nothing, when it cannot reach `source` that way.
    /// The caller has already checked the source is a file and applied the overwrite rule.
    /// - Throws: ``ArtifactStoreError`` naming `destinationPath` when the copy fails.
    func copyFile(
        from source: any ArtifactStore,
        _ sourcePath: String,
        size: UInt64,
        to destinationPath: String
    ) throws -> Bool
}
