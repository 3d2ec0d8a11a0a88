import Crypto
import Foundation

/// The content MD5s `sync --checksum` compares: taken from a store's ETag when that is a plain
/// MD5, computed by streaming the file otherwise.
enum SyncChecksum {
    /// The MD5 (lowercase hex) an ETag stands for: `md5:<hex>`, or 32 hex digits as S3 gives for
    /// an object uploaded in one request. Nil for a multipart ETag (`<hex>-<parts>`, an MD5 of the
    /// parts' MD5s, not of the content), a generation number, an Azure ETag or anything else.
    static func md5(fromETag etag: String?) -> String? {
        guard var text = etag?.lowercased() else { return nil }
        if text.hasPrefix("md5:") { text.removeFirst(4) }
        text = text.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        guard text.count == 32, text.allSatisfy(\.isHexDigit) else { return nil }
        return text
    }

    /// The MD5 of the file's bytes, read through the store in bounded memory.
    /// - Throws: ``FileIO/ArtifactStoreError`` when the file cannot be read.
    static func computeMD5(_ store: any ArtifactStore, _ path: String) throws -> String {
        let input = try store.open(path, mode: .read)
        defer { try? input.close() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Transfer.chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var md5 = Insecure.MD5()
        while true {
            let got = try input.read(into: buffer)
            if got == 0 { break }
            md5.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<got]))
        }
        return md5.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The file's MD5: the one its ETag carries (a `stat` away), else computed from its bytes.
    static func md5(_ store: any ArtifactStore, _ path: String) throws -> String {
        if let md5 = md5(fromETag: try store.stat(path).etag) { return md5 }
        return try computeMD5(store, path)
    }
}
