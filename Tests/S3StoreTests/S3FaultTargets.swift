import TestServers

/// The requests of each s3 store operation the fault matrix aims at, and the faults it tries.
enum S3FaultTargets {
    static let targets: [FaultTarget] = [
        FaultTarget(
            name: "put.PutObject",
            operation: .put,
            match: RequestMatch(
                method: "PUT",
                pathContains: "/obj.bin",
                queryLacks: ["uploadId"],
                headerLacks: ["x-amz-copy-source"]
            ),
            retried: true,
            requests: 1,
            hasRequestBody: true,
            hasResponseBody: false
        ),
        FaultTarget(
            name: "multipart.CreateMultipartUpload",
            operation: .multipart,
            match: RequestMatch(method: "POST", pathContains: "/big.bin", queryHas: ["uploads"]),
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: true
        ),
        FaultTarget(
            name: "multipart.UploadPart",
            operation: .multipart,
            match: RequestMatch(method: "PUT", pathContains: "/big.bin", queryHas: ["uploadId"]),
            occurrence: 2,
            retried: true,
            requests: 3,
            hasRequestBody: true,
            hasResponseBody: false
        ),
        FaultTarget(
            name: "multipart.CompleteMultipartUpload",
            operation: .multipart,
            match: RequestMatch(method: "POST", pathContains: "/big.bin", queryHas: ["uploadId"]),
            retried: true,
            requests: 1,
            hasRequestBody: true,
            hasResponseBody: true,
            mayEmbedError: true
        ),
        FaultTarget(
            name: "rangedRead.open",
            operation: .rangedRead,
            match: RequestMatch(method: "GET", pathContains: "/data.bin"),
            retried: true,
            requests: 2,
            hasRequestBody: false,
            hasResponseBody: true
        ),
        FaultTarget(
            name: "rangedRead.GetObject",
            operation: .rangedRead,
            match: RequestMatch(method: "GET", pathContains: "/data.bin"),
            occurrence: 2,
            retried: true,
            requests: 2,
            hasRequestBody: false,
            hasResponseBody: true
        ),
        FaultTarget(
            name: "listing.ListObjectsV2",
            operation: .listing,
            match: RequestMatch(method: "GET", queryHas: ["list-type"]),
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: true
        ),
        FaultTarget(
            name: "copy.CopyObject",
            operation: .copy,
            match: RequestMatch(method: "PUT", pathContains: "/dst.bin", headerHas: ["x-amz-copy-source"]),
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: true,
            mayEmbedError: true
        ),
        FaultTarget(
            name: "rename.CopyObject",
            operation: .rename,
            match: RequestMatch(method: "PUT", pathContains: "/dst.bin", headerHas: ["x-amz-copy-source"]),
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: true,
            mayEmbedError: true
        ),
        FaultTarget(
            name: "rename.DeleteObject",
            operation: .rename,
            match: RequestMatch(method: "DELETE", pathContains: "/src.bin"),
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: false
        ),
        FaultTarget(
            name: "rmtree.DeleteObjects",
            operation: .rmtree,
            match: RequestMatch(method: "POST", queryHas: ["delete"]),
            retried: true,
            requests: 2,
            hasRequestBody: true,
            hasResponseBody: true
        ),
    ]

    /// The faults of the matrix.
    static let faults: [Fault] = [
        .resetBeforeForwarding, .resetBeforeHeaders, .resetAfterHeaders, .cutResponseBody(after: 100),
        .cutRequestBody(after: 10), .stall(seconds: 2), .slowDown, .tooManyRequests, .internalError,
        .errorInside200(code: "InternalError"),
    ]

    /// Every target under every fault that applies to it, once and persistent.
    static let cases = FaultCase.all(targets, faults: faults)
}
