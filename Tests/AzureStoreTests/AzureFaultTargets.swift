import TestServers
import Testing

/// One request of an azure store operation that a fault is aimed at: the operation, how the proxy
/// tells the request apart, and what the store may do when it fails.
struct AzureFaultTarget: Sendable, CustomTestStringConvertible {
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

    var testDescription: String { name }

    static let all: [AzureFaultTarget] = [
        AzureFaultTarget(
            name: "put.PutBlob",
            operation: .put,
            match: RequestMatch(
                method: "PUT",
                pathContains: "/obj.bin",
                queryLacks: ["comp"],
                headerLacks: ["x-ms-copy-source"]
            ),
            occurrence: 1,
            retried: true,
            requests: 1,
            hasRequestBody: true,
            hasResponseBody: false
        ),
        AzureFaultTarget(
            name: "multipart.PutBlock",
            operation: .multipart,
            match: RequestMatch(method: "PUT", pathContains: "/big.bin", queryHas: ["blockid"]),
            occurrence: 2,
            retried: true,
            requests: 3,
            hasRequestBody: true,
            hasResponseBody: false
        ),
        AzureFaultTarget(
            name: "multipart.PutBlockList",
            operation: .multipart,
            match: RequestMatch(method: "PUT", pathContains: "/big.bin", queryHas: ["comp"], queryLacks: ["blockid"]),
            occurrence: 1,
            retried: true,
            requests: 1,
            hasRequestBody: true,
            hasResponseBody: false
        ),
        AzureFaultTarget(
            name: "rangedRead.open",
            operation: .rangedRead,
            match: RequestMatch(method: "GET", pathContains: "/data.bin"),
            occurrence: 1,
            retried: true,
            requests: 2,
            hasRequestBody: false,
            hasResponseBody: true
        ),
        AzureFaultTarget(
            name: "rangedRead.GetBlob",
            operation: .rangedRead,
            match: RequestMatch(method: "GET", pathContains: "/data.bin"),
            occurrence: 2,
            retried: true,
            requests: 2,
            hasRequestBody: false,
            hasResponseBody: true
        ),
        AzureFaultTarget(
            name: "listing.ListBlobs",
            operation: .listing,
            match: RequestMatch(method: "GET", queryHas: ["restype"]),
            occurrence: 1,
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: true
        ),
        AzureFaultTarget(
            name: "copy.CopyBlob",
            operation: .copy,
            match: RequestMatch(method: "PUT", pathContains: "/dst.bin", headerHas: ["x-ms-copy-source"]),
            occurrence: 1,
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: false
        ),
        AzureFaultTarget(
            name: "rename.CopyBlob",
            operation: .rename,
            match: RequestMatch(method: "PUT", pathContains: "/dst.bin", headerHas: ["x-ms-copy-source"]),
            occurrence: 1,
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: false
        ),
        AzureFaultTarget(
            name: "rename.DeleteBlob",
            operation: .rename,
            match: RequestMatch(method: "DELETE", pathContains: "/src.bin"),
            occurrence: 1,
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: false
        ),
        AzureFaultTarget(
            name: "rmtree.DeleteBlob",
            operation: .rmtree,
            match: RequestMatch(method: "DELETE", pathContains: "/tree/"),
            occurrence: 1,
            retried: true,
            requests: 3,
            hasRequestBody: false,
            hasResponseBody: false
        ),
    ]
}

/// One cell of the fault matrix: a target, a fault, and whether the fault hits once or persists.
struct AzureFaultCase: Sendable, CustomTestStringConvertible {
    let target: AzureFaultTarget
    let fault: Fault
    /// True when every request of the target from its occurrence on meets the fault.
    let persistent: Bool

    var testDescription: String { "\(target.name) × \(fault)\(persistent ? " × every attempt" : " × once")" }

    /// The faults of the matrix.
    static let faults: [Fault] = [
        .resetBeforeForwarding, .resetBeforeHeaders, .resetAfterHeaders, .cutResponseBody(after: 100),
        .cutRequestBody(after: 10), .stall(seconds: 2), .slowDown, .tooManyRequests, .internalError,
    ]

    /// Every target under every fault that applies to it, once and persistent.
    static let all: [AzureFaultCase] = AzureFaultTarget.all.flatMap { target in
        faults.filter { fault in
            switch fault {
            case .cutRequestBody: target.hasRequestBody
            default: true
            }
        }.flatMap { fault in [false, true].map { AzureFaultCase(target: target, fault: fault, persistent: $0) } }
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
