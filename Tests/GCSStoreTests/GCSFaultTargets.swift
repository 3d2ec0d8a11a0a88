import TestServers

/// The requests of each gcp store operation the fault matrix aims at, and the faults it tries.
/// Object names travel percent-encoded in the path (`o/PREFIX%2Fobj.bin`), or in the query of an
/// upload, which is then told apart by its query's names.
enum GCSFaultTargets {
    static let targets: [FaultTarget] = [
        FaultTarget(
            name: "put.simpleUpload",
            operation: .put,
            match: RequestMatch(method: "POST", pathContains: "/upload/storage/v1/", queryLacks: ["name"]),
            retried: true,
            requests: 1,
            hasRequestBody: true,
            hasResponseBody: true
        ),
        FaultTarget(
            name: "multipart.startResumable",
            operation: .multipart,
            match: RequestMatch(method: "POST", pathContains: "/upload/storage/v1/", queryHas: ["name"]),
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: false
        ),
        FaultTarget(
            name: "multipart.resumableChunk",
            operation: .multipart,
            match: RequestMatch(method: "PUT", pathContains: "/upload/storage/v1/"),
            retried: false,
            requests: 3,
            hasRequestBody: true,
            hasResponseBody: false,
            retriedAfterErrorAnswers: true
        ),
        FaultTarget(
            name: "multipart.resumableLastChunk",
            operation: .multipart,
            match: RequestMatch(method: "PUT", pathContains: "/upload/storage/v1/"),
            occurrence: 3,
            retried: false,
            requests: 3,
            hasRequestBody: true,
            hasResponseBody: true,
            retriedAfterErrorAnswers: true
        ),
        FaultTarget(
            name: "rangedRead.open",
            operation: .rangedRead,
            match: RequestMatch(method: "GET", pathContains: "data.bin"),
            retried: true,
            requests: 2,
            hasRequestBody: false,
            hasResponseBody: true
        ),
        FaultTarget(
            name: "rangedRead.media",
            operation: .rangedRead,
            match: RequestMatch(method: "GET", pathContains: "data.bin"),
            occurrence: 2,
            retried: true,
            requests: 2,
            hasRequestBody: false,
            hasResponseBody: true
        ),
        FaultTarget(
            name: "listing.objects.list",
            operation: .listing,
            match: RequestMatch(method: "GET", queryHas: ["prefix"]),
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: true
        ),
        FaultTarget(
            name: "copy.rewriteTo",
            operation: .copy,
            match: RequestMatch(method: "POST", pathContains: "/rewriteTo/"),
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: true
        ),
        FaultTarget(
            name: "rename.rewriteTo",
            operation: .rename,
            match: RequestMatch(method: "POST", pathContains: "/rewriteTo/"),
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: true
        ),
        FaultTarget(
            name: "rename.delete",
            operation: .rename,
            match: RequestMatch(method: "DELETE", pathContains: "src.bin"),
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: false
        ),
        FaultTarget(
            name: "rmtree.batch",
            operation: .rmtree,
            match: RequestMatch(method: "POST", pathContains: "/batch/storage/v1"),
            retried: true,
            requests: 1,
            hasRequestBody: true,
            hasResponseBody: true
        ),
    ]

    /// The faults of the matrix (the JSON API has no error inside a `200 OK`).
    static let faults: [Fault] = [
        .resetBeforeForwarding, .resetBeforeHeaders, .resetAfterHeaders, .cutResponseBody(after: 100),
        .cutRequestBody(after: 10), .stall(seconds: 2), .slowDown, .tooManyRequests, .internalError,
    ]

    /// Every target under every fault that applies to it, once and persistent; but a batch the
    /// server refuses with a status on every attempt, whose deletes the store then sends one by one
    /// (``GCSBatchDelete``), so the rmtree rightly succeeds.
    static let cases = FaultCase.all(targets, faults: faults).filter { cell in
        guard cell.target.name == "rmtree.batch", cell.persistent, case .status = cell.fault else { return true }
        return false
    }
}
