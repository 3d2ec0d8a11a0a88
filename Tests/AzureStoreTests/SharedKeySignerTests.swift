import AzureStore
import CurlHTTP
import Foundation
import TestServers
import Testing

/// The Shared Key signer checked against the official `azure-storage-blob` package's own signer
/// (`SharedKeyCredentialPolicy`) on fixed requests.
@Suite("azure Shared Key signing")
struct SharedKeySignerTests {
    /// The storage emulator's published development account.
    static let account = "devstoreaccount1"
    static let key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

    struct Request: Codable {
        var method: String
        var path: String
        var query: [[String]]
        var headers: [[String]]
    }

    static let requests: [Request] = [
        Request(
            method: "GET",
            path: "/container/runs/42/model.bin",
            query: [],
            headers: [
                ["x-ms-date", "Tue, 24 Nov 2026 10:00:00 GMT"], ["x-ms-version", "2021-08-06"],
                ["x-ms-range", "bytes=0-1048575"],
            ]
        ),
        Request(
            method: "PUT",
            path: "/container/" + URIEncoding.path("données ünï/plus+sign & per%cent.bin"),
            query: [["comp", "block"], ["blockid", "MDAwMDAx"]],
            headers: [
                ["Content-Length", "8388608"], ["Content-MD5", "XUFAKrxLKna5cZ2REBfFkg=="],
                ["x-ms-version", "2021-08-06"],
                ["x-ms-date", "Tue, 24 Nov 2026 10:00:01 GMT"],
            ]
        ),
        Request(
            method: "GET",
            path: "/container",
            query: [
                ["restype", "container"], ["comp", "list"], ["prefix", "a b/ü+&="], ["delimiter", "/"],
                ["marker", "2!96!MDAwMDE2"],
            ],
            headers: [["x-ms-date", "Tue, 24 Nov 2026 10:00:02 GMT"], ["x-ms-version", "2021-08-06"]]
        ),
        Request(
            method: "PUT",
            path: "/container/copy%20target.bin",
            query: [],
            headers: [
                ["Content-Length", "0"],
                ["x-ms-copy-source", "http://127.0.0.1:10000/devstoreaccount1/container/source.bin"],
                ["x-ms-date", "Tue, 24 Nov 2026 10:00:03 GMT"], ["x-ms-version", "2021-08-06"],
                ["If-Match", "\"0x8DC\""],
                ["x-ms-blob-type", "BlockBlob"], ["Content-Type", "application/octet-stream"],
            ]
        ),
    ]

    @Test func signaturesMatchTheOfficialPythonSigner() throws {
        let signer = try SharedKeySigner(account: Self.account, base64Key: Self.key)
        let script = """
            import json, sys
            from urllib.parse import quote
            from azure.core.pipeline import PipelineRequest, PipelineContext
            from azure.core.rest import HttpRequest
            from azure.storage.blob._shared.authentication import SharedKeyCredentialPolicy
            policy = SharedKeyCredentialPolicy(sys.argv[1], sys.argv[2])
            out = []
            for r in json.loads(sys.argv[3]):
                query = '&'.join(quote(n, safe='') + '=' + quote(v, safe='') for n, v in r['query'])
                url = 'http://127.0.0.1:10000' + r['path'] + ('?' + query if query else '')
                request = PipelineRequest(HttpRequest(r['method'], url, headers=dict(r['headers'])), PipelineContext(None))
                policy.on_request(request)
                out.append(request.http_request.headers['Authorization'])
            print(json.dumps(out))
            """
        let input = String(decoding: try JSONEncoder().encode(Self.requests), as: UTF8.self)
        let output = try ServerProcess.run(
            "/usr/bin/env",
            ["python3", "-c", script, Self.account, Self.key, input],
            environment: [:]
        )
        let expected = try JSONDecoder().decode([String].self, from: Data(output.utf8))
        #expect(expected.count == Self.requests.count)
        for (request, theirs) in zip(Self.requests, expected) {
            let ours = signer.authorization(
                method: request.method,
                path: request.path,
                query: request.query.map { ($0[0], $0[1]) },
                headers: request.headers.map { ($0[0], $0[1]) }
            )
            #expect(ours == theirs, "\(request.method) \(request.path)")
        }
    }

    @Test func blobSASMatchesTheOfficialPythonGenerator() throws {
        let signer = try SharedKeySigner(account: Self.account, base64Key: Self.key)
        let script = """
            import json, sys
            from datetime import datetime, timezone
            from urllib.parse import parse_qsl
            from azure.storage.blob import generate_blob_sas
            out = []
            for blob, permission, start in [('runs/42/model.bin', 'r', None), ('données ünï/a+b c.bin', 'rw', 1800000000)]:
                token = generate_blob_sas(sys.argv[1], 'container', blob, account_key=sys.argv[2], permission=permission,
                    start=datetime.fromtimestamp(start, timezone.utc) if start else None,
                    expiry=datetime.fromtimestamp(1800003600, timezone.utc), protocol='https,http')
                out.append(dict(parse_qsl(token)))
            print(json.dumps(out))
            """
        let output = try ServerProcess.run(
            "/usr/bin/env",
            ["python3", "-c", script, Self.account, Self.key],
            environment: [:]
        )
        let expected = try JSONDecoder().decode([[String: String]].self, from: Data(output.utf8))
        let cases: [(blob: String, permissions: String, start: Date?)] = [
            ("runs/42/model.bin", "r", nil),
            ("données ünï/a+b c.bin", "rw", Date(timeIntervalSince1970: 1_800_000_000)),
        ]
        #expect(expected.count == cases.count)
        for (item, theirs) in zip(cases, expected) {
            let token = signer.blobSAS(
                container: "container",
                blob: item.blob,
                permissions: item.permissions,
                start: item.start,
                expiry: Date(timeIntervalSince1970: 1_800_003_600),
                protocols: "https,http",
                version: theirs["sv"] ?? ""
            )
            var ours: [String: String] = [:]
            for pair in token.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
                ours[parts[0]] = parts.count > 1 ? parts[1] : ""
            }
            #expect(ours == theirs, "\(item.blob)")
        }
    }

    @Test func containerAndAccountSASMatchTheOfficialPythonGenerators() throws {
        let signer = try SharedKeySigner(account: Self.account, base64Key: Self.key)
        let script = """
            import json, sys
            from datetime import datetime, timezone
            from urllib.parse import parse_qsl
            from azure.storage.blob import generate_account_sas, generate_container_sas
            at = lambda seconds: datetime.fromtimestamp(seconds, timezone.utc) if seconds else None
            out = []
            for container, permission, start in [('container', 'rl', None), ('runs-2026', 'racwdl', 1800000000)]:
                out.append(dict(parse_qsl(generate_container_sas(sys.argv[1], container, account_key=sys.argv[2], permission=permission,
                    start=at(start), expiry=at(1800003600), protocol='https,http'))))
            for types, permission, start in [('co', 'rwdlac', None), ('sco', 'rl', 1800000000)]:
                out.append(dict(parse_qsl(generate_account_sas(sys.argv[1], sys.argv[2], types, permission, at(1800003600), start=at(start),
                    protocol='https,http'))))
            print(json.dumps(out))
            """
        let output = try ServerProcess.run(
            "/usr/bin/env",
            ["python3", "-c", script, Self.account, Self.key],
            environment: [:]
        )
        let expected = try JSONDecoder().decode([[String: String]].self, from: Data(output.utf8))
        #expect(expected.count == 4)
        guard expected.count == 4 else { return }
        let expiry = Date(timeIntervalSince1970: 1_800_003_600)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let ours = [
            signer.containerSAS(
                container: "container",
                permissions: "rl",
                expiry: expiry,
                protocols: "https,http",
                version: expected[0]["sv"] ?? ""
            ),
            signer.containerSAS(
                container: "runs-2026",
                permissions: "racwdl",
                start: start,
                expiry: expiry,
                protocols: "https,http",
                version: expected[1]["sv"] ?? ""
            ),
            signer.accountSAS(
                resourceTypes: "co",
                permissions: "rwdlac",
                expiry: expiry,
                protocols: "https,http",
                version: expected[2]["sv"] ?? ""
            ),
            signer.accountSAS(
                resourceTypes: "sco",
                permissions: "rl",
                start: start,
                expiry: expiry,
                protocols: "https,http",
                version: expected[3]["sv"] ?? ""
            ),
        ]
        for (index, (token, theirs)) in zip(ours, expected).enumerated() {
            #expect(Self.fields(token) == theirs, "token \(index)")
        }
    }

    /// A token's fields, decoded.
    static func fields(_ token: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in token.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }

    @Test func aKeyThatIsNotBase64IsRefusedWithoutEchoingIt() {
        let error = #expect(throws: AzureCredentialError.self) {
            try SharedKeySigner(account: "acct", base64Key: "not base64 !!")
        }
        #expect(error?.message.contains("acct") == true)
        #expect(error?.message.contains("not base64 !!") == false)
    }
}
