import CurlHTTP
import FileIO
import Foundation
import GCSStore
import ObjectStore
import TestServers
import Testing
import _CryptoExtras

/// A token endpoint of our own that checks each JWT assertion with `google-auth` (the account's
/// public key, the audience) and grants tokens living `lifetime` seconds; it counts the grants.
final class TokenEndpoint {
    let url: String
    let grants: String
    private let directory: String
    private let server: ServerProcess

    init(publicKey: String, lifetime: Int) throws {
        directory = try ServerProcess.scratchDirectory("token")
        try publicKey.write(toFile: directory + "/public.pem", atomically: true, encoding: .utf8)
        let port = try FreePorts.take(1)[0]
        url = "http://127.0.0.1:\(port)/token"
        grants = directory + "/grants"
        let script = """
            import json, sys
            from http.server import BaseHTTPRequestHandler, HTTPServer
            from urllib.parse import parse_qs
            from google.auth import jwt
            port, folder, lifetime = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
            public = open(folder + '/public.pem').read()
            class Handler(BaseHTTPRequestHandler):
                def log_message(self, *args): pass
                def do_POST(self):
                    form = parse_qs(self.rfile.read(int(self.headers['Content-Length'])).decode())
                    try:
                        assert form['grant_type'] == ['urn:ietf:params:oauth:grant-type:jwt-bearer']
                        claims = jwt.decode(form['assertion'][0], certs=public, audience='http://127.0.0.1:%d/token' % port)
                        with open(folder + '/grants', 'a') as out: out.write(claims['iss'] + '\\n')
                        status, body = 200, {'access_token': 'granted', 'expires_in': lifetime, 'token_type': 'Bearer'}
                    except Exception as error:
                        status, body = 400, {'error': 'invalid_grant', 'error_description': 'Invalid JWT Signature.'}
                    data = json.dumps(body).encode()
                    self.send_response(status); self.send_header('Content-Type', 'application/json')
                    self.send_header('Content-Length', str(len(data))); self.end_headers(); self.wfile.write(data)
            HTTPServer(('127.0.0.1', port), Handler).serve_forever()
            """
        server = ServerProcess(
            name: "token endpoint",
            program: "/usr/bin/env",
            arguments: ["python3", "-c", script, String(port), directory, String(lifetime)],
            environment: [:],
            log: directory + "/server.log",
            scratch: directory
        )
        try server.start()
        try server.waitUntil(seconds: 30, url) { FreePorts.isListening(port) }
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// How many tokens were granted so far.
    var grantCount: Int {
        ((try? String(contentsOfFile: grants, encoding: .utf8)) ?? "").split(separator: "\n").count
    }
}

@Suite("gcp service-account tokens")
struct TokenExchangeTests {
    func store(signingKey: _RSA.Signing.PrivateKey, endpoint: TokenEndpoint) throws -> GCSArtifactStore {
        let object: [String: String] = [
            "type": "service_account", "client_email": "trainer@project.iam.gserviceaccount.com",
            "private_key": signingKey.pemRepresentation, "token_uri": endpoint.url,
        ]
        let account = try ServiceAccountKey(
            json: Array(try JSONSerialization.data(withJSONObject: object)),
            source: "the test"
        )
        var configuration = try SharedGCSServer.configuration(root: "gs://\(SharedGCSServer.bucket)")
        configuration.credentials = .serviceAccount(account)
        configuration.credentialSource = "the key file sa.json (GOOGLE_APPLICATION_CREDENTIALS)"
        return try GCSArtifactStore(configuration: configuration)
    }

    @Test func oneTokenServesManyRequestsAndAShortLivedOneIsRefreshed() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let prefix = SharedGCSServer.uniquePrefix("tokens")
        let root = "gs://\(SharedGCSServer.bucket)/\(prefix)"
        let lasting = try TokenEndpoint(publicKey: key.publicKey.pemRepresentation, lifetime: 3600)
        let store = try store(signingKey: key, endpoint: lasting)
        defer { try? store.rmtree(root) }
        for index in 0..<3 { try store.write("\(root)/f\(index)", contents: [UInt8(index)]) }
        #expect(try store.listdir(root).count == 3)
        #expect(lasting.grantCount == 1)
        // A token within five minutes of expiry is replaced before the next request.
        let brief = try TokenEndpoint(publicKey: key.publicKey.pemRepresentation, lifetime: 200)
        let refreshing = try self.store(signingKey: key, endpoint: brief)
        for index in 0..<3 { #expect(try refreshing.read("\(root)/f\(index)") == [UInt8(index)]) }
        #expect(brief.grantCount >= 3)
    }

    @Test func aRefusedAssertionNamesTheAccountAndSourceNotTheKey() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let endpoint = try TokenEndpoint(publicKey: other.publicKey.pemRepresentation, lifetime: 3600)
        let store = try store(signingKey: key, endpoint: endpoint)
        let error = #expect(throws: ArtifactStoreError.self) {
            _ = try store.exists("gs://\(SharedGCSServer.bucket)/refused/x")
        }
        #expect(error?.code == .permissionDenied)
        #expect(error?.message.contains("trainer@project.iam.gserviceaccount.com") == true)
        #expect(error?.message.contains("GOOGLE_APPLICATION_CREDENTIALS") == true)
        #expect(error?.message.contains("Invalid JWT Signature") == true)
        #expect(error.map { String(describing: $0).contains("PRIVATE KEY") } == false)
        #expect(endpoint.grantCount == 0)
    }
}
