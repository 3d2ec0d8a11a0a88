/// The shape every error ArtifactFS shows users has: a growable code, a message, the cause and
/// where it was raised.
///
/// ``ArtifactStoreError``, `StackError`, `ModelRegistryError` and `MountError` conform, so the CLI
/// reports all of them in one place and logs get the same detail from each. Its `description` is
/// the message (the text users see); its `debugDescription` adds the code, cause and location.
public protocol ArtifactFSError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The kind of code this error carries.
    associatedtype Code: ArtifactFSErrorCode

    /// The broad class of failure, for callers that branch on it.
    var code: Code { get }
    /// What went wrong, naming what is at fault; never contains secrets.
    var message: String { get }
    /// The underlying error, if any, kept for logs.
    var cause: (any Error & Sendable)? { get }
    /// Where in ArtifactFS the error was raised, for logs.
    var location: SourceLocation { get }
}

extension ArtifactFSError {
    /// The message, the text the CLI prints after `artifactfs: `.
    public var description: String { message }

    /// The description plus code, cause and source location, for logs.
    public var debugDescription: String {
        var text = "\(Self.self)(\(code)): \(description)"
        if let cause { text += " [cause: \(String(reflecting: cause))]" }
        return text + " at \(location)"
    }
}

/// An ``ArtifactFSError`` that is a code, a message, a cause and a location and nothing more.
///
/// `StackError`, `ModelRegistryError` and `MountError` are this struct over their own code type,
/// so each module names its codes while the error itself is written once. An error about a path
/// is an ``ArtifactStoreError`` instead.
public struct CodedError<Code: ArtifactFSErrorCode>: ArtifactFSError {
    /// The broad class of failure.
    public var code: Code
    /// The whole message, naming what is at fault; never contains secrets.
    public var message: String
    /// The underlying error, if any: the failure this one wraps.
    public var cause: (any Error & Sendable)?
    /// Where in ArtifactFS the error was raised, for logs.
    public var location: SourceLocation

    /// Creates an error; `location` defaults to the call site.
    /// Pass the error this one reports as `cause` so logs keep it.
    public init(
        _ code: Code,
        _ message: String,
        cause: (any Error & Sendable)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        location = SourceLocation(file: file, line: line)
    }
}

/// A code of an ``ArtifactFSError``: a struct with static members, so codes can be added later
/// without breaking callers that branch on them with a default.
///
/// Its `description` is the code's stable name (`notFound`): the plugin wire format and `--json`
/// output carry it, and ``init(name:)`` or decoding turns it back into the code.
public protocol ArtifactFSErrorCode: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Every code of this kind, for looking one up by its name.
    static var allCodes: [Self] { get }
}

extension ArtifactFSErrorCode {
    /// The code whose name (``description``) is `name`, such as `notFound`, if any.
    /// Use it to read a code back from the wire or a file.
    public init?(name: String) {
        guard let code = Self.allCodes.first(where: { $0.description == name }) else { return nil }
        self = code
    }

    /// Decodes a code from its name, a single JSON string as the earlier `enum` codes wrote.
    /// - Throws: `DecodingError.dataCorrupted` for a name that is no code of this kind.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let name = try container.decode(String.self)
        guard let code = Self(name: name) else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "no \(Self.self) is named '\(name)'"
            )
        }
        self = code
    }

    /// Encodes the code as its name, a single string.
    /// - Throws: what the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A source position inside ArtifactFS, kept so logs can say where an error was raised.
/// Errors fill it from `#fileID` and `#line` at the call that creates them.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    /// The `#fileID` of the raising code.
    public var file: String
    /// The line of the raising code.
    public var line: Int

    /// Creates a location; errors pass their initializer's `#fileID` and `#line` defaults.
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// `Module/File.swift:42`, as logs print it.
    public var description: String { "\(file):\(line)" }
}
