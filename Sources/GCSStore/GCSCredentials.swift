import Crypto
import CurlHTTP
import FileIO
import Foundation
import Synchronization
import _CryptoExtras

/// How requests to Cloud Storage authenticate.
public enum GCSCredentials: Sendable {
    /// A service account's key: an RS256-signed JWT is exchanged for an access token, refreshed before it expires.
    case serviceAccount(ServiceAccountKey)
    /// A ready access token, sent as is (`Authorization: Bearer ...`).
    case bearer(String)
    /// No credentials: public buckets and local servers.
    case anonymous
}

/// The fields of a service-account key file (`"type": "service_account"`) the JWT flow uses.
public struct ServiceAccountKey: Sendable {
    /// The account's e-mail address; safe to show.
    public var clientEmail: String
    /// The PEM (PKCS #8) private key; never shown.
    public var privateKey: String
    /// The id of the key, sent as the JWT's `kid`.
    public var privateKeyID: String?
    /// Where the JWT is exchanged for a token.
    public var tokenURI: String

    /// Parses a key file's JSON.
    /// - Throws: ``FileIO/ArtifactStoreError`` (`invalidArgument`) naming `source` and the missing field, never the key.
    public init(json: [UInt8], source: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw ArtifactStoreError(
                .invalidArgument,
                path: source,
                "the service-account key in \(source) is not a JSON object"
            )
        }
        guard let email = object["client_email"] as? String, let key = object["private_key"] as? String else {
            throw ArtifactStoreError(
                .invalidArgument,
                path: source,
                "the service-account key in \(source) lacks 'client_email' or 'private_key'"
            )
        }
        clientEmail = email
        privateKey = key
        privateKeyID = object["private_key_id"] as? String
        tokenURI = object["token_uri"] as? String ?? "https://oauth2.googleapis.com/token"
    }

    /// The OAuth scope asked for: read and write objects.
    public static let scope = "https://www.googleapis.com/auth/devstorage.read_write"

    /// The signed JWT assertion (RS256) for the token exchange, valid for an hour from `issuedAt`.
    /// - Throws: ``FileIO/ArtifactStoreError`` when the private key is not a PEM RSA key.
    public func assertion(issuedAt: Date) throws -> String {
        let now = Int(issuedAt.timeIntervalSince1970)
        var header = #"{"alg":"RS256","typ":"JWT""#
        if let privateKeyID { header += #","kid":"# + Self.jsonString(privateKeyID) }
        header += "}"
        let claims =
            #"{"iss":"# + Self.jsonString(clientEmail) + #","scope":"# + Self.jsonString(Self.scope) + #","aud":"#
            + Self.jsonString(tokenURI) + #","iat":\#(now),"exp":\#(now + 3600)}"#
        let signingInput = Self.base64URL(Array(header.utf8)) + "." + Self.base64URL(Array(claims.utf8))
        let key: _RSA.Signing.PrivateKey
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: privateKey)
        } catch {
            throw ArtifactStoreError(
                .invalidArgument,
                path: clientEmail,
                "the private key of service account \(clientEmail) is not a PEM RSA key"
            )
        }
        let signature = try key.signature(for: SHA256.hash(data: Array(signingInput.utf8)), padding: .insecurePKCS1v1_5)
        return signingInput + "." + Self.base64URL(Array(signature.rawRepresentation))
    }

    /// Base64url without padding, as JWTs use.
    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/",
            with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    private static func jsonString(_ text: String) -> String {
        let data =
            (try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes]))
            ?? Data("[\"\"]".utf8)
        return String(decoding: data, as: UTF8.self).dropFirst().dropLast().description
    }
}

/// Hands out the `Authorization` header value, fetching and caching service-account tokens and
/// refreshing them five minutes before they expire.
final class GCSTokenSource: Sendable {
    let credentials: GCSCredentials
    let source: String
    private let http: HTTPClient
    private let cached = Mutex<(token: String, expires: Date)?>(nil)

    init(credentials: GCSCredentials, source: String, http: HTTPClient) {
        self.credentials = credentials
        self.source = source
        self.http = http
    }

    /// `Bearer <token>`, or `nil` for anonymous requests.
    /// - Throws: ``FileIO/ArtifactStoreError`` (`permissionDenied`) when the token exchange is refused, naming the account.
    func authorization(path: String) throws -> String? {
        switch credentials {
        case .anonymous: return nil
        case .bearer(let token): return "Bearer " + token
        case .serviceAccount(let key):
            if let current = cached.withLock({ $0 }), current.expires.timeIntervalSinceNow > 300 {
                return "Bearer " + current.token
            }
            let fresh = try exchange(key, path: path)
            cached.withLock { $0 = fresh }
            return "Bearer " + fresh.token
        }
    }

    /// Exchanges a signed JWT for an access token at the key's token URI.
    private func exchange(_ key: ServiceAccountKey, path: String) throws -> (token: String, expires: Date) {
        let body = Array(
            ("grant_type=" + URIEncoding.component("urn:ietf:params:oauth:grant-type:jwt-bearer") + "&assertion="
                + (try key.assertion(issuedAt: Date()))).utf8
        )
        let request = HTTPRequest(
            method: "POST",
            url: key.tokenURI,
            headers: [("Content-Type", "application/x-www-form-urlencoded")]
        )
        let response: HTTPResponse
        do {
            response = try body.withUnsafeBytes { try http.send(request, body: $0) }
        } catch let error as HTTPTransportError {
            throw ArtifactStoreError(
                .io,
                path: path,
                "cannot reach the token endpoint \(key.tokenURI): \(error)",
                cause: error
            )
        }
        let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        guard response.isSuccess, let token = object?["access_token"] as? String else {
            let reason =
                (object?["error_description"] as? String) ?? (object?["error"] as? String) ?? "HTTP \(response.status)"
            throw ArtifactStoreError(
                .permissionDenied,
                path: path,
                "the token endpoint refused service account \(key.clientEmail) (\(reason)); credentials from \(source)"
            )
        }
        let lifetime = (object?["expires_in"] as? NSNumber)?.doubleValue ?? 3600
        return (token, Date().addingTimeInterval(lifetime))
    }
}
