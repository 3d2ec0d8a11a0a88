import Foundation

/// What a shared access signature says about itself (its signed fields, read from the token's query
/// string), for telling a user why a request was refused without ever showing the signature.
struct SASToken: Sendable {
    /// The token's fields by name, decoded.
    let fields: [String: String]

    /// Reads a token (`sv=...&sp=...&sig=...`, with or without a leading `?`).
    init(_ token: String) {
        var fields: [String: String] = [:]
        for pair in token.drop(while: { $0 == "?" }).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let name = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            fields[name] = value
        }
        self.fields = fields
    }

    /// `account SAS` or `container SAS` or `blob SAS`.
    var kind: String {
        if fields["ss"] != nil || fields["srt"] != nil { return "account SAS" }
        switch fields["sr"] {
        case "c": return "container SAS"
        case "b": return "blob SAS"
        default: return "SAS"
        }
    }

    /// When it stops being valid (`se`), if it can be read.
    var expiry: Date? { fields["se"].flatMap(Self.date) }

    /// When it starts being valid (`st`), if it has one.
    var start: Date? { fields["st"].flatMap(Self.date) }

    /// The permission letters it grants (`sp`).
    var permissions: String { fields["sp"] ?? "" }

    /// Why the service may have refused it, in the user's terms: its window, its permissions and
    /// scope (never the signature).
    func explanation(code: String, now: Date = Date()) -> String {
        let signedFor =
            "the \(kind) (permissions '\(permissions)'\(fields["srt"].map { ", resource types '\($0)'" } ?? ""), valid until \(fields["se"] ?? "?"))"
        if let expiry, now > expiry { return "\(signedFor) has expired" }
        if let start, now < start { return "\(signedFor) is not valid before \(fields["st"] ?? "")" }
        switch code {
        case "AuthorizationPermissionMismatch": return "\(signedFor) does not grant the permission this operation needs"
        case "AuthorizationResourceTypeMismatch": return "\(signedFor) does not cover this kind of resource"
        case "AuthorizationServiceMismatch": return "\(signedFor) does not cover the Blob service"
        case "AuthorizationProtocolMismatch":
            return "\(signedFor) does not allow this protocol (spr=\(fields["spr"] ?? ""))"
        case "AuthorizationSourceIPMismatch": return "\(signedFor) does not allow requests from this address"
        case "AuthenticationFailed":
            return
                "\(signedFor) was not accepted: its signature does not match (another account key, another container, or an altered token)"
        default: return "\(signedFor) was refused"
        }
    }

    /// `url` with the value of its `sig` parameter replaced by `REDACTED`.
    static func redacting(_ url: String) -> String {
        guard let range = url.range(of: "sig=") else { return url }
        let end = url[range.upperBound...].firstIndex(of: "&") ?? url.endIndex
        return url.replacingCharacters(in: range.upperBound..<end, with: "REDACTED")
    }

    /// A SAS date: `YYYY-MM-DD`, `YYYY-MM-DDThh:mmZ` or `YYYY-MM-DDThh:mm:ssZ` (fractions of a second ignored), in UTC.
    private static func date(_ text: String) -> Date? {
        let numbers = text.prefix { $0 != "." && $0 != "Z" }.split(whereSeparator: { "-T:".contains($0) }).map {
            Int($0)
        }
        guard [3, 5, 6].contains(numbers.count), !numbers.contains(nil) else { return nil }
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        components.year = numbers[0]
        components.month = numbers[1]
        components.day = numbers[2]
        components.hour = numbers.count > 3 ? numbers[3] : 0
        components.minute = numbers.count > 4 ? numbers[4] : 0
        components.second = numbers.count > 5 ? numbers[5] : 0
        return Calendar(identifier: .gregorian).date(from: components)
    }
}
