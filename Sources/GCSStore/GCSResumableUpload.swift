import Crypto
import CurlHTTP
import FileIO
import Foundation
import ObjectStore
import Synchronization

/// One resumable upload session: chunks go up in order (`Content-Range: bytes a-b/*`, answered by
/// 308), the last one names the total, carries the CRC32C and MD5 of the whole object in
/// `X-Goog-Hash` (so the server refuses a corrupted body) and publishes the object, whose `crc32c`
/// and `md5Hash` are then compared with those of every byte sent. Nothing is visible before the last chunk.
final class GCSResumableUpload: ObjectUpload {
    private let backend: GCSBackend
    private let key: String
    private let session: String
    private let path: String
    private let progress = Mutex<Progress>(Progress())

    private struct Progress {
        var sent: UInt64 = 0
        var crc32c = CRC32C()
        var md5 = Insecure.MD5()
    }

    init(backend: GCSBackend, key: String, session: String, path: String) {
        self.backend = backend
        self.key = key
        self.session = session
        self.path = path
    }

    /// The protocol takes chunks in order, one at a time.
    var partConcurrency: Int { 1 }

    /// Chunks grow from `base` to 8× it (8, 16, 32, 64, 64, ... MiB by default): sent one at a time,
    /// each chunk is a round trip, and some servers (fake-gcs-server) rewrite everything received
    /// so far on each, so a large file goes up in few chunks while a small one buffers little.
    func partSize(_ number: Int, base: Int) -> Int {
        base << min(max(number - 1, 0), 3)
    }

    func upload(part number: Int, bytes: [UInt8]) throws -> String {
        let start = progress.withLock { $0.sent }
        let response = try send(bytes, range: "bytes \(start)-\(start + UInt64(bytes.count) - 1)/*")
        guard response.status == 308 else {
            throw backend.failure(response, operation: "resumable upload chunk \(number)", path: path)
        }
        if let range = response.header("range"), let last = range.split(separator: "-").last.flatMap({ UInt64($0) }),
            last != start + UInt64(bytes.count) - 1
        {
            throw ArtifactStoreError(
                .io,
                path: path,
                "the server kept bytes up to \(last) of chunk \(number), not all of them"
            )
        }
        progress.withLock {
            $0.sent += UInt64(bytes.count)
            $0.crc32c.update(bytes)
            $0.md5.update(data: bytes)
        }
        return String(number)
    }

    func complete(parts: [(number: Int, tag: String)], last: [UInt8], total: UInt64) throws {
        let (start, sent) = progress.withLock { state -> (UInt64, GCSBackend.Checksums) in
            state.crc32c.update(last)
            state.md5.update(data: last)
            return (
                state.sent,
                GCSBackend.Checksums(crc32c: state.crc32c.base64, md5: Data(state.md5.finalize()).base64EncodedString())
            )
        }
        let range = last.isEmpty ? "bytes */\(total)" : "bytes \(start)-\(start + UInt64(last.count) - 1)/\(total)"
        let response = try send(last, range: range, extra: [sent.header])
        guard response.isSuccess else {
            throw backend.failure(response, operation: "resumable upload (last chunk)", path: path)
        }
        try backend.verify(GCSBackend.json(response.body), sent: sent, key: key, path: path)
    }

    func abort() {
        _ = try? backend.send("DELETE", url: session, idempotent: false, path: path)
    }

    private func send(_ bytes: [UInt8], range: String, extra: [(String, String)] = []) throws -> HTTPResponse {
        try bytes.withUnsafeBytes {
            try backend.send("PUT", url: session, headers: [("Content-Range", range)] + extra, body: $0, path: path)
        }
    }
}
