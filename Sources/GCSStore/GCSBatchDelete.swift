import CurlHTTP
import FileIO
import Foundation
import ObjectStore
import Synchronization

/// Deletes many objects through the JSON API's batch endpoint (`POST /batch/storage/v1`, a
/// `multipart/mixed` body of up to 100 `DELETE` requests), `concurrency` batches at a time over the
/// connection pool. A missing object counts as deleted. Deletes the server answers with 429 or 5xx,
/// and every delete of a batch the server refused as a whole, are sent again one by one (with the
/// client's retries). Every failure is collected: the error names the first failing object and the count.
struct GCSBatchDelete {
    let backend: GCSBackend
    /// The user's path, for messages.
    let path: String

    /// Cloud Storage takes at most 100 calls per batch.
    static let maxBatch = 100

    private struct Failure {
        var index: Int
        var key: String
        var error: ArtifactStoreError
    }

    /// Deletes `keys`.
    /// - Throws: ``FileIO/ArtifactStoreError`` with the code of the first failure, naming its object and the count.
    func run(_ keys: [String]) throws {
        let batches = stride(from: 0, to: keys.count, by: Self.maxBatch).map {
            $0..<min($0 + Self.maxBatch, keys.count)
        }
        let failures = Mutex<[Failure]>([])
        try Parallel.forEach(batches.count, concurrency: backend.concurrency) { number in
            let failed = deleteBatch(keys, batches[number])
            if !failed.isEmpty { failures.withLock { $0 += failed } }
        }
        let all = failures.withLock { $0 }.sorted { $0.index < $1.index }
        guard let first = all.first else { return }
        throw ArtifactStoreError(
            first.error.code,
            path: path,
            "could not delete \(all.count) of \(keys.count) object\(keys.count == 1 ? "" : "s"); the first: "
                + "gs://\(backend.bucket)/\(first.key): \(first.error.message)",
            cause: first.error
        )
    }

    /// Sends one batch and returns the deletes that failed; never throws.
    private func deleteBatch(_ keys: [String], _ range: Range<Int>) -> [Failure] {
        let boundary = "artifactfs-batch-" + UUID().uuidString
        var body = ""
        for index in range {
            body += "--\(boundary)\r\nContent-Type: application/http\r\nContent-ID: <\(index)>\r\n\r\n"
            body +=
                "DELETE /storage/v1/b/\(URIEncoding.component(backend.bucket))/o/\(URIEncoding.component(keys[index])) HTTP/1.1\r\n\r\n\r\n"
        }
        body += "--\(boundary)--\r\n"
        let response: HTTPResponse
        do {
            response = try Array(body.utf8).withUnsafeBytes {
                try backend.send(
                    "POST",
                    url: backend.service.endpoint.url + "/batch/storage/v1",
                    headers: [("Content-Type", "multipart/mixed; boundary=\(boundary)")],
                    body: $0,
                    path: path
                )
            }
        } catch let error as ArtifactStoreError {
            return range.map { Failure(index: $0, key: keys[$0], error: error) }
        } catch {
            return range.map {
                Failure(index: $0, key: keys[$0], error: ArtifactStoreError(.io, path: path, "\(error)"))
            }
        }
        var answers: [Int: (status: Int, body: [UInt8])] = [:]
        if response.isSuccess, let contentType = response.header("content-type") {
            answers = Self.parts(of: response.body, contentType: contentType)
        }
        var failed: [Failure] = []
        for index in range {
            switch answers[index]?.status {
            case let status? where (200..<300).contains(status) || status == 404:
                continue
            case let status? where status != 429 && status < 500:
                failed.append(
                    Failure(
                        index: index,
                        key: keys[index],
                        error: backend.failure(
                            status: status,
                            body: answers[index]!.body,
                            operation: "objects.delete (batch)",
                            path: path
                        )
                    )
                )
            default:
                // Not answered, throttled or a server error: once more on its own, with the client's retries.
                do {
                    try backend.delete(keys[index], path: path)
                } catch let error as ArtifactStoreError {
                    failed.append(Failure(index: index, key: keys[index], error: error))
                } catch {
                    failed.append(
                        Failure(index: index, key: keys[index], error: ArtifactStoreError(.io, path: path, "\(error)"))
                    )
                }
            }
        }
        return failed
    }

    /// The inner responses of a `multipart/mixed` batch answer, by the `Content-ID` of their request
    /// (`<response-N>` answers `<N>`).
    static func parts(of body: [UInt8], contentType: String) -> [Int: (status: Int, body: [UInt8])] {
        guard let boundary = parameter("boundary", of: contentType) else { return [:] }
        var answers: [Int: (status: Int, body: [UInt8])] = [:]
        let text = String(decoding: body, as: UTF8.self)
        for part in text.components(separatedBy: "--" + boundary).dropFirst() {
            guard !part.hasPrefix("--") else { break }
            let sections = part.components(separatedBy: "\r\n\r\n")
            guard sections.count >= 2 else { continue }
            let outer = headerFields(sections[0])
            guard let id = outer["content-id"],
                let index = Int(
                    id.trimmingCharacters(in: CharacterSet(charactersIn: "<> ")).replacingOccurrences(
                        of: "response-",
                        with: ""
                    )
                )
            else {
                continue
            }
            let statusLine = sections[1].components(separatedBy: "\r\n").first ?? ""
            let words = statusLine.split(separator: " ")
            guard words.count >= 2, words[0].hasPrefix("HTTP/"), let status = Int(words[1]) else { continue }
            let inner = sections.dropFirst(2).joined(separator: "\r\n\r\n").trimmingCharacters(
                in: .whitespacesAndNewlines
            )
            answers[index] = (status, Array(inner.utf8))
        }
        return answers
    }

    /// Header fields of a block of lines, by lowercased name.
    private static func headerFields(_ block: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in block.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    /// A parameter of a header value (`boundary=...`, quoted or not).
    private static func parameter(_ name: String, of value: String) -> String? {
        for piece in value.split(separator: ";") {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            return pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        }
        return nil
    }
}
