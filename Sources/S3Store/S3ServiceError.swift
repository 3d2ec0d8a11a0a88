/// An error answer from an S3 server: its status and the `<Error>` document's fields.
public struct S3ServiceError: Error, Sendable, CustomStringConvertible {
    /// The HTTP status.
    public var status: Int
    /// S3's error code (`NoSuchKey`, `NoSuchBucket`, `AccessDenied`, `SlowDown`); empty for HEAD.
    public var code: String
    /// S3's message.
    public var message: String
    /// The request id, for the server's logs.
    public var requestID: String?
    /// The operation (`GetObject`, `PutObject`, ...).
    public var operation: String

    public var description: String {
        var text = "\(operation): HTTP \(status)"
        if !code.isEmpty { text += " \(code)" }
        if !message.isEmpty { text += ": \(message)" }
        if let requestID { text += " (request id \(requestID))" }
        return text
    }
}
