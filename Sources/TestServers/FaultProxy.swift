import Foundation
import Synchronization

/// A fault-injecting HTTP/1.1 proxy on a free 127.0.0.1 port in front of one test server
/// (SeaweedFS, moto, fake-gcs-server, the Blob test server): a client pointed at ``endpoint``
/// reaches the server through it, and each request either passes through unchanged (keep-alive
/// and chunked bodies included) or meets the ``Fault`` of the first ``FaultRule`` that hits it.
/// A `Location` naming the upstream's address is rewritten to the proxy's, so a client that
/// follows it (fake-gcs-server's resumable upload sessions) stays behind the proxy.
///
/// Every request is logged with what was done to it (``events``, ``log``), so a failing test can
/// say which fault hit which request. Plain POSIX sockets, one thread per connection; ``stop()``
/// (and `deinit`) closes every socket, cuts stalls short and waits for every thread to end. Call
/// it in a `defer`, which also keeps the proxy alive until the end of the test.
public final class FaultProxy: Sendable {
    /// The upstream endpoint with the proxy's address: `http://127.0.0.1:PORT` plus the upstream's
    /// path (an Azure account's `/devstoreaccount1`).
    public let endpoint: String
    /// The port the proxy listens on.
    public let port: Int
    private let core: ProxyCore

    /// Starts a proxy in front of `upstream` (`http://127.0.0.1:PORT[/path]`) with `rules`, drawing
    /// rate-based faults from a generator seeded with `seed`.
    /// - Throws: ``TestServerError`` when `upstream` is not an `http://` URL of an IPv4 address and
    ///   port, or no socket can be bound.
    public init(upstream: String, rules: [FaultRule] = [], seed: UInt64 = 0) throws {
        guard let url = URL(string: upstream), url.scheme == "http", let host = url.host, let upstreamPort = url.port,
            inet_addr(host) != INADDR_NONE
        else {
            throw TestServerError(message: "the fault proxy needs an http://IPv4:PORT upstream, not '\(upstream)'")
        }
        let listener = try Self.listen()
        port = listener.port
        endpoint = "http://127.0.0.1:\(listener.port)" + url.path
        core = ProxyCore(
            listener: listener.fd,
            upstreamHost: host,
            upstreamPort: UInt16(upstreamPort),
            address: "http://127.0.0.1:\(listener.port)",
            rules: rules,
            seed: seed
        )
        core.start()
    }

    deinit { stop() }

    /// Replaces the rules and starts their counts and the generator afresh; the log is kept.
    public func setRules(_ rules: [FaultRule], seed: UInt64 = 0) {
        core.setRules(rules, seed: seed)
    }

    /// Every request so far, in arrival order, with what was done to it.
    public var events: [FaultEvent] { core.events }

    /// How many client connections the proxy accepted: fewer than requests when keep-alive works.
    public var connectionsAccepted: Int { core.connectionsAccepted }

    /// The requests a fault hit.
    public var injected: [FaultEvent] { events.filter { $0.fault != nil } }

    /// The requests so far that `match` selects, faulted or not: the attempts a client made.
    public func requests(matching match: RequestMatch) -> [FaultEvent] {
        events.filter { match.matches($0.request) }
    }

    /// The rules and one line per request, for a failing test's message.
    public var log: String {
        (["fault proxy rules:"] + core.rules.map { "  \($0)" } + ["requests:"] + events.map { "  \($0)" })
            .joined(separator: "\n")
    }

    /// Closes the listener and every connection, ends stalls and waits until every thread is done.
    /// Safe to call more than once.
    public func stop() {
        core.stop()
    }

    private static func listen() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestServerError(message: "the fault proxy cannot open a socket (errno \(errno))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && Glibc.listen(fd, 128) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw TestServerError(message: "the fault proxy cannot listen on 127.0.0.1 (errno \(errno))")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}

/// The proxy's shared state and its threads' work: the rules and their counts, the log and the
/// open sockets, behind one lock.
private final class ProxyCore: Sendable {
    private let listener: Int32
    private let upstreamHost: String
    private let upstreamPort: UInt16
    /// The proxy's own `http://127.0.0.1:PORT`, which replaces the upstream's in a `Location`.
    private let address: String
    private let threads = DispatchGroup()
    private let state: Mutex<State>

    private struct State {
        var rules: [FaultRule]
        var seen: [Int]
        var hits: [Int]
        var generator: SeededGenerator
        var events: [FaultEvent] = []
        var sockets: Set<Int32> = []
        var connections = 0
        var stopped = false
    }

    init(
        listener: Int32,
        upstreamHost: String,
        upstreamPort: UInt16,
        address: String,
        rules: [FaultRule],
        seed: UInt64
    ) {
        self.listener = listener
        self.upstreamHost = upstreamHost
        self.upstreamPort = upstreamPort
        self.address = address
        state = Mutex(
            State(
                rules: rules,
                seen: Array(repeating: 0, count: rules.count),
                hits: Array(repeating: 0, count: rules.count),
                generator: SeededGenerator(seed: seed)
            )
        )
    }

    var events: [FaultEvent] { state.withLock { $0.events } }
    var rules: [FaultRule] { state.withLock { $0.rules } }
    var connectionsAccepted: Int { state.withLock { $0.connections } }

    func setRules(_ rules: [FaultRule], seed: UInt64) {
        state.withLock { state in
            state.rules = rules
            state.seen = Array(repeating: 0, count: rules.count)
            state.hits = Array(repeating: 0, count: rules.count)
            state.generator = SeededGenerator(seed: seed)
        }
    }

    func start() {
        threads.enter()
        Thread.detachNewThread { [self] in
            defer { threads.leave() }
            acceptConnections()
        }
    }

    func stop() {
        let sockets = state.withLock { state -> Set<Int32>? in
            guard !state.stopped else { return nil }
            state.stopped = true
            return state.sockets
        }
        guard let sockets else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in sockets { shutdown(fd, Int32(SHUT_RDWR)) }
        threads.wait()
        close(listener)
    }

    // MARK: - Connections

    private func acceptConnections() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0, errno == EINTR { continue }
            guard fd >= 0 else { return }
            guard register(fd) else {
                close(fd)
                return
            }
            state.withLock { $0.connections += 1 }
            threads.enter()
            Thread.detachNewThread { [self] in
                defer { threads.leave() }
                serve(WireSocket(fd: fd))
            }
        }
    }

    private func serve(_ client: WireSocket) {
        var upstream: WireSocket?
        let reset = exchange(client, &upstream)
        end(client, reset: reset)
        if let upstream { end(upstream, reset: reset) }
    }

    /// Serves the connection's requests one after another; true when it must end in a reset.
    private func exchange(_ client: WireSocket, _ upstream: inout WireSocket?) -> Bool {
        while let raw = client.readHead() {
            guard let head = HTTPHead(raw), head.startParts.count == 3 else { return true }
            let request = Self.describe(head)
            let (number, fault) = decide(request)
            let requestFraming = head.framing(response: false)
            switch fault {
            case .resetBeforeForwarding?:
                return true
            case .status(let status, let code, let retryAfter)?:
                guard answer(client, status: status, code: code, retryAfter: retryAfter, head, number) else {
                    return true
                }
                continue
            case .errorInside200(let code)?:
                guard answer(client, status: 200, code: code, retryAfter: nil, head, number) else { return true }
                continue
            default:
                break
            }
            if let open = upstream, open.isClosedByPeer {
                end(open, reset: false)
                upstream = nil
            }
            if upstream == nil { upstream = connectUpstream() }
            guard let server = upstream, server.send(head.bytes) else { return true }
            var cutRequest: Int?
            if case .cutRequestBody(let after)? = fault { cutRequest = after }
            var upload = BodyPump(from: client, to: server, cutAfter: cutRequest)
            guard case .complete = upload.run(requestFraming) else { return true }

            var response: HTTPHead
            repeat {
                guard let raw = server.readHead(), let parsed = HTTPHead(raw) else { return true }
                response = parsed.rewritingLocation(from: "http://\(upstreamHost):\(upstreamPort)", to: address)
                if (100..<200).contains(response.status), response.status != 101 {
                    guard client.send(raw) else { return true }
                    continue
                }
                break
            } while true
            record(status: response.status, of: number)
            switch fault {
            case .stall(let seconds)?:
                sleepUnlessStopped(seconds)
                return true
            case .resetBeforeHeaders?:
                return true
            default:
                break
            }
            guard client.send(response.bytes) else { return true }
            if case .resetAfterHeaders? = fault { return true }
            let bodiless = request.method == "HEAD" || response.status == 204 || response.status == 304
            let framing = response.framing(response: true, bodiless: bodiless)
            var cutResponse: Int?
            if case .cutResponseBody(let after)? = fault {
                if case .length(let length) = framing {
                    cutResponse = min(after, length - 1)
                } else {
                    cutResponse = after
                }
            }
            var download = BodyPump(from: server, to: client, cutAfter: cutResponse)
            guard case .complete = download.run(framing) else { return true }
            if case .untilClose = framing { return false }
            if response.closesConnection || head.closesConnection { return false }
        }
        return false
    }

    /// Reads and drops the request's body, then answers it with `status` and an `<Error>` document.
    private func answer(
        _ client: WireSocket,
        status: Int,
        code: String,
        retryAfter: Int?,
        _ head: HTTPHead,
        _ number: Int
    ) -> Bool {
        var drain = BodyPump(from: client, to: nil)
        guard case .complete = drain.run(head.framing(response: false)) else { return false }
        let document =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\(code)</Code>"
            + "<Message>injected by the fault proxy</Message><RequestId>fault-proxy-\(number)</RequestId></Error>"
        let body = head.startParts[0] == "HEAD" ? "" : document
        var text = "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Type: application/xml\r\n"
        if let retryAfter { text += "Retry-After: \(retryAfter)\r\n" }
        text += "Content-Length: \(body.utf8.count)\r\n\r\n" + body
        return client.send(Array(text.utf8))
    }

    // MARK: - Rules and log

    /// Numbers the request, picks its fault (the first rule that hits it) and logs it.
    private func decide(_ request: ProxiedRequest) -> (number: Int, fault: Fault?) {
        state.withLock { state in
            var chosen: Fault?
            for index in state.rules.indices where state.rules[index].match.matches(request) {
                state.seen[index] += 1
                let rule = state.rules[index]
                guard chosen == nil, rule.limit.map({ state.hits[index] < $0 }) ?? true else { continue }
                let fires =
                    switch rule.schedule {
                    case .occurrences(let numbers): numbers.contains(state.seen[index])
                    case .from(let first): state.seen[index] >= first
                    case .every: true
                    case .rate(let rate): Double(state.generator.next() >> 11) / Double(1 << 53) < rate
                    }
                if fires {
                    state.hits[index] += 1
                    chosen = rule.fault
                }
            }
            var status: Int?
            switch chosen {
            case .status(let code, _, _)?: status = code
            case .errorInside200?: status = 200
            default: status = nil
            }
            let number = state.events.count + 1
            state.events.append(FaultEvent(number: number, request: request, fault: chosen, status: status))
            return (number, chosen)
        }
    }

    private func record(status: Int, of number: Int) {
        state.withLock { $0.events[number - 1].status = status }
    }

    private static func describe(_ head: HTTPHead) -> ProxiedRequest {
        let parts = head.startParts
        let target = parts[1]
        let path = String(target.prefix { $0 != "?" })
        let query = target.dropFirst(path.count + 1)
        let names = query.isEmpty ? [] : query.split(separator: "&").map { String($0.prefix { $0 != "=" }) }
        return ProxiedRequest(method: parts[0], path: path, queryNames: names, headerNames: head.fields.map(\.name))
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Error"
        }
    }

    // MARK: - Sockets

    /// Keeps `fd` where ``stop()`` finds it; false (and `fd` is not kept) once stopped.
    private func register(_ fd: Int32) -> Bool {
        state.withLock { state in
            guard !state.stopped else { return false }
            state.sockets.insert(fd)
            return true
        }
    }

    /// Forgets and closes a socket, in order or with a reset; under the lock, so ``stop()`` never
    /// shuts down a descriptor number already reused.
    private func end(_ socket: WireSocket, reset: Bool) {
        state.withLock { state in
            state.sockets.remove(socket.fd)
            if reset { socket.resetAndClose() } else { socket.close() }
        }
    }

    private func connectUpstream() -> WireSocket? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        guard register(fd) else {
            close(fd)
            return nil
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(upstreamHost)
        address.sin_port = upstreamPort.bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        let socket = WireSocket(fd: fd)
        guard connected else {
            end(socket, reset: false)
            return nil
        }
        return socket
    }

    private func sleepUnlessStopped(_ seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, !state.withLock({ $0.stopped }) { usleep(20_000) }
    }
}
