import Foundation
import TestServers

#if canImport(Glibc)
import Glibc
#endif

/// One planted secret: the field it was planted in and its value, distinctive enough that any
/// occurrence in output is that field leaking.
struct PlantedSecret: Sendable {
    let field: String
    let value: String

    /// The value as it may leak: verbatim; base64 and base64url at each of the three alignments it
    /// can have inside a longer encoded text (HTTP Basic's `user:password`, a JWT); percent-encoded
    /// as a URL query encodes it and with every other character escaped; JSON-escaped.
    var forms: [(form: String, text: String)] {
        var forms = [("verbatim", value)]
        for shift in 0..<3 {
            let encoded = Data(repeating: 0, count: shift) + Data(value.utf8)
            let stable = String(encoded.base64EncodedString().dropFirst(shift == 0 ? 0 : 4).dropLast(4))
            forms.append(("base64", stable))
            forms.append(
                ("base64url", stable.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"))
            )
        }
        let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        for allowed in [unreserved, .alphanumerics] {
            if let encoded = value.addingPercentEncoding(withAllowedCharacters: allowed) {
                forms.append(("percent-encoded", encoded))
            }
        }
        forms.append(("JSON-escaped", value.replacingOccurrences(of: "/", with: "\\/")))
        var seen: Set<String> = []
        return forms.filter { seen.insert($0.1).inserted }
    }

    /// A marker: `prefix` (which may hold characters encodings change) and `length` random letters and digits.
    static func marker(_ prefix: String, length: Int = 24) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return prefix + String((0..<length).map { _ in alphabet.randomElement()! })
    }

    /// A base64 key of `count` random bytes (Azure account keys are such keys).
    static func base64Key(count: Int = 64) -> String {
        Data((0..<count).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    }
}

/// Everything a run printed, wrote or logged, each text with where it came from; ``hits(of:)``
/// names every planted secret found in any of them.
final class OutputCollector {
    private(set) var texts: [(source: String, text: String)] = []

    func add(_ source: String, _ text: String) { texts.append((source, text)) }

    /// Adds a command's standard output and error.
    func add(_ command: [String], _ result: CLIRunner.Result) {
        // A secret's values are on its command line: name the command by its first words only.
        let shown = command.first == "secret" ? Array(command.prefix(3)) + ["..."] : command
        let line = "artifactfs " + shown.joined(separator: " ")
        add(line + " (stdout)", result.stdout)
        add(line + " (stderr)", result.stderr)
    }

    /// Bytes collected in all.
    var byteCount: Int { texts.reduce(0) { $0 + $1.text.utf8.count } }

    /// One line per secret found: the field, the form it leaked in, the source and the text around it.
    func hits(of secrets: [PlantedSecret]) -> [String] {
        var hits: [String] = []
        for secret in secrets {
            for (form, needle) in secret.forms where needle.count >= 8 {
                for (source, text) in texts {
                    guard let range = text.range(of: needle) else { continue }
                    let before = text[..<range.lowerBound].suffix(80)
                    let after = text[range.upperBound...].prefix(40)
                    hits.append("\(secret.field) (\(form)) in \(source): …\(before)[SECRET]\(after)…")
                }
            }
        }
        return hits
    }
}

/// A server on 127.0.0.1 that answers every request 403 AccessDenied and records it whole
/// (request line, headers, body), so a test learns the credentials clients derived from their
/// secrets (signatures, bearer tokens, JWT assertions) and can look for those in output too.
/// A request whose path holds `stall` gets no answer for 30 s.
final class CapturingServer {
    let endpoint: String
    private let process: Process
    private let logPath: String

    private static let script = """
        import http.server, json, sys, time
        log = open(sys.argv[1], 'a', buffering=1)
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            def answer(self):
                if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
                    body = b''
                    while True:
                        size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                        body += self.rfile.read(size)
                        self.rfile.readline()
                        if size == 0:
                            break
                else:
                    body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                log.write(json.dumps({'line': self.requestline, 'headers': dict(self.headers.items()),
                                      'body': body.decode('utf-8', 'replace')}) + '\\n')
                if 'stall' in self.path:
                    time.sleep(30)
                payload = b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'
                self.send_response(403)
                self.send_header('Content-Type', 'application/xml')
                self.send_header('Content-Length', str(len(payload)))
                self.end_headers()
                if self.command != 'HEAD':
                    self.wfile.write(payload)
            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = answer
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    /// Starts the server with its script and log in `folder`.
    init(in folder: String) throws {
        let scriptPath = folder + "/capturing-server.py"
        logPath = folder + "/capturing-server.jsonl"
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptPath, logPath]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw MountedStoreError(description: "the capturing server did not start")
        }
        endpoint = "http://127.0.0.1:\(port)"
    }

    /// The requests received so far: request line, headers (names lowercased) and body.
    var requests: [(line: String, headers: [String: String], body: String)] {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { row in
            guard let object = try? JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any] else {
                return nil
            }
            let headers = (object["headers"] as? [String: String] ?? [:]).reduce(into: [String: String]()) {
                $0[$1.key.lowercased()] = $1.value
            }
            return (object["line"] as? String ?? "", headers, object["body"] as? String ?? "")
        }
    }

    /// The credentials the clients sent, each named by the request it came with: bearer and basic
    /// tokens, SigV4 and Shared Key signatures, SAS signatures and JWT assertions.
    var derivedSecrets: [PlantedSecret] {
        var found: [PlantedSecret] = []
        for request in requests {
            var values: [String] = []
            if let authorization = request.headers["authorization"] {
                let parts = authorization.split(separator: " ", maxSplits: 1).map(String.init)
                if parts.count == 2 { values.append(parts[1]) }
                values += Self.captures(#"Signature=([0-9a-f]{64})"#, in: authorization)
                values += Self.captures(#"SharedKey [^:]+:(\S+)"#, in: authorization)
            }
            values += Self.captures(#"[?&]sig=([^& ]+)"#, in: request.line)
            for assertion in Self.captures(#"assertion=([^&]+)"#, in: request.body) {
                values.append(assertion)
                if let signature = assertion.split(separator: ".").last { values.append(String(signature)) }
            }
            for value in values where value.count >= 16 && !found.contains(where: { $0.value == value }) {
                found.append(PlantedSecret(field: "credential sent with '\(request.line)'", value: value))
            }
        }
        return found
    }

    private static func captures(_ pattern: String, in text: String) -> [String] {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return expression.matches(in: text, range: range).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    /// Kills the server (SIGKILL: a test process's children may inherit SIGTERM blocked).
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// The log of a mount's daemon, named by the mount table's record of it.
enum MountLog {
    /// The log's path, while the mount's record exists.
    static func path(of mountpoint: String) -> String? {
        for folder in [
            "/run/artifactfs", ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"].map { $0 + "/artifactfs" },
            "/tmp/artifactfs-\(getuid())",
        ].compactMap({ $0 }) {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            where name.hasSuffix(".json") {
                guard let data = FileManager.default.contents(atPath: folder + "/" + name),
                    let record = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                    record["mountpoint"] as? String == mountpoint
                else { continue }
                return record["log"] as? String
            }
        }
        return nil
    }
}
