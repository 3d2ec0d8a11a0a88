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
///
/// A chunk is sent once per attempt and never re-sent blindly: a server's error answer (5xx, 429)
/// says it kept nothing, so the chunk goes again after a backoff; but when no answer arrives the
/// server may have appended the chunk already, and a second copy would corrupt the object (a
/// status query does not help everywhere: fake-gcs-server publishes the object on one). So a
/// middle chunk without an answer cancels the upload, keeping the old object, and a last chunk
/// without one is settled by reading the object: it either holds exactly the bytes sent or the
/// upload failed.
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
        let response: HTTPResponse
        do {
            response = try send(bytes, range: "bytes \(start)-\(start + UInt64(bytes.count) - 1)/*")
        } catch let error as ArtifactStoreError where error.cause is HTTPTransportError {
            throw ArtifactStoreError(
                .io,
                path: path,
                "chunk \(number) of the resumable upload got no answer (\(error.message)); the server may have kept it, and sending it again could duplicate its bytes, so the upload was cancelled and the object left as it was",
                cause: error
            )
        }
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
        let response: HTTPResponse
        do {
            response = try send(last, range: range, extra: [sent.header])
        } catch let error as ArtifactStoreError where error.cause is HTTPTransportError {
            try settle(after: error, sent: sent, total: total)
            return
        }
        guard response.isSuccess else {
            throw backend.failure(response, operation: "resumable upload (last chunk)", path: path)
        }
        try backend.verify(GCSBackend.json(response.body), sent: sent, key: key, path: path)
    }

    /// Decides a last chunk that got no answer by reading the object: published when it holds
    /// exactly the bytes sent (size, CRC32C and MD5), failed otherwise.
    private func settle(after error: ArtifactStoreError, sent: GCSBackend.Checksums, total: UInt64) throws {
        let object = try? backend.send("GET", url: backend.objectURL(key), path: path)
        if let object, object.isSuccess, let stored = GCSBackend.json(object.body),
            (stored["size"] as? String) == String(total), (stored["crc32c"] as? String) == sent.crc32c,
            (stored["md5Hash"] as? String) == sent.md5
        {
            return
        }
        throw ArtifactStoreError(
            .io,
            path: path,
            "the last chunk of the resumable upload got no answer (\(error.message)), and the object does not hold the bytes sent: the upload failed",
            cause: error
        )
    }

    func abort() {
        _ = try? backend.send("DELETE", url: session, idempotent: false, path: path)
    }

    /// Sends a chunk once per attempt: again after an error answer (the server kept nothing),
    /// never after no answer (see the type's comment).
    private func send(_ bytes: [UInt8], range: String, extra: [(String, String)] = []) throws -> HTTPResponse {
        let retry = backend.configuration.http.retry
        var attempt = 1
        while true {
            let response = try bytes.withUnsafeBytes {
                try backend.send(
                    "PUT",
                    url: session,
                    headers: [("Content-Range", range)] + extra,
                    body: $0,
                    idempotent: false,
                    path: path
                )
            }
            guard attempt < retry.maxAttempts, RetryPolicy.isRetryable(status: response.status) else { return response }
            retry.backoff(
                before: attempt,
                serverDelay: RetryPolicy.serverDelay(retryAfter: response.header("retry-after"))
            )
            attempt += 1
        }
    }
}
