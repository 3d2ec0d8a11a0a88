/// A store whose files are files of this machine's file system. The mount reads and writes them
/// in place through a descriptor, as the disk does (other readers see each write, hard links and
/// inode numbers hold), instead of staging a copy and publishing it at close.
public protocol InPlaceFileStore: ArtifactStore {
    /// Opens the file at `path` with `open(2)` flags (`O_CREAT` makes it with `permissions`);
    /// the caller owns and closes the descriptor.
    /// - Throws: the errno of `open(2)` as an ``ArtifactStoreError``.
    func openDescriptor(_ path: String, flags: Int32, permissions: UInt16) throws -> Int32

    /// The metadata of an open descriptor (`fstat(2)`), right even after a rename or unlink.
    func info(ofDescriptor descriptor: Int32, path: String) throws -> FileInfo
}
