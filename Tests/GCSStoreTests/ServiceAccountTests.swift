import Foundation
import GCSStore
import StackModel
import TestServers
import Testing
import _CryptoExtras

@Suite("gcp credentials")
struct ServiceAccountTests {
    /// A fresh RSA key in a service-account key file's JSON.
    static func keyJSON(_ key: _RSA.Signing.PrivateKey) throws -> [UInt8] {
        let object: [String: String] = [
            "type": "service_account", "client_email": "trainer@project.iam.gserviceaccount.com",
            "private_key": key.pemRepresentation, "private_key_id": "key-1",
            "token_uri": "https://oauth2.example/token",
        ]
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    @Test func googleAuthVerifiesOurJWTAndSignsItIdentically() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let account = try ServiceAccountKey(json: Self.keyJSON(key), source: "the test")
        let issued = Date(timeIntervalSince1970: 1_800_000_000)
        let assertion = try account.assertion(issuedAt: issued)
        let script = """
            import json, sys, base64
            from google.auth import crypt, jwt
            token, public, private = sys.argv[1], sys.argv[2], sys.argv[3]
            claims = jwt.decode(token, certs=public, verify=False)
            header = jwt.decode_header(token)
            signing_input, _, signature = token.rpartition('.')
            verified = crypt.verify_signature(signing_input.encode(), base64.urlsafe_b64decode(signature + '=='), [public])
            ours = base64.urlsafe_b64encode(crypt.RSASigner.from_string(private).sign(signing_input.encode())).decode().rstrip('=')
            print(json.dumps({'claims': claims, 'header': header, 'verified': verified, 'same': ours == signature}))
            """
        let output = try ServerProcess.run(
            "/usr/bin/env",
            ["python3", "-c", script, assertion, key.publicKey.pemRepresentation, key.pemRepresentation],
            environment: [:]
        )
        let result = try #require(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let claims = try #require(result["claims"] as? [String: Any])
        let header = try #require(result["header"] as? [String: Any])
        #expect(result["verified"] as? Bool == true)
        #expect(result["same"] as? Bool == true)
        #expect(header["alg"] as? String == "RS256")
        #expect(header["kid"] as? String == "key-1")
        #expect(claims["iss"] as? String == "trainer@project.iam.gserviceaccount.com")
        #expect(claims["aud"] as? String == "https://oauth2.example/token")
        #expect(claims["scope"] as? String == ServiceAccountKey.scope)
        #expect((claims["iat"] as? NSNumber)?.intValue == 1_800_000_000)
        #expect((claims["exp"] as? NSNumber)?.intValue == 1_800_003_600)
    }

    @Test func credentialsAndEndpointResolveAsGoogleClientsDo() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("sa-\(UUID().uuidString).json").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data(try Self.keyJSON(key))))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let fromEnvironment = try GCSConfiguration(
            config: ["path": .string("gs://bucket/run")],
            environment: ["GOOGLE_APPLICATION_CREDENTIALS": file, "STORAGE_EMULATOR_HOST": "127.0.0.1:4443"]
        )
        #expect(fromEnvironment.endpoint == "http://127.0.0.1:4443")
        #expect(fromEnvironment.credentialSource.contains("GOOGLE_APPLICATION_CREDENTIALS"))
        guard case .serviceAccount(let account) = fromEnvironment.credentials else {
            Issue.record("expected service-account credentials")
            return
        }
        #expect(account.clientEmail == "trainer@project.iam.gserviceaccount.com")
        let fromSecret = try GCSConfiguration(
            config: [
                "path": .string("gs://bucket"),
                "authentication_secret": .string(String(decoding: try Self.keyJSON(key), as: UTF8.self)),
                "endpoint_url": .string("https://storage.example/"),
            ],
            environment: ["GOOGLE_APPLICATION_CREDENTIALS": "/nonexistent"]
        )
        #expect(fromSecret.endpoint == "https://storage.example")
        #expect(fromSecret.credentialSource == "the component config (field 'authentication_secret')")
        let anonymous = try GCSConfiguration(config: ["path": .string("gs://public")], environment: [:])
        guard case .anonymous = anonymous.credentials else {
            Issue.record("expected anonymous credentials")
            return
        }
        #expect(anonymous.endpoint == "https://storage.googleapis.com")
        let badPart = #expect(throws: StackError.self) {
            try GCSConfiguration(
                config: ["path": .string("gs://b"), "part_size": .integer(1_000_000)],
                environment: [:]
            )
        }
        #expect(badPart?.message.contains("part_size") == true)
    }
}
