import FileIO
import Foundation
import TestServers
import Testing

@Suite("CRC32C (Castagnoli)")
struct CRC32CTests {
    @Test func checkValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
    }

    /// The examples of RFC 3720 (iSCSI), appendix B.4.
    @Test func rfc3720Vectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.checksum((0..<32).reversed().map { UInt8($0) }) == 0x113F_DB5C)
        let readCommand: [UInt8] = [
            0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
            0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ]
        #expect(CRC32C.checksum(readCommand) == 0xD996_3A56)
    }

    @Test func base64IsOfTheBigEndianBytes() {
        // What Cloud Storage reports for the five bytes "hello".
        var crc = CRC32C()
        crc.update(Array("hello".utf8))
        #expect(crc.base64 == "mnG7TA==")
    }

    /// Fed in uneven pieces (every alignment, pieces shorter and longer than 8 bytes), the checksum
    /// equals the one-shot one and the one Google's own `google-crc32c` package computes.
    @Test func piecewiseEqualsOneShotAndGoogleCRC32C() throws {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<((1 << 20) + 13)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var piecewise = CRC32C()
        var start = 0
        var step = 1
        while start < data.count {
            let end = min(data.count, start + step)
            piecewise.update(Array(data[start..<end]))
            start = end
            step = step % 37 + 1
        }
        #expect(piecewise.value == CRC32C.checksum(data))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("crc-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data(data)))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let output = try ServerProcess.run(
            "/usr/bin/env",
            [
                "python3", "-c",
                "import google_crc32c, sys; print(google_crc32c.value(open(sys.argv[1], 'rb').read()))", file,
            ],
            environment: [:]
        )
        #expect(UInt32(output.trimmingCharacters(in: .whitespacesAndNewlines)) == piecewise.value)
    }
}
