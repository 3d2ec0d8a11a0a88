import FileIO

/// Why a mount could not start, or an unmount failed: names the mountpoint and what is wrong with
/// it, in words a user can act on; `cause` keeps the store's or the system's error.
public typealias MountError = CodedError<MountErrorCode>

/// The broad kind of a ``MountError``. A struct over a private enum, so codes can be added later
/// without breaking callers that branch on them with a default.
public struct MountErrorCode: ArtifactFSErrorCode {
    private enum Kind: String, CaseIterable, Sendable {
        case invalidMountpoint, invalidRoot, invalidOption, notMounted, unavailable, failed
    }
    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// The mountpoint cannot take a mount: missing, a file, not empty, already mounted, a dead mount.
    public static let invalidMountpoint = Self(.invalidMountpoint)
    /// The folder of the store to mount is a file.
    public static let invalidRoot = Self(.invalidRoot)
    /// A mount option's value is malformed; the message names the option.
    public static let invalidOption = Self(.invalidOption)
    /// The path to unmount is no artifactfs mount.
    public static let notMounted = Self(.notMounted)
    /// Something the mount needs is not there: `/dev/fuse`, or the store does not answer.
    public static let unavailable = Self(.unavailable)
    /// libfuse, the mount process or `fusermount3` failed; the message says how.
    public static let failed = Self(.failed)

    /// Every code, for looking one up by its ``description``.
    public static let allCodes = Kind.allCases.map(Self.init)

    /// The stable name such as `invalidMountpoint`.
    public var description: String { kind.rawValue }
}
