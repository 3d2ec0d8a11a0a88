import FileIO
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where a mount serves `/metrics`: an IPv4 address (or `localhost`) and a port, as
/// `--metrics-address 127.0.0.1:9464` gives it.
public struct MetricsAddress: Sendable, Hashable, CustomStringConvertible {
    /// The dotted IPv4 address to listen on.
    public let host: String
    /// The TCP port.
    public let port: UInt16

    /// Parses `HOST:PORT`.
    /// - Throws: ``MountError`` `.invalidOption` naming what is wrong with `text`.
    public init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":") else {
            throw MountError(.invalidOption, "--metrics-address '\(text)': expected HOST:PORT, e.g. 127.0.0.1:9464")
        }
        let hostPart = String(text[..<colon])
        let host = hostPart == "localhost" ? "127.0.0.1" : hostPart
        var address = in_addr()
        guard inet_pton(AF_INET, host, &address) == 1 else {
            throw MountError(
                .invalidOption,
                "--metrics-address '\(text)': '\(hostPart)' is not an IPv4 address (e.g. 127.0.0.1, or 0.0.0.0 for every interface)"
            )
        }
        guard let port = UInt16(text[text.index(after: colon)...]), port > 0 else {
            throw MountError(.invalidOption, "--metrics-address '\(text)': the port must be a number from 1 to 65535")
        }
        self.host = host
        self.port = port
    }

    /// `HOST:PORT`.
    public var description: String { "\(host):\(port)" }
}

/// A minimal HTTP/1.1 endpoint answering `GET /metrics` with a mount's Prometheus text (other
/// paths 404, other methods 405), one connection at a time on a thread of its own: a scraper
/// asks every few seconds, so nothing more is needed. Bound at creation, so a port in use fails
/// the mount before it starts.
final class MetricsServer: Sendable {
    private let socket: Int32
    private let body: @Sendable () -> String

    /// Listens on `address`.
    /// - Throws: ``MountError`` `.failed` naming the address when it cannot be bound.
    init(address: MetricsAddress, body: @escaping @Sendable () -> String) throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else {
            throw MountError(
                .failed,
                "--metrics-address \(address): socket failed: \(String(cString: strerror(errno)))"
            )
        }
        var yes: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var name = sockaddr_in()
        name.sin_family = sa_family_t(AF_INET)
        name.sin_port = address.port.bigEndian
        inet_pton(AF_INET, address.host, &name.sin_addr)
        let bound = withUnsafePointer(to: &name) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(socket, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(socket)
            throw MountError(.failed, "--metrics-address \(address): cannot listen there: \(reason)")
        }
        self.socket = socket
        self.body = body
        Thread.detachNewThread { [self] in serve() }
    }

    /// Stops listening; the serving thread ends with its current answer.
    func stop() {
        shutdown(socket, Int32(SHUT_RDWR))
        close(socket)
    }

    private func serve() {
        while true {
            let connection = accept(socket, nil, nil)
            if connection < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            answer(connection)
            close(connection)
        }
    }

    /// Reads the request head (up to 8 KiB, 5 s) and answers it.
    private func answer(_ connection: Int32) {
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1024)
        while head.count < 8192, !head.ends(with: Array("\r\n\r\n".utf8)) {
            let got = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if got <= 0 { return }
            head += chunk[..<got]
        }
        let requestLine = String(decoding: head.prefix { $0 != 13 }, as: UTF8.self).split(separator: " ")
        let (status, text): (String, String) =
            if requestLine.count < 2 {
                ("400 Bad Request", "bad request\n")
            } else if requestLine[0] != "GET" {
                ("405 Method Not Allowed", "only GET /metrics\n")
            } else if requestLine[1].split(separator: "?").first != "/metrics" {
                ("404 Not Found", "metrics are at /metrics\n")
            } else {
                ("200 OK", body())
            }
        let payload = Array(text.utf8)
        let response =
            Array(
                "HTTP/1.1 \(status)\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n\r\n"
                    .utf8
            ) + payload
        var sent = 0
        while sent < response.count {
            let wrote = response[sent...].withUnsafeBytes {
                send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if wrote <= 0 { return }
            sent += wrote
        }
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
