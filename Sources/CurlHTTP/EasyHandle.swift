import CCurl

/// One libcurl easy handle (`CURL *`) and the transfer it runs. Reusing a handle reuses its open
/// connection (keep-alive), which is why ``HTTPClient`` keeps a pool of them.
///
/// `@unchecked Sendable`: a handle is used by one thread at a time, the one that checked it out of
/// the pool (whose `Mutex` hands it over); it is never shared while a transfer runs.
final class EasyHandle: @unchecked Sendable {
    private let curl: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init() {
        _ = HTTPClient.globalInit
        guard let curl = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        self.curl = curl
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(curl)
        errorBuffer.deallocate()
    }

    /// Runs one request to the end (`curl_easy_perform`).
    /// - Throws: ``HTTPTransportError`` when no complete HTTP answer arrived.
    func perform(
        _ request: HTTPRequest,
        body: UnsafeRawBufferPointer?,
        response: ResponseBody,
        settings: HTTPClientConfiguration
    ) throws -> HTTPResponse {
        curl_easy_reset(curl)
        errorBuffer[0] = 0
        let state = TransferState(upload: body, download: response)
        let userdata = Unmanaged.passUnretained(state).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        headerList = curl_slist_append(headerList, "Expect:")

        setLong(CURLOPT_NOSIGNAL, 1)
        // libcurl silently sends a request again when the kept-alive connection it reused dies
        // before any answer byte; one that must go once gets a connection of its own instead.
        if !request.idempotent { setLong(CURLOPT_FRESH_CONNECT, 1) }
        setLong(CURLOPT_PATH_AS_IS, 1)
        setLong(CURLOPT_TCP_KEEPALIVE, 1)
        setLong(CURLOPT_CONNECTTIMEOUT, settings.connectTimeout)
        setLong(CURLOPT_LOW_SPEED_LIMIT, 1)
        setLong(CURLOPT_LOW_SPEED_TIME, settings.stallTimeout)
        setLong(CURLOPT_BUFFERSIZE, 512 * 1024)
        setLong(CURLOPT_UPLOAD_BUFFERSIZE, 2 * 1024 * 1024)
        setLong(CURLOPT_SSL_VERIFYPEER, settings.verifyTLS ? 1 : 0)
        setLong(CURLOPT_SSL_VERIFYHOST, settings.verifyTLS ? 2 : 0)
        if let caBundle = settings.caBundle { _ = afs_curl_setopt_string(curl, CURLOPT_CAINFO, caBundle) }
        _ = afs_curl_setopt_string(curl, CURLOPT_URL, request.url)
        _ = afs_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = afs_curl_setopt_pointer(curl, CURLOPT_HTTPHEADER, headerList)
        _ = afs_curl_setopt_io_callback(curl, CURLOPT_HEADERFUNCTION, headerCallback)
        _ = afs_curl_setopt_pointer(curl, CURLOPT_HEADERDATA, userdata)
        _ = afs_curl_setopt_io_callback(curl, CURLOPT_WRITEFUNCTION, writeCallback)
        _ = afs_curl_setopt_pointer(curl, CURLOPT_WRITEDATA, userdata)
        switch request.method {
        case "HEAD": setLong(CURLOPT_NOBODY, 1)
        case "GET": setLong(CURLOPT_HTTPGET, 1)
        case _ where body != nil || request.method == "PUT" || request.method == "POST":
            setLong(CURLOPT_UPLOAD, 1)
            _ = afs_curl_setopt_off(curl, CURLOPT_INFILESIZE_LARGE, curl_off_t(body?.count ?? 0))
            _ = afs_curl_setopt_io_callback(curl, CURLOPT_READFUNCTION, readCallback)
            _ = afs_curl_setopt_pointer(curl, CURLOPT_READDATA, userdata)
            _ = afs_curl_setopt_string(curl, CURLOPT_CUSTOMREQUEST, request.method)
        default: _ = afs_curl_setopt_string(curl, CURLOPT_CUSTOMREQUEST, request.method)
        }

        let code = withExtendedLifetime(state) { curl_easy_perform(curl) }
        guard code == CURLE_OK else {
            let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            throw HTTPTransportError(curlCode: Int(code.rawValue), message: detail, url: request.url, attempts: 1)
        }
        var status = 0
        _ = afs_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(
            status: status,
            headers: state.headers,
            body: state.collected,
            bytesReceived: state.written
        )
    }

    private func setLong(_ option: CURLoption, _ value: Int) {
        _ = afs_curl_setopt_long(curl, option, value)
    }
}

/// What the C callbacks of one transfer reach through their userdata pointer.
private final class TransferState {
    let upload: UnsafeRawBufferPointer?
    var uploaded = 0
    let download: ResponseBody
    var written = 0
    var collected: [UInt8] = []
    var headers: [String: String] = [:]
    var status = 0

    init(upload: UnsafeRawBufferPointer?, download: ResponseBody) {
        self.upload = upload
        self.download = download
    }
}

private func headerCallback(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ userdata: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let data, let userdata else { return length }
    let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    if line.hasPrefix("HTTP/") {
        // A new status line (after `100 Continue` or a redirect) starts a new header block.
        state.headers = [:]
        let parts = line.split(separator: " ", maxSplits: 2)
        state.status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t\r\n")
        state.headers[name] = value
    }
    return length
}

private func writeCallback(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ userdata: UnsafeMutableRawPointer?
) -> Int {
    let length = size * count
    guard let data, let userdata else { return length }
    let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
    let incoming = UnsafeRawBufferPointer(start: data, count: length)
    if case .into(let buffer) = state.download, (200..<300).contains(state.status) {
        guard state.written + length <= buffer.count else { return 0 }
        buffer.baseAddress!.advanced(by: state.written).copyMemory(from: incoming.baseAddress!, byteCount: length)
        state.written += length
    } else {
        state.collected.append(contentsOf: incoming)
    }
    return length
}

private func readCallback(
    _ data: UnsafeMutablePointer<CChar>?,
    _ size: Int,
    _ count: Int,
    _ userdata: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let userdata else { return 0 }
    let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
    guard let upload = state.upload, state.uploaded < upload.count else { return 0 }
    let length = min(size * count, upload.count - state.uploaded)
    UnsafeMutableRawPointer(data).copyMemory(from: upload.baseAddress!.advanced(by: state.uploaded), byteCount: length)
    state.uploaded += length
    return length
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
