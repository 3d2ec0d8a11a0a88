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
    /// The POSIX metadata the store keeps; an operation on metadata it does not keep is refused.
    public var metadata: MetadataCapabilities

    /// Declares a store's capabilities; each defaults to what a POSIX file system offers.
    public init(
        append: Bool = true,
        randomWrite: Bool = true,
        atomicRename: Bool = true,
        serverSideCopy: Bool = true,
        emptyDirectories: Bool = true,
        readOnly: Bool = false,
        metadata: MetadataCapabilities = []
    ) {
        self.append = append
        self.randomWrite = randomWrite
        self.atomicRename = atomicRename
        self.serverSideCopy = serverSideCopy
        self.emptyDirectories = emptyDirectories
        self.readOnly = readOnly
        self.metadata = metadata
    }

    private enum CodingKeys: String, CodingKey {
        case append, randomWrite, atomicRename, serverSideCopy, emptyDirectories, readOnly, metadata
    }

    /// Decodes capabilities; a declaration from before ``metadata`` existed keeps none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        append = try container.decode(Bool.self, forKey: .append)
        randomWrite = try container.decode(Bool.self, forKey: .randomWrite)
        atomicRename = try container.decode(Bool.self, forKey: .atomicRename)
        serverSideCopy = try container.decode(Bool.self, forKey: .serverSideCopy)
        emptyDirectories = try container.decode(Bool.self, forKey: .emptyDirectories)
        readOnly = try container.decode(Bool.self, forKey: .readOnly)
        metadata = try container.decodeIfPresent(MetadataCapabilities.self, forKey: .metadata) ?? []
    }
}

/// The POSIX metadata a store keeps beyond names and bytes. Off unless a store declares it: a
/// store that does not keep something refuses to change it rather than pretend.
public struct MetadataCapabilities: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Permission bits (`chmod`).
    public static let permissions = MetadataCapabilities(rawValue: 1 << 0)
    /// Owner and group (`chown`).
    public static let ownership = MetadataCapabilities(rawValue: 1 << 1)
    /// Access and modification times that can be set (`utimensat`).
    public static let timestamps = MetadataCapabilities(rawValue: 1 << 2)
    /// Symbolic links (`symlink`, `readlink`).
    public static let symbolicLinks = MetadataCapabilities(rawValue: 1 << 3)
    /// Several names for one file (`link`).
    public static let hardLinks = MetadataCapabilities(rawValue: 1 << 4)
    /// FIFOs, sockets and device nodes (`mknod`).
    public static let specialFiles = MetadataCapabilities(rawValue: 1 << 5)
    /// Extended attributes (`getxattr` and the rest).
    public static let extendedAttributes = MetadataCapabilities(rawValue: 1 << 6)

    /// Everything a POSIX file system keeps.
    public static let posix: MetadataCapabilities = [
        .permissions, .ownership, .timestamps, .symbolicLinks, .hardLinks, .specialFiles, .extendedAttributes,
    ]
}
