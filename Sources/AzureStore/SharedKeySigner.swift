import Crypto
import CurlHTTP
import Foundation

/// Azure Storage Shared Key signing (the Blob service's `SharedKey` scheme): an HMAC-SHA256, keyed
/// with the account key, over the verb, eleven standard headers, the canonicalised `x-ms-` headers
/// and the canonicalised resource (`/account/path` plus the query, decoded, one `name:value` a line).
public struct SharedKeySigner: Sendable {
    /// The storage account's name; safe to show.
    public let account: String
    private let key: [UInt8]

    /// Creates a signer from the account name and its base64 key.
    /// - Throws: ``AzureCredentialError`` when the key is not base64 (without echoing it).
    public init(account: String, base64Key: String) throws {
        guard let bytes = Data(base64Encoded: base64Key) else {
            throw AzureCredentialError(message: "the account key of storage account '\(account)' is not valid base64")
        }
        self.account = account
        key = Array(bytes)
    }

    /// The standard headers signed by value, in order (`Range` is sent as `x-ms-range` instead).
    static let standardHeaders = [
        "content-encoding", "content-language", "content-length", "content-md5", "content-type", "date",
        "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range",
    ]

    /// The string to sign for a request.
    /// - Parameters:
    ///   - path: the URL path exactly as sent (percent-encoded), starting with `/`.
    ///   - query: the query parameters, decoded.
    ///   - headers: the header fields sent (names in any case).
    public func stringToSign(
        method: String,
        path: String,
        query: [(String, String)],
        headers: [(String, String)]
    ) -> String {
        var values: [String: String] = [:]
        for (name, value) in headers { values[name.lowercased()] = value }
        if values["content-length"] == "0" { values["content-length"] = nil }
        var text = method + "\n"
        for name in Self.standardHeaders { text += (values[name] ?? "") + "\n" }
        let msHeaders = headers.filter { $0.0.lowercased().hasPrefix("x-ms-") }
            .map { ($0.0.lowercased(), $0.1) }
            .sorted { $0.0 < $1.0 }
        for (name, value) in msHeaders { text += name + ":" + value + "\n" }
        text += "/" + account + path
        for (name, value) in query.map({ ($0.0.lowercased(), $0.1) }).sorted(by: { $0.0 < $1.0 }) {
            text += "\n" + name + ":" + value
        }
        return text
    }

    /// The `Authorization` header value: `SharedKey account:signature`.
    public func authorization(
        method: String,
        path: String,
        query: [(String, String)],
        headers: [(String, String)]
    ) -> String {
        "SharedKey \(account):" + signature(stringToSign(method: method, path: path, query: query, headers: headers))
    }

    /// A service SAS for one blob, signed with the account key: a query string (`sp=...&se=...&sig=...`)
    /// that grants `permissions` (`r`, `w`, `d`, ... in Azure's order) until `expiry` to whoever holds it,
    /// for handing one blob to a tool that should not see the key.
    /// - Parameters:
    ///   - start: when it becomes valid (`nil`: at once); dates are sent as `YYYY-MM-DDTHH:MM:SSZ`.
    ///   - protocols: `https` or `https,http`.
    ///   - version: the service version the signature follows (`sv`, 2018-11-09 or later).
    public func blobSAS(
        container: String,
        blob: String,
        permissions: String,
        start: Date? = nil,
        expiry: Date,
        protocols: String = "https",
        version: String
    ) -> String {
        serviceSAS(
            resource: "b",
            path: "\(container)/\(blob)",
            permissions: permissions,
            start: start,
            expiry: expiry,
            protocols: protocols,
            version: version
        )
    }

    /// A service SAS for a whole container (`sr=c`): every blob in it, and listing with `l`, for a
    /// store or tool that should reach one container without the account key.
    /// - Parameters:
    ///   - permissions: letters in Azure's order (`racwdl`: read, add, create, write, delete, list).
    ///   - version: the service version the signature follows (`sv`, 2018-11-09 or later).
    public func containerSAS(
        container: String,
        permissions: String,
        start: Date? = nil,
        expiry: Date,
        protocols: String = "https",
        version: String
    ) -> String {
        serviceSAS(
            resource: "c",
            path: container,
            permissions: permissions,
            start: start,
            expiry: expiry,
            protocols: protocols,
            version: version
        )
    }

    /// An account SAS: `permissions` on the `services` (`b` for blobs) and `resourceTypes` (`s` service,
    /// `c` containers, `o` objects) of the whole account, until `expiry`.
    /// - Parameters:
    ///   - version: the service version the signature follows (`sv`); from 2020-12-06 the signed
    ///     encryption scope (empty) is part of the string to sign.
    public func accountSAS(
        services: String = "b",
        resourceTypes: String,
        permissions: String,
        start: Date? = nil,
        expiry: Date,
        protocols: String = "https",
        version: String
    ) -> String {
        let startText = start.map(Self.sasDate) ?? ""
        let expiryText = Self.sasDate(expiry)
        var fields = [account, permissions, services, resourceTypes, startText, expiryText, "", protocols, version]
        if version >= "2020-12-06" { fields.append("") }
        var query = [("sv", version), ("ss", services), ("srt", resourceTypes), ("sp", permissions)]
        if !startText.isEmpty { query.append(("st", startText)) }
        query += [("se", expiryText), ("spr", protocols), ("sig", signature(fields.joined(separator: "\n") + "\n"))]
        return query.map { $0.0 + "=" + URIEncoding.component($0.1) }.joined(separator: "&")
    }

    /// A service SAS on `/blob/account/path`, with the string-to-sign of its version (2018-11-09 on:
    /// signed resource and snapshot time; 2020-12-06 on: signed encryption scope).
    private func serviceSAS(
        resource: String,
        path: String,
        permissions: String,
        start: Date?,
        expiry: Date,
        protocols: String,
        version: String
    ) -> String {
        let startText = start.map(Self.sasDate) ?? ""
        let expiryText = Self.sasDate(expiry)
        var fields = [
            permissions, startText, expiryText, "/blob/\(account)/\(path)", "", "", protocols, version, resource, "",
        ]
        if version >= "2020-12-06" { fields.append("") }
        fields += ["", "", "", "", ""]
        var query = [("sp", permissions)]
        if !startText.isEmpty { query.append(("st", startText)) }
        query += [
            ("se", expiryText), ("spr", protocols), ("sv", version), ("sr", resource),
            ("sig", signature(fields.joined(separator: "\n"))),
        ]
        return query.map { $0.0 + "=" + URIEncoding.component($0.1) }.joined(separator: "&")
    }

    /// base64(HMAC-SHA256(account key, text)).
    private func signature(_ text: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: key)))
            .base64EncodedString()
    }

    private static func sasDate(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The date header value Azure wants (`x-ms-date`, RFC 1123 in GMT).
    public static func date(_ now: Date = Date()) -> String {
        var time = time_t(now.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Credentials that cannot be used as given (a malformed key or connection string).
public struct AzureCredentialError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, never the secret itself.
    public var message: String
    public var description: String { message }
}
