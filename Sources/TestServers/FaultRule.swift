/// What a ``FaultProxy`` does to one request instead of passing it through.
public enum Fault: Sendable, Hashable, CustomStringConvertible {
    /// Resets the client's connection before the request reaches the server: the server never sees it.
    case resetBeforeForwarding
    /// Forwards the request, lets the server act on it, then resets the client's connection before
    /// any response header: the client cannot tell whether the request took effect.
    case resetBeforeHeaders
    /// Forwards the response's status line and headers, then resets the connection (no body byte).
    case resetAfterHeaders
    /// Forwards the response's headers and its first `bytes` body bytes (as they travel, chunk
    /// framing included), then resets the connection.
    case cutResponseBody(after: Int)
    /// Forwards the request's head and its first `bytes` body bytes to the server, then resets both
    /// connections: the server sees an upload break off.
    case cutRequestBody(after: Int)
    /// Forwards the request, then sends nothing for `seconds` (longer than the client's stall
    /// timeout, so it gives up) and resets the connection.
    case stall(seconds: Double)
    /// Answers `status` itself, without forwarding, with an S3-style `<Error>` document of `code`
    /// and a `Retry-After` of `retryAfter` seconds when given (`503 SlowDown`, `429`, `500`).
    case status(Int, code: String, retryAfter: Int? = nil)
    /// Answers `200 OK` itself, without forwarding, with an `<Error>` document of `code` as its body:
    /// how S3 reports a CopyObject or CompleteMultipartUpload that failed after the headers went out.
    case errorInside200(code: String)

    /// `503 SlowDown` with `Retry-After: 1`, S3's answer to too many requests.
    public static let slowDown = Fault.status(503, code: "SlowDown", retryAfter: 1)
    /// `429 Too Many Requests`, Cloud Storage's and Azure's rate limit.
    public static let tooManyRequests = Fault.status(429, code: "TooManyRequests", retryAfter: 1)
    /// `500 InternalError`.
    public static let internalError = Fault.status(500, code: "InternalError")

    public var description: String {
        switch self {
        case .resetBeforeForwarding: "reset before forwarding (the server never saw it)"
        case .resetBeforeHeaders: "reset before the response headers (the server ran it)"
        case .resetAfterHeaders: "reset after the response headers"
        case .cutResponseBody(let bytes): "response body cut after \(bytes) bytes"
        case .cutRequestBody(let bytes): "request body cut after \(bytes) bytes"
        case .stall(let seconds): "stalled \(seconds) s, then reset"
        case .status(let status, let code, let retryAfter):
            "answered \(status) \(code)" + (retryAfter.map { " with Retry-After: \($0)" } ?? "")
        case .errorInside200(let code): "answered 200 OK with an <Error> \(code) body"
        }
    }
}

/// Which requests a ``FaultRule`` applies to: every condition given must hold. Query parameters
/// and headers are matched by name only (their values may be secret, a SAS signature).
public struct RequestMatch: Sendable, Hashable, CustomStringConvertible {
    /// The method (`PUT`), or any.
    public var method: String?
    /// Text the path (without the query) must contain, or any.
    public var pathContains: String?
    /// Query parameters that must be present (`uploadId`).
    public var queryHas: [String]
    /// Query parameters that must be absent (a single PUT has no `uploadId`).
    public var queryLacks: [String]
    /// Header fields that must be present, by name, case-insensitively (`x-amz-copy-source`).
    public var headerHas: [String]
    /// Header fields that must be absent.
    public var headerLacks: [String]

    /// Describes a match; with no arguments it matches every request.
    public init(
        method: String? = nil,
        pathContains: String? = nil,
        queryHas: [String] = [],
        queryLacks: [String] = [],
        headerHas: [String] = [],
        headerLacks: [String] = []
    ) {
        self.method = method
        self.pathContains = pathContains
        self.queryHas = queryHas
        self.queryLacks = queryLacks
        self.headerHas = headerHas
        self.headerLacks = headerLacks
    }

    /// True when `request` meets every condition.
    public func matches(_ request: ProxiedRequest) -> Bool {
        if let method, request.method != method { return false }
        if let pathContains, !request.path.contains(pathContains) { return false }
        let headers = Set(request.headerNames.map { $0.lowercased() })
        return queryHas.allSatisfy(request.queryNames.contains)
            && !queryLacks.contains(where: request.queryNames.contains)
            && headerHas.allSatisfy { headers.contains($0.lowercased()) }
            && !headerLacks.contains { headers.contains($0.lowercased()) }
    }

    public var description: String {
        var parts = [method ?? "any request"]
        if let pathContains { parts.append("to a path containing '\(pathContains)'") }
        if !queryHas.isEmpty { parts.append("with ?" + queryHas.joined(separator: "&")) }
        if !queryLacks.isEmpty { parts.append("without ?" + queryLacks.joined(separator: "&")) }
        if !headerHas.isEmpty { parts.append("with header " + headerHas.joined(separator: ", ")) }
        if !headerLacks.isEmpty { parts.append("without header " + headerLacks.joined(separator: ", ")) }
        return parts.joined(separator: " ")
    }
}

/// A request as the proxy saw it: what rules match on and the log shows. Query values are not kept.
public struct ProxiedRequest: Sendable, Hashable {
    /// The method.
    public var method: String
    /// The path of the request target, without its query.
    public var path: String
    /// The names of the query parameters, in order.
    public var queryNames: [String]
    /// The names of the header fields, as sent.
    public var headerNames: [String]

    /// Describes a request.
    public init(method: String, path: String, queryNames: [String], headerNames: [String]) {
        self.method = method
        self.path = path
        self.queryNames = queryNames
        self.headerNames = headerNames
    }
}

/// One fault and the requests it hits: those `match` selects, then of those the occurrences of
/// `schedule` (the 2nd, every one, a seeded share), at most `limit` times.
public struct FaultRule: Sendable, Hashable, CustomStringConvertible {
    /// Which of the matching requests get the fault.
    public enum Schedule: Sendable, Hashable {
        /// These occurrences, counted from 1 among the matching requests.
        case occurrences(Set<Int>)
        /// This occurrence and every later one: a fault that persists once it starts.
        case from(Int)
        /// Every matching request.
        case every
        /// Each matching request with this probability, drawn from the proxy's seeded generator.
        case rate(Double)
    }

    /// What the fault is.
    public var fault: Fault
    /// Which requests it may hit.
    public var match: RequestMatch
    /// Which of those it hits.
    public var schedule: Schedule
    /// The most requests it hits; `nil`: no limit.
    public var limit: Int?

    /// Describes a rule; by default it hits the first matching request only.
    public init(
        _ fault: Fault,
        on match: RequestMatch = RequestMatch(),
        schedule: Schedule = .occurrences([1]),
        limit: Int? = nil
    ) {
        self.fault = fault
        self.match = match
        self.schedule = schedule
        self.limit = limit
    }

    /// A rule hitting the `occurrence`-th matching request (1 for the first).
    public static func nth(_ occurrence: Int, _ match: RequestMatch, _ fault: Fault) -> FaultRule {
        FaultRule(fault, on: match, schedule: .occurrences([occurrence]))
    }

    /// A rule hitting every matching request.
    public static func every(_ match: RequestMatch, _ fault: Fault) -> FaultRule {
        FaultRule(fault, on: match, schedule: .every)
    }

    public var description: String {
        let which =
            switch schedule {
            case .occurrences(let numbers): "occurrence " + numbers.sorted().map(String.init).joined(separator: ", ")
            case .from(let first): "occurrence \(first) and every later one"
            case .every: "every one"
            case .rate(let rate): "rate \(rate)"
            }
        return "\(fault) on \(match) (\(which)\(limit.map { ", at most \($0)" } ?? ""))"
    }
}

/// What the proxy did to one request, in arrival order: the line a failing test prints.
public struct FaultEvent: Sendable, CustomStringConvertible {
    /// The request's number, from 1, in the order requests arrived.
    public var number: Int
    /// The request.
    public var request: ProxiedRequest
    /// The fault injected, `nil` when the request passed through.
    public var fault: Fault?
    /// The server's status, when a response came back and was passed on (or the injected status).
    public var status: Int?

    public var description: String {
        let query = request.queryNames.isEmpty ? "" : "?" + request.queryNames.joined(separator: "&")
        let outcome = fault.map(String.init(describing:)) ?? status.map { "passed, \($0)" } ?? "passed, no response"
        return "#\(number) \(request.method) \(request.path)\(query): \(outcome)"
    }
}

/// SplitMix64: a small seeded generator, so a rate-based run repeats exactly for the same seed.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    /// Creates the generator whose sequence `seed` names.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
