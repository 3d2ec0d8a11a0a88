/// What a flavor can do, declared up front so that `fileio` and the FUSE bridge refuse an
/// operation early and clearly instead of faking it (as OpenDAL's capability flags do).
public struct ArtifactStoreCapabilities: Sendable, Hashable, Codable {
    /// `open(path, "a")` adds to an existing file in place.
    public var append: Bool
    /// A write handle may seek backwards and overwrite bytes it already wrote.
    public var randomWrite: Bool
    /// `rename` is atomic: no reader sees both or neither name.
    public var atomicRename: Bool
    /// `copyfile` runs inside the store without the bytes passing through this process.
    public var serverSideCopy: Bool
    /// Empty directories exist on their own (not only as prefixes of files).
    public var emptyDirectories: Bool
    /// The store accepts no writes at all.
    public var readOnly: Bool

    /// Declares a store's capabilities; each defaults to what a POSIX file system offers.
    public init(
        append: Bool = true,
        randomWrite: Bool = true,
        atomicRename: Bool = true,
        serverSideCopy: Bool = true,
        emptyDirectories: Bool = true,
        readOnly: Bool = false
    ) {
        self.append = append
        self.randomWrite = randomWrite
        self.atomicRename = atomicRename
        self.serverSideCopy = serverSideCopy
        self.emptyDirectories = emptyDirectories
        self.readOnly = readOnly
    }
}
