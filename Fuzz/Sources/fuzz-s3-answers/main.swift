import FuzzSupport
import ObjectStore
import S3Store

/// Input: an S3 answer body. Decodes it as a ListObjectsV2 page and as an `<Error>` document, as
/// the client does with every answer, and checks that a decoded page written back as S3 would
/// write it (keys escaped by ``xmlEscaped(_:)``, as DeleteObjects sends them) decodes to the same page.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzS3Answers(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let body = FuzzInput(start, count).bytes
    _ = S3Answers.error(body, operation: "GetObject", status: 404, requestIDHeader: nil)
    guard let page = S3Answers.listPage(body) else { return 0 }
    var xml = "<ListBucketResult>"
    xml += "<IsTruncated>\(page.nextToken != nil)</IsTruncated>"
    if let token = page.nextToken { xml += "<NextContinuationToken>\(xmlEscaped(token))</NextContinuationToken>" }
    for object in page.objects {
        xml += "<Contents><Key>\(xmlEscaped(object.key))</Key><Size>\(object.size)</Size>"
        if let version = object.version { xml += "<ETag>\(xmlEscaped(version))</ETag>" }
        xml += "</Contents>"
    }
    for prefix in page.prefixes { xml += "<CommonPrefixes><Prefix>\(xmlEscaped(prefix))</Prefix></CommonPrefixes>" }
    xml += "</ListBucketResult>"
    expectRoundTrip(page, rewritten: Array(xml.utf8), decode: S3Answers.listPage)
    return 0
}

runFuzzer(fuzzS3Answers)
