import FileIO

/// A model-registry failure naming the model and version at fault.
/// A registry wraps its backend's failure (a metadata-store error, a server's answer) as `cause`.
public typealias ModelRegistryError = CodedError<ModelRegistryErrorCode>

/// The broad kind of a ``ModelRegistryError``, the kinds MLflow's error codes map onto too.
/// A struct over a private enum, so codes can be added later without breaking callers.
public struct ModelRegistryErrorCode: ArtifactFSErrorCode {
    private enum Kind: String, CaseIterable, Sendable {
        case alreadyExists, notFound, invalidValue, backend
    }
    private let kind: Kind
    private init(_ kind: Kind) { self.kind = kind }

    /// `RESOURCE_ALREADY_EXISTS`: a model, version or alias name that is already taken.
    public static let alreadyExists = Self(.alreadyExists)
    /// `RESOURCE_DOES_NOT_EXIST`: a model, version or alias that is not there.
    public static let notFound = Self(.notFound)
    /// `INVALID_PARAMETER_VALUE`: a malformed name, source or filter.
    public static let invalidValue = Self(.invalidValue)
    /// The registry's backend failed (a server, the database, the artifact store).
    public static let backend = Self(.backend)

    /// Every code, for looking one up by its ``description``.
    public static let allCodes = Kind.allCases.map(Self.init)

    /// The stable name such as `notFound`, which the plugin wire format carries.
    public var description: String { kind.rawValue }
}
