import TestServers

/// The requests of each azure store operation the fault matrix aims at, and the faults it tries.
enum AzureFaultTargets {
    static let targets: [FaultTarget] = [
        FaultTarget(
            name: "put.PutBlob",
            operation: .put,
            match: RequestMatch(
                method: "PUT",
                pathContains: "/obj.bin",
                queryLacks: ["comp"],
                headerLacks: ["x-ms-copy-source"]
            ),
            retried: true,
            requests: 1,
            hasRequestBody: true,
            hasResponseBody: false
        ),
        FaultTarget(
            name: "multipart.PutBlock",
            operation: .multipart,
            match: RequestMatch(method: "PUT", pathContains: "/big.bin", queryHas: ["blockid"]),
            occurrence: 2,
            retried: true,
            requests: 3,
            hasRequestBody: true,
            hasResponseBody: false
        ),
        FaultTarget(
            name: "multipart.PutBlockList",
            operation: .multipart,
            match: RequestMatch(method: "PUT", pathContains: "/big.bin", queryHas: ["comp"], queryLacks: ["blockid"]),
            retried: true,
            requests: 1,
            hasRequestBody: true,
            hasResponseBody: false
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
            name: "rangedRead.GetBlob",
            operation: .rangedRead,
            match: RequestMatch(method: "GET", pathContains: "/data.bin"),
            occurrence: 2,
            retried: true,
            requests: 2,
            hasRequestBody: false,
            hasResponseBody: true
        ),
        FaultTarget(
            name: "listing.ListBlobs",
            operation: .listing,
            match: RequestMatch(method: "GET", queryHas: ["restype"]),
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: true
        ),
        FaultTarget(
            name: "copy.CopyBlob",
            operation: .copy,
            match: RequestMatch(method: "PUT", pathContains: "/dst.bin", headerHas: ["x-ms-copy-source"]),
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: false
        ),
        FaultTarget(
            name: "rename.CopyBlob",
            operation: .rename,
            match: RequestMatch(method: "PUT", pathContains: "/dst.bin", headerHas: ["x-ms-copy-source"]),
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: false
        ),
        FaultTarget(
            name: "rename.DeleteBlob",
            operation: .rename,
            match: RequestMatch(method: "DELETE", pathContains: "/src.bin"),
            retried: true,
            requests: 1,
            hasRequestBody: false,
            hasResponseBody: false
        ),
        FaultTarget(
            name: "rmtree.DeleteBlob",
            operation: .rmtree,
            match: RequestMatch(method: "DELETE", pathContains: "/tree/"),
            retried: true,
            requests: 3,
            hasRequestBody: false,
            hasResponseBody: false
        ),
    ]

    /// The faults of the matrix.
    static let faults: [Fault] = [
        .resetBeforeForwarding, .resetBeforeHeaders, .resetAfterHeaders, .cutResponseBody(after: 100),
        .cutRequestBody(after: 10), .stall(seconds: 2), .slowDown, .tooManyRequests, .internalError,
    ]

    /// Every target under every fault that applies to it, once and persistent.
    static let cases = FaultCase.all(targets, faults: faults)
}
