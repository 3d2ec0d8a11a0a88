import Foundation

/// The two timestamp forms object services answer with, parsed by position without a formatter per call.
public enum HTTPDates {
    /// `2026-11-24T08:59:54.000Z` (listings).
    public static func parseISO(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19 else { return nil }
        return make(
            year: number(bytes, 0, 4),
            month: number(bytes, 5, 2),
            day: number(bytes, 8, 2),
            hour: number(bytes, 11, 2),
            minute: number(bytes, 14, 2),
            second: number(bytes, 17, 2)
        )
    }

    /// `Tue, 24 Nov 2026 08:59:54 GMT` (HEAD's Last-Modified).
    public static func parseHTTP(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 25 else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let month = months.firstIndex(of: String(decoding: bytes[8..<11], as: UTF8.self)).map { $0 + 1 }
        return make(
            year: number(bytes, 12, 4),
            month: month,
            day: number(bytes, 5, 2),
            hour: number(bytes, 17, 2),
            minute: number(bytes, 20, 2),
            second: number(bytes, 23, 2)
        )
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for byte in bytes[start..<start + count] {
            guard (48...57).contains(byte) else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }

    private static func make(year: Int?, month: Int?, day: Int?, hour: Int?, minute: Int?, second: Int?) -> Date? {
        guard let year, let month, let day, let hour, let minute, let second else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}
