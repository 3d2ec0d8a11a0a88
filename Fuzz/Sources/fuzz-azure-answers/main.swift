import AzureStore
import FuzzSupport
import ObjectStore

/// Input: a Blob Storage answer body. Decodes it as a List Blobs page and as an `<Error>`
/// document, as the backend does with every answer, and checks that a decoded page written back
/// as the service would write it (names escaped by ``xmlEscaped(_:)``) decodes to the same page.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAzureAnswers(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let body = FuzzInput(start, count).bytes
    _ = AzureAnswers.error(body, operation: "Get Blob", status: 404, codeHeader: nil)
    guard let page = AzureAnswers.listPage(body) else { return 0 }
    var xml = "<EnumerationResults><Blobs>"
    for object in page.objects {
        xml += "<Blob><Name>\(xmlEscaped(object.key))</Name><Properties>"
        xml += "<Content-Length>\(object.size)</Content-Length>"
        if let version = object.version { xml += "<Etag>\(xmlEscaped(version))</Etag>" }
        xml += "</Properties></Blob>"
    }
    for prefix in page.prefixes { xml += "<BlobPrefix><Name>\(xmlEscaped(prefix))</Name></BlobPrefix>" }
    xml += "</Blobs><NextMarker>\(xmlEscaped(page.nextToken ?? ""))</NextMarker></EnumerationResults>"
    expectRoundTrip(page, rewritten: Array(xml.utf8), decode: AzureAnswers.listPage)
    return 0
}

runFuzzer(fuzzAzureAnswers)
