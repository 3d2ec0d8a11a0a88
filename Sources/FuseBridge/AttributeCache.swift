import FileIO
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What the mount knows about paths for a short while: their metadata or that nothing is there
/// (the attribute TTL), and the names in folders (the listing TTL). Spares the store a `stat` per
/// `getattr` and a listing per `opendir`, which is what makes `ls -l` and a walk of an object store
/// slow; every change made through the mount drops at once what it touches, the folder's listing
/// included.
final class AttributeCache: Sendable {
    private struct Entry {
        var info: FileInfo?
        var expires: UInt64
    }

    private struct Listing {
        var entries: [DirectoryEntry]
        /// Where each name is in `entries`.
        var index: [String: Int]
        var expires: UInt64

        init(_ entries: [DirectoryEntry], expires: UInt64) {
            self.entries = entries
            index = Dictionary(entries.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
            self.expires = expires
        }

        /// Puts `entry` in the listing, in place of an entry of the same name.
        mutating func put(_ entry: DirectoryEntry) {
            if let at = index[entry.name] {
                entries[at] = entry
            } else {
                index[entry.name] = entries.count
                entries.append(entry)
            }
        }

        /// Takes the entry named `name` out of the listing (the last entry fills its place).
        mutating func remove(_ name: String) -> DirectoryEntry? {
            guard let at = index.removeValue(forKey: name) else { return nil }
            let removed = entries[at]
            let last = entries.removeLast()
            if at < entries.count {
                entries[at] = last
                index[last.name] = at
            }
            return removed
        }
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var listings: [String: Listing] = [:]
        var listedNames = 0
        /// Counts invalidations, so an answer the store gave before a change is not kept after it.
        var generation: UInt64 = 0
    }

    /// Past this many entries (attributes, or names across listings) the cache starts over,
    /// keeping memory bounded.
    private static let capacity = 200_000

    private let ttlNanoseconds: UInt64
    private let listTTLNanoseconds: UInt64
    private let state = Mutex(State())

    /// A cache keeping attributes for `ttl` seconds and listings for `listTTL` seconds (0: not at all).
    init(ttl: Double, listTTL: Double) {
        ttlNanoseconds = Self.nanoseconds(ttl)
        listTTLNanoseconds = Self.nanoseconds(listTTL)
    }

    /// A stamp to pass to ``store(_:_:since:)`` or ``storeListing(_:_:since:)``: taken before asking
    /// the store, it keeps an answer out of the cache when something changed while it was asked.
    func generation() -> UInt64 {
        state.withLock { $0.generation }
    }

    /// `.some(info)` when cached (`info` nil meaning "known absent"), `nil` when unknown or expired.
    func lookup(_ path: String) -> FileInfo?? {
        guard ttlNanoseconds > 0 else { return nil }
        let now = Self.now()
        return state.withLock { state in
            guard let entry = state.entries[path] else { return nil }
            guard entry.expires > now else {
                state.entries[path] = nil
                return nil
            }
            return .some(entry.info)
        }
    }

    /// Remembers what `path` is (or that it is absent), unless something changed since `generation`.
    func store(_ path: String, _ info: FileInfo?, since generation: UInt64? = nil) {
        guard ttlNanoseconds > 0 else { return }
        let expires = Self.now() + ttlNanoseconds
        state.withLock { state in
            if let generation, generation != state.generation { return }
            if state.entries.count >= Self.capacity { state.entries.removeAll(keepingCapacity: true) }
            state.entries[path] = Entry(info: info, expires: expires)
        }
    }

    /// The names in the folder `path` as last listed, or nil when unknown or expired.
    func listing(of path: String) -> [DirectoryEntry]? {
        guard listTTLNanoseconds > 0 else { return nil }
        let now = Self.now()
        return state.withLock { state in
            guard let listing = state.listings[path] else { return nil }
            guard listing.expires > now else {
                Self.dropListing(path, &state)
                return nil
            }
            return listing.entries
        }
    }

    /// Remembers the names in the folder `path`, unless something changed since `generation`.
    func storeListing(_ path: String, _ entries: [DirectoryEntry], since generation: UInt64) {
        guard listTTLNanoseconds > 0, entries.count < Self.capacity else { return }
        let expires = Self.now() + listTTLNanoseconds
        state.withLock { state in
            guard generation == state.generation else { return }
            Self.dropListing(path, &state)
            if state.listedNames + entries.count > Self.capacity {
                state.listings.removeAll(keepingCapacity: true)
                state.listedNames = 0
            }
            state.listings[path] = Listing(entries, expires: expires)
            state.listedNames += entries.count
        }
    }

    /// True when the listing of the folder holding `path` is known and names nothing there: a
    /// lookup of a name about to be created needs no request to the store.
    func listedAbsent(_ path: String) -> Bool {
        guard listTTLNanoseconds > 0 else { return false }
        let folder = Self.parent(of: path)
        guard folder != path, let name = Self.name(of: path) else { return false }
        let now = Self.now()
        return state.withLock { state in
            guard let listing = state.listings[folder], listing.expires > now else { return false }
            return listing.index[name] == nil
        }
    }

    /// True when `path` is known absent: by its own entry or its folder's listing.
    func knownAbsent(_ path: String) -> Bool {
        if case .some(nil) = lookup(path) { return true }
        return listedAbsent(path)
    }

    /// Forgets what is known of one path, leaving the listings: a file being created, which
    /// listings show while it is open and which ``added(_:_:)`` puts in them once it is published.
    func forget(_ path: String) {
        state.withLock { state in
            state.generation &+= 1
            state.entries[path] = nil
        }
    }

    /// Puts a name just published or made through the mount in its folder's listing, where that
    /// listing is known (keeping its expiry: the store was not asked again), and forgets the path's
    /// own metadata.
    func added(_ path: String, _ entry: DirectoryEntry) {
        let folder = Self.parent(of: path)
        state.withLock { state in
            state.generation &+= 1
            state.entries[path] = nil
            guard folder != path else { return }
            Self.changeListing(of: folder, &state) { $0.put(entry) }
        }
    }

    /// Records a folder just made through the mount: it is in its folder's listing, and its own
    /// listing is empty, so the files written into it next need no lookup of the store.
    func madeFolder(_ path: String) {
        added(path, DirectoryEntry(name: Self.name(of: path) ?? path, kind: .directory))
        guard listTTLNanoseconds > 0 else { return }
        let expires = Self.now() + listTTLNanoseconds
        state.withLock { state in
            Self.dropListing(path, &state)
            state.listings[path] = Listing([], expires: expires)
        }
    }

    /// Records a file renamed through the mount: its entry moves from the listing of its old
    /// folder to that of its new one where those are known, so the files written next into either
    /// still need no lookup of the store. False (nothing changed) unless the old folder's listing
    /// knows `source` as a file: the caller then forgets both trees.
    func renamedFile(_ source: String, to destination: String) -> Bool {
        let from = Self.parent(of: source)
        let to = Self.parent(of: destination)
        guard let oldName = Self.name(of: source), let newName = Self.name(of: destination) else { return false }
        return state.withLock { state in
            let moved = Self.changeListing(of: from, &state) { listing -> DirectoryEntry? in
                guard let at = listing.index[oldName], listing.entries[at].kind != .directory else { return nil }
                return listing.remove(oldName)
            }
            guard var entry = moved ?? nil else { return false }
            state.generation &+= 1
            state.entries[source] = nil
            state.entries[destination] = nil
            entry.name = newName
            Self.changeListing(of: to, &state) { $0.put(entry) }
            return true
        }
    }

    /// Forgets the listing of the folder holding `path` (a name appeared or went there).
    func invalidateListing(containing path: String) {
        state.withLock { state in
            state.generation &+= 1
            Self.dropListing(Self.parent(of: path), &state)
        }
    }

    /// Forgets one path, its listing and its folder's listing.
    func invalidate(_ path: String) {
        state.withLock { state in
            state.generation &+= 1
            state.entries[path] = nil
            Self.dropListing(path, &state)
            Self.dropListing(Self.parent(of: path), &state)
        }
    }

    /// Forgets a path and everything below it, attributes and listings, and its folder's listing
    /// (after a directory rename or removal).
    func invalidateTree(_ path: String) {
        let prefix = path.hasSuffix("/") ? path : path + "/"
        state.withLock { state in
            state.generation &+= 1
            state.entries[path] = nil
            for key in state.entries.keys where key.hasPrefix(prefix) { state.entries[key] = nil }
            Self.dropListing(path, &state)
            Self.dropListing(Self.parent(of: path), &state)
            for key in state.listings.keys where key.hasPrefix(prefix) { Self.dropListing(key, &state) }
        }
    }

    /// Changes the known listing of `folder` in place (taken out and put back rather than copied),
    /// keeping the count of listed names; nil when that listing is not known.
    @discardableResult
    private static func changeListing<Result>(
        of folder: String,
        _ state: inout State,
        _ change: (inout Listing) -> Result
    ) -> Result? {
        guard var listing = state.listings.removeValue(forKey: folder) else { return nil }
        let before = listing.entries.count
        let result = change(&listing)
        state.listedNames += listing.entries.count - before
        state.listings[folder] = listing
        return result
    }

    private static func dropListing(_ path: String, _ state: inout State) {
        if let listing = state.listings.removeValue(forKey: path) { state.listedNames -= listing.entries.count }
    }

    /// The folder holding a store path: `s3://b/runs` of `s3://b/runs/1`, `memory://` of
    /// `memory://a`, `/` of `/a`.
    static func parent(of path: String) -> String {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return trimmed }
        let head = trimmed[..<slash]
        if head.isEmpty { return "/" }
        if head.hasSuffix(":/") { return String(trimmed[...slash]) }
        return String(head)
    }

    /// The last name of a store path (`1` of `s3://b/runs/1`); nil for a root.
    static func name(of path: String) -> String? {
        let trimmed = path.hasSuffix("/") ? path.dropLast() : Substring(path)
        guard let slash = trimmed.lastIndex(of: "/") else { return nil }
        let name = trimmed[trimmed.index(after: slash)...]
        return name.isEmpty ? nil : String(name)
    }

    private static func nanoseconds(_ seconds: Double) -> UInt64 {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return UInt64(min(seconds, 1e9) * 1_000_000_000)
    }

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
