import Foundation

/// One end of a proxied TCP connection: its socket and the bytes read but not yet used. Owned by
/// the one thread serving the connection; ``FaultProxy/stop()`` only shuts its socket down.
final class WireSocket {
    let fd: Int32
    private var pending: [UInt8] = []
    private var pendingStart = 0

    /// Takes over a connected TCP socket, with Nagle's algorithm off: a head and a body written
    /// apart must not wait for the peer's delayed ACK.
    init(fd: Int32) {
        self.fd = fd
        var on: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    /// The bytes up to and including the blank line ending an HTTP head; `nil` at the end of the stream.
    func readHead() -> [UInt8]? {
        var searched = 0
        while true {
            let available = pending.count - pendingStart
            if available >= 4 {
                var index = pendingStart + max(0, searched - 3)
                while index + 4 <= pending.count {
                    if pending[index] == 13, pending[index + 1] == 10, pending[index + 2] == 13,
                        pending[index + 3] == 10
                    {
                        return take(index + 4 - pendingStart)
                    }
                    index += 1
                }
                searched = available
            }
            guard available < 1 << 20, fill() else { return nil }
        }
    }

    /// One line, its CRLF included (a chunk-size line, a trailer); `nil` at the end of the stream.
    func readLine() -> [UInt8]? {
        while true {
            if let newline = pending[pendingStart...].firstIndex(of: 10) { return take(newline + 1 - pendingStart) }
            guard pending.count - pendingStart < 64 << 10, fill() else { return nil }
        }
    }

    /// Up to `limit` bytes, from those already read or one `recv`; empty at the end of the stream.
    func readSome(limit: Int) -> [UInt8] {
        if pending.count == pendingStart, !fill() { return [] }
        return take(min(limit, pending.count - pendingStart))
    }

    /// Sends all of `bytes`; false when the peer is gone.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else { return false }
            offset += sent
        }
        return true
    }

    /// True when the peer has closed its side (an idle keep-alive connection the server let go).
    var isClosedByPeer: Bool {
        guard pending.count == pendingStart else { return false }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) == 0
    }

    /// Closes with a TCP reset (`SO_LINGER` 0) instead of an orderly close: what a crashed peer or a
    /// middlebox does.
    func resetAndClose() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        Glibc.close(fd)
    }

    /// Closes in order.
    func close() { Glibc.close(fd) }

    private func fill() -> Bool {
        if pendingStart > 0, pendingStart == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingStart = 0
        }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return false }
            pending.append(contentsOf: chunk[..<got])
            return true
        }
    }

    private func take(_ count: Int) -> [UInt8] {
        let bytes = Array(pending[pendingStart..<pendingStart + count])
        pendingStart += count
        return bytes
    }
}

/// The head of an HTTP/1.1 message: its start line and header fields, as they came.
struct HTTPHead {
    var startLine: String
    var fields: [(name: String, value: String)]
    /// The raw bytes, forwarded unchanged.
    var bytes: [UInt8]

    /// Parses a head ending in a blank line; `nil` when it has no start line.
    init?(_ bytes: [UInt8]) {
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        guard let first = lines.first, !first.isEmpty else { return nil }
        startLine = first
        fields = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        self.bytes = bytes
    }

    /// The value of the first field called `name`, case-insensitively.
    func value(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The head with `old` at the start of its `Location` value replaced by `new`: how the proxy
    /// keeps a client that follows a server's own address (a resumable upload's session) behind it.
    func rewritingLocation(from old: String, to new: String) -> HTTPHead {
        guard let location = value("location"), location.hasPrefix(old) else { return self }
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n").map { line in
            guard line.lowercased().hasPrefix("location:") else { return line }
            return "Location: " + new + location.dropFirst(old.count)
        }
        return HTTPHead(Array(lines.joined(separator: "\r\n").utf8)) ?? self
    }

    /// The request's method and target, or the response's version and status.
    var startParts: [String] { startLine.split(separator: " ", maxSplits: 2).map(String.init) }

    /// A response's status code.
    var status: Int { startParts.count > 1 ? Int(startParts[1]) ?? 0 : 0 }

    /// True when the sender closes the connection after this message.
    var closesConnection: Bool { value("connection")?.lowercased().contains("close") == true }

    /// How the body that follows is delimited: by its length, chunks, or (a response only) the
    /// server's close; `bodiless` for a response to HEAD or a 1xx, 204 or 304.
    func framing(response: Bool, bodiless: Bool = false) -> BodyFraming {
        if bodiless { return .none }
        if value("transfer-encoding")?.lowercased().contains("chunked") == true { return .chunked }
        if let length = value("content-length").flatMap(Int.init) { return length == 0 ? .none : .length(length) }
        return response ? .untilClose : .none
    }
}

/// How an HTTP/1.1 body is delimited on the wire.
enum BodyFraming {
    case none
    case length(Int)
    case chunked
    /// A response without length or chunking: the body runs until the server closes.
    case untilClose
}

/// Copies one body from `source` to `destination` (`nil`: reads and drops it) in its own framing,
/// stopping once `cut` wire bytes went across when given.
struct BodyPump {
    let source: WireSocket
    let destination: WireSocket?
    let cut: Int?
    private(set) var sent = 0

    init(from source: WireSocket, to destination: WireSocket?, cutAfter cut: Int? = nil) {
        self.source = source
        self.destination = destination
        self.cut = cut
    }

    /// What became of the body.
    enum Outcome {
        /// All of it went across.
        case complete
        /// The cut was reached.
        case cut
        /// A side closed or broke first.
        case broken
    }

    /// Copies the whole body.
    mutating func run(_ framing: BodyFraming) -> Outcome {
        switch framing {
        case .none:
            return cut == nil ? .complete : .cut
        case .length(let length):
            return copy(length)
        case .untilClose:
            while true {
                let bytes = source.readSome(limit: 64 << 10)
                if bytes.isEmpty { return .complete }
                if let outcome = forward(bytes) { return outcome }
            }
        case .chunked:
            while true {
                guard let line = source.readLine() else { return .broken }
                if let outcome = forward(line) { return outcome }
                let sizeText = String(decoding: line, as: UTF8.self).split(separator: ";")[0]
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                guard let size = Int(sizeText, radix: 16) else { return .broken }
                if size == 0 {
                    // Trailers, then the blank line.
                    while true {
                        guard let trailer = source.readLine() else { return .broken }
                        if let outcome = forward(trailer) { return outcome }
                        if trailer == [13, 10] { return .complete }
                    }
                }
                let outcome = copy(size + 2)
                guard case .complete = outcome else { return outcome }
            }
        }
    }

    private mutating func copy(_ count: Int) -> Outcome {
        var remaining = count
        while remaining > 0 {
            let bytes = source.readSome(limit: min(remaining, 64 << 10))
            if bytes.isEmpty { return .broken }
            remaining -= bytes.count
            if let outcome = forward(bytes) { return outcome }
        }
        return .complete
    }

    /// Sends `bytes` (up to the cut); an outcome when the copy must stop.
    private mutating func forward(_ bytes: [UInt8]) -> Outcome? {
        var bytes = bytes
        var reachedCut = false
        if let cut, sent + bytes.count >= cut {
            bytes = Array(bytes.prefix(cut - sent))
            reachedCut = true
        }
        sent += bytes.count
        if let destination, !bytes.isEmpty, !destination.send(bytes) { return .broken }
        return reachedCut ? .cut : nil
    }
}
