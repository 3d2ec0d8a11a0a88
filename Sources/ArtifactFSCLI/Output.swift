import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where commands write: plain lines and bytes to standard output, JSON documents, and messages
/// to standard error (through the descriptor: `stderr` is not concurrency-safe in Swift 6).
enum Output {
    /// Writes bytes to a descriptor (standard output by default), retrying short writes.
    static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32 = 1) {
        var done = 0
        while done < bytes.count {
            let wrote = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            if wrote < 0 {
                if errno == EINTR { continue }
                return
            }
            done += wrote
        }
    }

    /// Writes one line to standard output.
    static func line(_ text: String) {
        var text = text + "\n"
        text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    /// Writes a value as one JSON document (sorted keys, ISO 8601 dates) to standard output.
    static func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        encoder.dateEncodingStrategy = .iso8601
        line(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Writes one line to standard error.
    static func error(_ text: String) {
        writeError(text + "\n")
    }

    /// Writes text to standard error as it is (a progress line redrawn in place ends in no newline).
    static func writeError(_ text: String) {
        var text = text
        text.withUTF8 { write(UnsafeRawBufferPointer($0), to: 2) }
    }

    /// Writes rows as aligned columns under a header.
    static func table(_ header: [String], _ rows: [[String]]) {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        for row in [header] + rows {
            let cells = row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }
            line(cells.joined(separator: "  "))
        }
    }

    /// An ISO 8601 timestamp in UTC, or `-` when the store keeps none.
    static func timestamp(_ date: Date?) -> String {
        guard let date else { return "-" }
        return date.formatted(.iso8601)
    }
}
