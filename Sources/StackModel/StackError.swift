import FileIO

/// A failure of the stack model or its metadata store, naming the component, field or flag at fault.
/// Its message never contains a secret value; `cause` keeps the SQLite or YAML error it reports.
public typealias StackError = CodedError<StackErrorCode>

/// The broad kind of a ``StackError``. A struct over a private enum, so codes can be added later
/// without breaking callers that branch on them with a default.
public struct StackErrorCode: ArtifactFSErrorCode {
    private enum Kind: String, CaseIterable, Sendable {
        case notFound, alreadyExists, invalidConfig, secret, inUse, invalidArgument, storage, untrusted
    }
    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// A flavor, component, stack or secret that does not exist.
    public static let notFound = Self(.notFound)
    /// A name that is already taken.
    public static let alreadyExists = Self(.alreadyExists)
    /// A config that fails validation: unknown/missing field, wrong type, bad value.
    public static let invalidConfig = Self(.invalidConfig)
    /// A plain value given for a secret field, or a reference to a missing secret or key.
    public static let secret = Self(.secret)
    /// An operation refused because something depends on the target.
    public static let inUse = Self(.inUse)
    /// Bad input other than a config: a malformed flag, an unknown type, a bad file.
    public static let invalidArgument = Self(.invalidArgument)
    /// The metadata store itself failed (SQLite, the file system).
    public static let storage = Self(.storage)
    /// A plugin this machine may not build or load: not trusted here, or changed since it was
    /// pinned by content hash. Nothing of it ran.
    public static let untrusted = Self(.untrusted)

    /// Every code, for looking one up by its ``description``.
    public static let allCodes = Kind.allCases.map(Self.init)

    /// The stable name such as `notFound`, which the plugin wire format carries.
    public var description: String { kind.rawValue }
}
