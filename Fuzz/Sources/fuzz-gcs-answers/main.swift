import Foundation
import FuzzSupport
import GCSStore
import ObjectStore

/// Input: a Cloud Storage answer body. Decodes it as an `objects.list` page and as a JSON error,
/// as the backend does with every answer, and checks that a decoded page written back as the
/// service would write it decodes to the same page.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGCSAnswers(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let body = FuzzInput(start, count).bytes
    _ = GCSAnswers.errorMessage(body)
    guard let page = GCSAnswers.listPage(body) else { return 0 }
    var document: [String: Any] = [
        "items": page.objects.map { object -> [String: Any] in
            var item: [String: Any] = ["name": object.key, "size": String(object.size)]
            if let version = object.version { item["generation"] = version }
            return item
        },
        "prefixes": page.prefixes,
    ]
    if let token = page.nextToken { document["nextPageToken"] = token }
    guard let json = try? JSONSerialization.data(withJSONObject: document) else {
        invariant(false, "a decoded page cannot be written as JSON: \(summary(page))")
        return 0
    }
    expectRoundTrip(page, rewritten: Array(json), decode: GCSAnswers.listPage)
    return 0
}

runFuzzer(fuzzGCSAnswers)
