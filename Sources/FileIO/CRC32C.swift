import Foundation

/// CRC-32C (Castagnoli, reflected polynomial `0x82F63B78`), the checksum Cloud Storage keeps for
/// every object; computed while an upload streams so the server's `crc32c` can be checked, and
/// kept with each block of the ``DiskBlockCache`` so a damaged block is never served.
///
/// Table-driven, slicing-by-8: eight bytes per step through eight 256-entry tables (8 KiB).
public struct CRC32C: Sendable {
    private var state: UInt32 = 0xFFFF_FFFF

    /// Starts a checksum over no bytes.
    public init() {}

    /// The checksum of the bytes so far.
    public var value: UInt32 { ~state }

    /// The checksum as Cloud Storage writes it: base64 of its four big-endian bytes.
    public var base64: String {
        let value = value
        let bytes: [UInt8] = [
            UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF),
        ]
        return Data(bytes).base64EncodedString()
    }

    /// Adds `bytes` to the checksum.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var pointer = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        var crc = state
        Self.tables.withUnsafeBufferPointer { table in
            while remaining >= 8 {
                let word = UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ crc
                let high = UInt32(truncatingIfNeeded: word >> 32)
                crc =
                    table[7 << 8 | Int(low & 0xFF)] ^ table[6 << 8 | Int((low >> 8) & 0xFF)]
                    ^ table[5 << 8 | Int((low >> 16) & 0xFF)] ^ table[4 << 8 | Int(low >> 24)]
                    ^ table[3 << 8 | Int(high & 0xFF)] ^ table[2 << 8 | Int((high >> 8) & 0xFF)]
                    ^ table[1 << 8 | Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
                pointer += 8
                remaining -= 8
            }
            while remaining > 0 {
                crc = table[Int((crc ^ UInt32(pointer.load(as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
                pointer += 1
                remaining -= 1
            }
        }
        state = crc
    }

    /// Adds `bytes` to the checksum.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc = CRC32C()
        crc.update(bytes)
        return crc.value
    }

    /// Table `k` (entries `k*256 ..< (k+1)*256`) holds the CRC of a byte followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
            tables[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = tables[(slice - 1) << 8 | byte]
                tables[slice << 8 | byte] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()
}
