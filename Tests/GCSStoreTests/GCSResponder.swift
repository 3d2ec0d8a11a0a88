import Foundation
import TestServers

/// A small HTTP server of the tests' own (Python's http.server) standing in front of or instead of
/// Cloud Storage: either a proxy to a real server that corrupts request bodies in transit (one
/// marker replaced by another of the same length), or a server that refuses every request with a
/// Cloud Storage JSON error whose message echoes the `Authorization` header it received.
final class GCSResponder {
    let endpoint: String
    private let directory: String
    private let server: ServerProcess

    private static let script = """
        import http.server, http.client, json, sys
        mode, port = sys.argv[1], int(sys.argv[2])
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            def log_message(self, *args): pass
            def reply(self, status, headers, body):
                self.send_response(status)
                for name, value in headers: self.send_header(name, value)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            def answer(self):
                length = int(self.headers.get('Content-Length') or 0)
                data = self.rfile.read(length) if length else b''
                if mode == 'deny':
                    status = int(sys.argv[3])
                    message = 'Invalid Credentials: ' + self.headers.get('Authorization', '(none)')
                    body = json.dumps({'error': {'code': status, 'message': message, 'errors': [{'reason': 'authError', 'message': message}]}})
                    return self.reply(status, [('Content-Type', 'application/json')], body.encode())
                upstream, marker, replacement = sys.argv[3], sys.argv[4].encode(), sys.argv[5].encode()
                connection = http.client.HTTPConnection(upstream.split('://', 1)[1])
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ('host', 'content-length', 'connection')}
                connection.request(self.command, self.path, body=data.replace(marker, replacement), headers=headers)
                response = connection.getresponse()
                body = response.read()
                connection.close()
                own = 'http://127.0.0.1:%d' % port
                kept = [(k, v.replace(upstream, own)) for k, v in response.getheaders()
                        if k.lower() not in ('content-length', 'transfer-encoding', 'connection', 'date', 'server')]
                self.reply(response.status, kept, body)
            do_GET = do_POST = do_PUT = do_DELETE = answer
        http.server.ThreadingHTTPServer(('127.0.0.1', port), Handler).serve_forever()
        """

    private init(_ arguments: [String]) throws {
        directory = try ServerProcess.scratchDirectory("responder")
        let port = try FreePorts.take(1)[0]
        endpoint = "http://127.0.0.1:\(port)"
        server = ServerProcess(
            name: "GCS test responder",
            program: "/usr/bin/env",
            arguments: ["python3", "-c", Self.script, arguments[0], String(port)] + arguments.dropFirst(),
            environment: [:],
            log: directory + "/server.log",
            scratch: directory
        )
        try server.start()
        try server.waitUntil(seconds: 30, endpoint) { FreePorts.isListening(port) }
    }

    /// A proxy to `upstream` that replaces `marker` with `replacement` in every request body.
    static func corrupting(upstream: String, marker: String, replacement: String) throws -> GCSResponder {
        try GCSResponder(["proxy", upstream, marker, replacement])
    }

    /// A server answering every request with `status` and a JSON error echoing the `Authorization` header.
    static func denying(_ status: Int) throws -> GCSResponder {
        try GCSResponder(["deny", String(status)])
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
