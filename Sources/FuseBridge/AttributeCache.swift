import FileIO
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What the mount knows about paths for a short while (the attribute TTL): their metadata, or
/// that nothing is there. Spares the store a `stat` per `getattr`, which is what makes `ls -l`
/// of an object store slow; every change made through the mount invalidates what it touches.
final class AttributeCache: Sendable {
    private struct Entry {
        var info: FileInfo?
        var expires: UInt64
    }

    /// Past this many entries the cache starts over, keeping memory bounded.
    private static let capacity = 200_000

    private let ttlNanoseconds: UInt64
    private let entries = Mutex<[String: Entry]>([:])

    init(ttl: Double) {
        ttlNanoseconds = UInt64(max(ttl, 0) * 1_000_000_000)
    }

    /// `.some(info)` when cached (`info` nil meaning "known absent"), `nil` when unknown or expired.
    func lookup(_ path: String) -> FileInfo?? {
        guard ttlNanoseconds > 0 else { return nil }
        let now = Self.now()
        return entries.withLock { entries in
            guard let entry = entries[path] else { return nil }
            guard entry.expires > now else {
                entries[path] = nil
                return nil
            }
            return .some(entry.info)
        }
    }

    /// Remembers what `path` is (or that it is absent).
    func store(_ path: String, _ info: FileInfo?) {
        guard ttlNanoseconds > 0 else { return }
        let expires = Self.now() + ttlNanoseconds
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[path] = Entry(info: info, expires: expires)
        }
    }

    /// Forgets one path.
    func invalidate(_ path: String) {
        entries.withLock { _ = $0.removeValue(forKey: path) }
    }

    /// Forgets a path and everything below it (after a directory rename or removal).
    func invalidateTree(_ path: String) {
        let prefix = path.hasSuffix("/") ? path : path + "/"
        entries.withLock { entries in
            entries[path] = nil
            for key in entries.keys where key.hasPrefix(prefix) { entries[key] = nil }
        }
    }

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
