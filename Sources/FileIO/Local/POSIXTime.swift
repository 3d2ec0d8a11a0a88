import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Conversions between `Date` and the kernel's `timespec`, shared by the local store and the FUSE
/// bridge so a time keeps its value through both.
public enum POSIXTime {
    /// `date` to the microsecond: a `Date` holds no finer, so a time set to a whole number of
    /// microseconds through one layer (a mount, a store) reads back exactly through another.
    public static func timespec(_ date: Date) -> Glibc.timespec {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let micros = min(((date.timeIntervalSince1970 - seconds) * 1e6).rounded(), 999_999)
        return Glibc.timespec(tv_sec: Int(seconds), tv_nsec: Int(micros) * 1000)
    }

    /// The time a `timespec` holds.
    public static func date(_ time: Glibc.timespec) -> Date {
        Date(timeIntervalSince1970: TimeInterval(time.tv_sec) + TimeInterval(time.tv_nsec) / 1e9)
    }

    /// `UTIME_OMIT` and `UTIME_NOW`, macros of <sys/stat.h> that Swift does not import.
    static let utimeOmit = (1 << 30) - 2
    static let utimeNow = (1 << 30) - 1
}

extension TimestampChange {
    /// The change one `utimensat` time asks for; `nil` (a null array) means now.
    public init(utimensat time: timespec?) {
        guard let time else {
            self = .now
            return
        }
        switch time.tv_nsec {
        case POSIXTime.utimeOmit: self = .keep
        case POSIXTime.utimeNow: self = .now
        default: self = .set(POSIXTime.date(time))
        }
    }

    /// The change as a `utimensat` time: `UTIME_OMIT`, `UTIME_NOW` (the kernel's clock) or the time.
    public var utimensat: timespec {
        switch self {
        case .keep: timespec(tv_sec: 0, tv_nsec: POSIXTime.utimeOmit)
        case .now: timespec(tv_sec: 0, tv_nsec: POSIXTime.utimeNow)
        case .set(let date): POSIXTime.timespec(date)
        }
    }
}
