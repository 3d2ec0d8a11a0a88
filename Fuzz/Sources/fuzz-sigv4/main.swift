import CurlHTTP
import FuzzSupport
import S3Store

/// Input, one field per line: a method, an object key, query pairs `name=value` up to an empty
/// line, then headers `name:value`. Encodes and signs the request as the S3 client does and checks
/// the canonical form: the key's encoding decodes back to its bytes, the canonical query holds each
/// pair once, encoded and sorted, the canonical request has one line per distinct header, and the
/// signature depends on the headers' names, not their order.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSigV4(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let fields = FuzzInput(start, count).fields
    guard fields.count >= 2 else { return 0 }
    let method = fields[0]
    let key = fields[1]
    let rest = fields.dropFirst(2)
    let blank = rest.firstIndex(of: "") ?? rest.endIndex
    let query = rest[..<blank].map { pair(String($0), separator: "=") }
    let headers = rest[blank...].dropFirst().map { pair(String($0), separator: ":") }

    let path = "/bucket/" + URIEncoding.path(key)
    invariant(percentDecoded(path) == Array(("/bucket/" + key).utf8), "'\(key)' encodes to '\(path)'")
    let canonicalQuery = URIEncoding.canonicalQuery(query)
    let encodedPairs =
        canonicalQuery.isEmpty ? [] : canonicalQuery.split(separator: "&", omittingEmptySubsequences: false)
    invariant(encodedPairs.count == query.count, "\(query) has canonical query '\(canonicalQuery)'")
    let decoded = encodedPairs.map { encoded -> [UInt8] in
        let parts = encoded.split(separator: "=", omittingEmptySubsequences: false)
        invariant(parts.count == 2, "pair '\(encoded)' of '\(canonicalQuery)'")
        return percentDecoded(String(encoded))
    }
    invariant(
        decoded.sorted(by: { $0.lexicographicallyPrecedes($1) })
            == query.map { Array(($0.0 + "=" + $0.1).utf8) }.sorted(by: { $0.lexicographicallyPrecedes($1) }),
        "canonical query '\(canonicalQuery)' does not hold exactly \(query)"
    )

    let signer = SigV4Signer(
        credentials: S3Credentials(
            accessKeyID: "AKIDEXAMPLE",
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        ),
        region: "us-east-1"
    )
    let date = "20150830T123600Z"
    let signature = signer.sign(
        method: method,
        path: path,
        query: query,
        headers: headers,
        payloadHash: SigV4Signer.emptyPayloadHash,
        date: date
    )
    invariant(
        signature.signature.utf8.count == 64
            && signature.signature.utf8.allSatisfy { "0123456789abcdef".utf8.contains($0) },
        "signature '\(signature.signature)'"
    )
    let names = Set(headers.map { $0.0.lowercased() })
    // By bytes: a header ending in `\r` and the line feed after it are one `Character`.
    let lines = signature.canonicalRequest.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    invariant(
        lines.count == 6 + names.count,
        "\(names.count) headers, canonical request:\n\(signature.canonicalRequest)"
    )
    if names.count == headers.count {
        let reordered = signer.sign(
            method: method,
            path: path,
            query: query.reversed(),
            headers: headers.reversed(),
            payloadHash: SigV4Signer.emptyPayloadHash,
            date: date
        )
        invariant(reordered.signature == signature.signature, "the signature depends on the order of \(headers)")
    }
    return 0
}

/// `name=value` split at the first separator; a line without one is a name with an empty value.
func pair(_ line: String, separator: Character) -> (String, String) {
    guard let index = line.firstIndex(of: separator) else { return (line, "") }
    return (String(line[..<index]), String(line[line.index(after: index)...]))
}

/// The bytes a percent-encoded string stands for; a `%` must start two uppercase hex digits.
func percentDecoded(_ text: String) -> [UInt8] {
    let bytes = Array(text.utf8)
    var result: [UInt8] = []
    var index = 0
    while index < bytes.count {
        if bytes[index] == UInt8(ascii: "%") {
            invariant(index + 2 < bytes.count, "a cut escape in '\(text)'")
            let hex = String(decoding: bytes[index + 1...index + 2], as: UTF8.self)
            invariant(hex == hex.uppercased(), "lowercase hex in '\(text)'")
            result.append(UInt8(hex, radix: 16)!)
            index += 3
        } else {
            invariant(bytes[index] < 0x80, "an unencoded byte in '\(text)'")
            result.append(bytes[index])
            index += 1
        }
    }
    return result
}

runFuzzer(fuzzSigV4)
