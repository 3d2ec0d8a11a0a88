/// A failure of the stack model or its metadata store, naming the component, field or flag at fault.
/// Its message never contains a secret value.
public struct StackError: Error, Sendable, CustomStringConvertible {
    /// The broad kind of failure.
    public enum Code: String, Sendable {
        /// A flavor, component, stack or secret that does not exist.
        case notFound
        /// A name that is already taken.
        case alreadyExists
        /// A config that fails validation: unknown/missing field, wrong type, bad value.
        case invalidConfig
        /// A plain value given for a secret field, or a reference to a missing secret or key.
        case secret
        /// An operation refused because something depends on the target.
        case inUse
        /// Bad input other than a config: a malformed flag, an unknown type, a bad file.
        case invalidArgument
        /// The metadata store itself failed (SQLite, the file system).
        case storage
    }

    /// What kind of failure this is.
    public var code: Code
    /// The whole message, naming what is at fault.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
