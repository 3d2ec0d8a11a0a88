import CurlHTTP
import Foundation
import ObjectStore

/// Decoders of Cloud Storage's JSON answers, apart from the requests that fetch them, so a
/// malformed or hostile body can be fed to them directly (the fuzz targets do).
package enum GCSAnswers {
    /// One `objects.list` page; `nil` when the body is not a JSON object.
    package static func listPage(_ body: [UInt8]) -> ObjectListPage? {
        guard let document = GCSBackend.json(body) else { return nil }
        return ObjectListPage(
            objects: ((document["items"] as? [[String: Any]]) ?? []).compactMap(GCSBackend.info),
            prefixes: (document["prefixes"] as? [String]) ?? [],
            nextToken: document["nextPageToken"] as? String
        )
    }

    /// The message of a JSON error body (`{"error": {"message": ...}}`); empty when there is none.
    package static func errorMessage(_ body: [UInt8]) -> String {
        ((GCSBackend.json(body)?["error"] as? [String: Any])?["message"] as? String) ?? ""
    }
}
