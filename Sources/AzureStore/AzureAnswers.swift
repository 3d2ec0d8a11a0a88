import CurlHTTP
import ObjectStore

/// Decoders of Blob Storage's XML answers, apart from the requests that fetch them, so a malformed
/// or hostile body can be fed to them directly (the fuzz targets do).
package enum AzureAnswers {
    /// One List Blobs page (`<EnumerationResults>`); `nil` when the body is not well-formed XML.
    package static func listPage(_ body: [UInt8]) -> ObjectListPage? {
        guard let document = XMLTree.parse(body) else { return nil }
        let blobs = document.child("Blobs")
        var page = ObjectListPage()
        for blob in blobs?.children("Blob") ?? [] {
            guard let name = blob.text(of: "Name") else { continue }
            let properties = blob.child("Properties")
            let metadata = blob.child("Metadata")
            page.objects.append(
                ObjectInfo(
                    key: name,
                    size: UInt64(properties?.text(of: "Content-Length") ?? "") ?? 0,
                    version: properties?.text(of: "Etag"),
                    modified: properties?.text(of: "Last-Modified").flatMap(HTTPDates.parseHTTP),
                    attributes: metadata.flatMap { metadata in POSIXAttributes { metadata.text(of: $0) } }
                )
            )
        }
        page.prefixes = (blobs?.children("BlobPrefix") ?? []).compactMap { $0.text(of: "Name") }
        if let marker = document.text(of: "NextMarker"), !marker.isEmpty { page.nextToken = marker }
        return page
    }

    /// The service's answer to a failed `operation`: the code from the `x-ms-error-code` header,
    /// else the `<Error>` body's; the first line of its message (the rest is request ids and times).
    package static func error(
        _ body: [UInt8],
        operation: String,
        status: Int,
        codeHeader: String?
    ) -> ObjectServiceError {
        let document = XMLTree.parse(body)
        return ObjectServiceError(
            operation: operation,
            status: status,
            code: codeHeader ?? document?.text(of: "Code") ?? "",
            message: document?.text(of: "Message")?.split(separator: "\n").first.map(String.init) ?? ""
        )
    }
}
