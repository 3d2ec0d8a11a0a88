/// One HTTP request, protocol-neutral: what a flavor signs and the client sends.
public struct HTTPRequest: Sendable {
    /// `GET`, `PUT`, `HEAD`, `POST`, `DELETE`.
    public var method: String
    /// The full URL, already percent-encoded as the server must see it.
    public var url: String
    /// Header fields in the order they are sent.
    public var headers: [(name: String, value: String)]
    /// True when sending the request twice has the same effect as once, so it may be retried.
    public var idempotent: Bool

    /// Describes a request.
    public init(method: String, url: String, headers: [(name: String, value: String)] = [], idempotent: Bool = true) {
        self.method = method
        self.url = url
        self.headers = headers
        self.idempotent = idempotent
    }
}

/// What came back: the status, the header fields (names lowercased) and, unless the body went into
/// a caller's buffer, the body.
public struct HTTPResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// Header fields by lowercased name; a repeated field keeps its last value.
    public var headers: [String: String]
    /// The collected body (empty when it was written into a caller's buffer).
    public var body: [UInt8]
    /// How many body bytes were written into the caller's buffer.
    public var bytesReceived: Int

    /// The value of a header field, looked up case-insensitively.
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// True for 2xx statuses.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The whole resource's length from a partial answer's `Content-Range: bytes A-B/TOTAL`;
    /// `nil` when the header is missing or the length unknown (`*`).
    public var contentRangeTotal: UInt64? {
        guard let range = header("content-range"), let slash = range.lastIndex(of: "/") else { return nil }
        return UInt64(range[range.index(after: slash)...])
    }
}

/// Where a response body goes.
public enum ResponseBody {
    /// Collected into ``HTTPResponse/body`` (listings, error documents, small objects).
    case collect
    /// Written straight into this memory (a ranged GET presized from the range); a successful body
    /// longer than the buffer fails the transfer. Error bodies are collected instead.
    case into(UnsafeMutableRawBufferPointer)
}
