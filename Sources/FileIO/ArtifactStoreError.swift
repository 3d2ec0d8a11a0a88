#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one error every artifact store and `fileio` throws.
///
/// It names the path it is about, says what went wrong in words a user can act on, and keeps the
/// underlying cause (an errno, an HTTP status, another error) for logs. Its ``Code`` maps onto one
/// errno, so the FUSE bridge can answer the kernel without knowing which flavor failed.
public struct ArtifactStoreError: ArtifactFSError {
    /// The broad class of failure; each code maps onto one errno (see ``Code/errno``).
    public var code: Code
    /// The path (or URI) the failure is about, exactly as the caller gave it where possible.
    public var path: String
    /// What went wrong, naming the field, flag or operation at fault; never contains secrets.
    public var message: String
    /// The underlying error, if any: a system call's errno, a server's answer, a nested store error.
    public var cause: (any Error & Sendable)?
    /// Where in ArtifactFS the error was raised, for detailed logs.
    public var location: SourceLocation

    /// Creates an error; `location` defaults to the call site.
    public init(
        _ code: Code,
        path: String,
        _ message: String,
        cause: (any Error & Sendable)? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.path = path
        self.message = message
        self.cause = cause
        self.location = SourceLocation(file: file, line: line)
    }

    /// The errno the FUSE bridge answers with: the failed system call's own when there was one
    /// (so a mounted local store answers exactly as the disk does), else the code's.
    public var errno: Int32 { (cause as? SystemCallError)?.errno ?? code.errno }
}

extension ArtifactStoreError {
    /// `<path>: <message>`, the form the CLI prints after `artifactfs: `.
    public var description: String {
        path.isEmpty ? message : "\(path): \(message)"
    }

    /// A high-level kind of failure. A struct over a private enum, so codes can be added later
    /// without breaking callers that switch over them with a default.
    public struct Code: ArtifactFSErrorCode {
        private enum Kind: String, CaseIterable, Sendable {
            case notFound, alreadyExists, notADirectory, isADirectory, directoryNotEmpty
            case permissionDenied, readOnly, invalidPath, invalidArgument, unsupportedScheme
            case unsupportedOperation, io, notPermitted, nameTooLong, noSuchAttribute
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }

        /// The path does not exist. Maps to `ENOENT`.
        public static let notFound = Code(.notFound)
        /// The destination exists and overwriting was not asked for. Maps to `EEXIST`.
        public static let alreadyExists = Code(.alreadyExists)
        /// A directory operation met a file, or a path goes through a file. Maps to `ENOTDIR`.
        public static let notADirectory = Code(.notADirectory)
        /// A file operation met a directory. Maps to `EISDIR`.
        public static let isADirectory = Code(.isADirectory)
        /// A directory to remove or replace still has entries. Maps to `ENOTEMPTY`.
        public static let directoryNotEmpty = Code(.directoryNotEmpty)
        /// The store or the system refused access. Maps to `EACCES`.
        public static let permissionDenied = Code(.permissionDenied)
        /// The store is read-only. Maps to `EROFS`.
        public static let readOnly = Code(.readOnly)
        /// The path is malformed or lies outside the store's root. Maps to `EINVAL`.
        public static let invalidPath = Code(.invalidPath)
        /// An argument other than a path is wrong: an unknown open mode, a closed handle. Maps to `EINVAL`.
        public static let invalidArgument = Code(.invalidArgument)
        /// No registered store serves the path's scheme. Maps to `EPROTONOSUPPORT`.
        public static let unsupportedScheme = Code(.unsupportedScheme)
        /// The store cannot do this operation (see its capabilities). Maps to `ENOTSUP`.
        public static let unsupportedOperation = Code(.unsupportedOperation)
        /// The underlying I/O failed; ``ArtifactStoreError/cause`` says how. Maps to `EIO`.
        public static let io = Code(.io)
        /// The operation is not allowed on this path at all (a hard link on a store without
        /// them, changing an owner without the right). Maps to `EPERM`.
        public static let notPermitted = Code(.notPermitted)
        /// A name or path is longer than the store takes. Maps to `ENAMETOOLONG`.
        public static let nameTooLong = Code(.nameTooLong)
        /// The extended attribute asked for is not set. Maps to `ENODATA`.
        public static let noSuchAttribute = Code(.noSuchAttribute)

        /// Every code, for looking one up by its ``description``.
        public static let allCodes = Kind.allCases.map(Code.init)

        /// The errno this code stands for.
        public var errno: Int32 {
            switch kind {
            case .notFound: ENOENT
            case .alreadyExists: EEXIST
            case .notADirectory: ENOTDIR
            case .isADirectory: EISDIR
            case .directoryNotEmpty: ENOTEMPTY
            case .permissionDenied: EACCES
            case .readOnly: EROFS
            case .invalidPath, .invalidArgument: EINVAL
            case .unsupportedScheme: EPROTONOSUPPORT
            case .unsupportedOperation: ENOTSUP
            case .io: EIO
            case .notPermitted: EPERM
            case .nameTooLong: ENAMETOOLONG
            case .noSuchAttribute: ENODATA
            }
        }

        /// A short machine-friendly name such as `notFound`, used in `--json` output.
        public var description: String { kind.rawValue }
    }
}

/// An errno captured from a failed system call, kept as an error's ``ArtifactStoreError/cause``.
public struct SystemCallError: Error, Sendable, CustomStringConvertible {
    /// The system call that failed, e.g. `open`.
    public var call: String
    /// The errno it set.
    public var errno: Int32

    /// Captures a failed call's errno.
    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    /// `open: No such file or directory (errno 2)`.
    public var description: String {
        "\(call): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}
