import TestServers
import Testing

/// One request of an s3 store operation that a fault is aimed at: the operation, how the proxy
/// tells the request apart, and what the store may do when it fails.
struct S3FaultTarget: Sendable, CustomTestStringConvertible {
    /// The store operations of the matrix.
    enum Operation: String, Sendable {
        case put, multipart, rangedRead, listing, copy, rename, rmtree
    }

    /// `operation.request`, for test names and messages.
    let name: String
    let operation: Operation
    /// The requests of the operation the fault may hit.
    let match: RequestMatch
    /// Which of the matching requests a single fault hits; a persistent fault hits it and every later one.
    let occurrence: Int
    /// True when the client may repeat the request (it is idempotent), so a single transient fault
    /// must be retried away.
    let retried: Bool
    /// How many matching requests the operation sends when nothing fails: with the attempts per
    /// request, the bound on what the proxy may see.
    let requests: Int
    /// Whether the request has a body to cut.
    let hasRequestBody: Bool
    /// Whether the response has a body, so a cut or a reset after the headers reaches the client.
    let hasResponseBody: Bool
    /// Whether S3 may answer the request with an `<Error>` inside a `200 OK` (copies, completions).
    let mayEmbedError: Bool

    var testDescription: String { name }

    static let all: [S3FaultTarget] = [
        S3FaultTarget(
            name: "put.PutObject",
            operation: .put,
            match: RequestMatch(
                method: "PUT",
                pathContains: "/obj.bin",
                queryLacks: ["uploadId"],
                headerLacks: ["x-amz-copy-source"]
            ),
            occurrence: 1,
            retried: true,
            requests: 1,
            hasRequestBody: true,
            hasResponseBody: false,
            mayEmbedError: false
        ),
        S3FaultTarget(
            name: "multipart.CreateMultipartUpload",
            operation: .multipart,
            match: RequestMatch(method: "POST", pathContains: "/big.bin", queryHas: ["uploads"]),
            occurrence: 1,
            retried: false,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: true,
            mayEmbedError: false
        ),
        S3FaultTarget(
            name: "multipart.UploadPart",
            operation: .multipart,
            match: RequestMatch(method: "PUT", pathContains: "/big.bin", queryHas: ["uploadId"]),
            occurrence: 2,
            retried: true,
            requests: 3,
            hasRequestBody: true,
            hasResponseBody: false,
            mayEmbedError: false
        ),
        S3FaultTarget(
            name: "multipart.CompleteMultipartUpload",
            operation: .multipart,
            match: RequestMatch(method: "POST", pathContains: "/big.bin", queryHas: ["uploadId"]),
            occurrence: 1,
            retried: true,
            requests: 1,
            hasRequestBody: true,
            hasResponseBody: true,
            mayEmbedError: true
        ),
        S3FaultTarget(
            name: "rangedRead.open",
            operation: .rangedRead,
            match: RequestMatch(method: "GET", pathContains: "/data.bin"),
            occurrence: 1,
            retried: true,
            requests: 2,
            hasRequestBody: false,
            hasResponseBody: true,
            mayEmbedError: false
        ),
        S3FaultTarget(
            name: "rangedRead.GetObject",
            operation: .rangedRead,
            match: RequestMatch(method: "GET", pathContains: "/data.bin"),
            occurrence: 2,
            retried: true,
            requests: 2,
            hasRequestBody: false,
            hasResponseBody: true,
            mayEmbedError: false
        ),
        S3FaultTarget(
            name: "listing.ListObjectsV2",
            operation: .listing,
            match: RequestMatch(method: "GET", queryHas: ["list-type"]),
            occurrence: 1,
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: true,
            mayEmbedError: false
        ),
        S3FaultTarget(
            name: "copy.CopyObject",
            operation: .copy,
            match: RequestMatch(method: "PUT", pathContains: "/dst.bin", headerHas: ["x-amz-copy-source"]),
            occurrence: 1,
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: true,
            mayEmbedError: true
        ),
        S3FaultTarget(
            name: "rename.CopyObject",
            operation: .rename,
            match: RequestMatch(method: "PUT", pathContains: "/dst.bin", headerHas: ["x-amz-copy-source"]),
            occurrence: 1,
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: true,
            mayEmbedError: true
        ),
        S3FaultTarget(
            name: "rename.DeleteObject",
            operation: .rename,
            match: RequestMatch(method: "DELETE", pathContains: "/src.bin"),
            occurrence: 1,
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: false,
            mayEmbedError: false
        ),
        S3FaultTarget(
            name: "rmtree.DeleteObjects",
            operation: .rmtree,
            match: RequestMatch(method: "POST", queryHas: ["delete"]),
            occurrence: 1,
            retried: true,
            requests: 2,
            hasRequestBody: true,
            hasResponseBody: true,
            mayEmbedError: false
        ),
    ]
}

/// One cell of the fault matrix: a target, a fault, and whether the fault hits once or persists.
struct S3FaultCase: Sendable, CustomTestStringConvertible {
    let target: S3FaultTarget
    let fault: Fault
    /// True when every request of the target from its occurrence on meets the fault.
    let persistent: Bool

    var testDescription: String { "\(target.name) × \(fault)\(persistent ? " × every attempt" : " × once")" }

    /// The faults of the matrix.
    static let faults: [Fault] = [
        .resetBeforeForwarding, .resetBeforeHeaders, .resetAfterHeaders, .cutResponseBody(after: 100),
        .cutRequestBody(after: 10), .stall(seconds: 2), .slowDown, .tooManyRequests, .internalError,
        .errorInside200(code: "InternalError"),
    ]

    /// Every target under every fault that applies to it, once and persistent.
    static let all: [S3FaultCase] = S3FaultTarget.all.flatMap { target in
        faults.filter { fault in
            switch fault {
            case .cutRequestBody: target.hasRequestBody
            case .errorInside200: target.mayEmbedError
            default: true
            }
        }.flatMap { fault in [false, true].map { S3FaultCase(target: target, fault: fault, persistent: $0) } }
    }

    /// The proxy rule: the target's occurrence, or it and every later one.
    var rule: FaultRule {
        persistent
            ? FaultRule(fault, on: target.match, schedule: .from(target.occurrence))
            : .nth(target.occurrence, target.match, fault)
    }

    /// True when the fault keeps the client from a whole answer (a reset after an empty body's
    /// headers does not: the answer was complete).
    var reachesClient: Bool {
        switch fault {
        case .resetAfterHeaders, .cutResponseBody: target.hasResponseBody
        default: true
        }
    }
}
