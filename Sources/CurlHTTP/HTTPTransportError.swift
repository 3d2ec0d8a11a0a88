/// A request that got no HTTP answer: the connection failed, timed out or broke.
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    /// The libcurl result code (`CURLcode`).
    public var curlCode: Int
    /// libcurl's own words for it, with detail such as the address it tried.
    public var message: String
    /// The URL of the request.
    public var url: String
    /// How many attempts were made before giving up.
    public var attempts: Int

    /// True when the server could not be reached at all (resolve or connect failed).
    public var isUnreachable: Bool { curlCode == 6 || curlCode == 7 }

    /// True when a successful body was longer than the buffer it was to be written into
    /// (`CURLE_WRITE_ERROR`, which only that refusal raises): the server ignored a range.
    public var isBodyTooLong: Bool { curlCode == 23 }

    /// True for failures worth retrying: connect errors, timeouts, broken or empty responses.
    public var isTransient: Bool {
        // COULDNT_RESOLVE_HOST 6, COULDNT_CONNECT 7, PARTIAL_FILE 18, OPERATION_TIMEDOUT 28,
        // GOT_NOTHING 52, SEND_ERROR 55, RECV_ERROR 56, SEND_FAIL_REWIND 65, HTTP2 16, HTTP2_STREAM 92
        [6, 7, 16, 18, 28, 52, 55, 56, 65, 92].contains(curlCode)
    }

    public var description: String {
        "\(message) (curl error \(curlCode), \(attempts) attempt\(attempts == 1 ? "" : "s"))"
    }
}
