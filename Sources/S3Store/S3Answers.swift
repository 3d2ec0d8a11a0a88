import CurlHTTP
import ObjectStore

/// Decoders of S3's XML answers, apart from the requests that fetch them, so a malformed or hostile
/// body can be fed to them directly (the fuzz targets do).
package enum S3Answers {
    /// One ListObjectsV2 page (`<ListBucketResult>`); `nil` when the body is not well-formed XML.
    package static func listPage(_ body: [UInt8]) -> ObjectListPage? {
        guard let document = XMLTree.parse(body) else { return nil }
        var page = ObjectListPage()
        for entry in document.children("Contents") {
            guard let key = entry.text(of: "Key") else { continue }
            page.objects.append(
                ObjectInfo(
                    key: key,
                    size: UInt64(entry.text(of: "Size") ?? "") ?? 0,
                    version: entry.text(of: "ETag"),
                    modified: entry.text(of: "LastModified").flatMap(HTTPDates.parseISO)
                )
            )
        }
        page.prefixes = document.children("CommonPrefixes").compactMap { $0.text(of: "Prefix") }
        if document.text(of: "IsTruncated") == "true" { page.nextToken = document.text(of: "NextContinuationToken") }
        return page
    }

    /// The service's answer to a failed `operation` from its `<Error>` body; fields the body lacks
    /// (a HEAD has none) are empty, the request id then comes from the `x-amz-request-id` header.
    package static func error(
        _ body: [UInt8],
        operation: String,
        status: Int,
        requestIDHeader: String?
    ) -> ObjectServiceError {
        let document = XMLTree.parse(body)
        return ObjectServiceError(
            operation: operation,
            status: status,
            code: document?.text(of: "Code") ?? "",
            message: document?.text(of: "Message") ?? "",
            requestID: document?.text(of: "RequestId") ?? requestIDHeader
        )
    }
}
