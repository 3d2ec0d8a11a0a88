/// Percent-encoding as S3 and SigV4 expect it: every byte except `A–Z a–z 0–9 - . _ ~` is
/// encoded as `%XX` (uppercase hex); in paths `/` stays.
public enum URIEncoding {
    /// Encodes an object key (or any path) for the URI, keeping `/`.
    public static func path(_ text: String) -> String { encode(text, keepSlash: true) }

    /// Encodes a query parameter name or value (`/` too).
    public static func component(_ text: String) -> String { encode(text, keepSlash: false) }

    /// The canonical query string: encoded pairs sorted by name, then value.
    public static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { (component($0.0), component($0.1)) }
        let sorted = encoded.sorted { left, right in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        return sorted.map { $0.name + "=" + $0.value }.joined(separator: "&")
    }

    /// True for the bytes left unencoded (RFC 3986 unreserved): `A–Z a–z 0–9 - . _ ~`.
    private static let unreserved: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for byte in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8) {
            table[Int(byte)] = true
        }
        return table
    }()

    private static func encode(_ text: String, keepSlash: Bool) -> String {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        let slash = UInt8(ascii: "/")
        var result: [UInt8] = []
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if unreserved[Int(byte)] || (keepSlash && byte == slash) {
                result.append(byte)
            } else {
                result.append(UInt8(ascii: "%"))
                result.append(hexDigits[Int(byte >> 4)])
                result.append(hexDigits[Int(byte & 15)])
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
