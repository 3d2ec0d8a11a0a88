import FileIO

/// Which files `sync` considers, from `--exclude` and `--include` glob patterns over paths
/// relative to the synced roots (`runs/1/model.bin`).
///
/// As in `rclone`, a pattern starting with `/` is matched against the whole relative path; any
/// other against the end of it, from a folder boundary: `*.log` matches a name at any depth,
/// `tmp/` (a trailing `/` means everything below) a `tmp` folder anywhere. `*` and `?` stay within
/// one component, a `**` component spans folders, `[...]`/`[!...]` are sets (``GlobPattern``), and
/// wildcards match names starting with `.` too.
/// A file matching an include is synced; else one matching an exclude is skipped; else, when
/// includes were given and no excludes, it is skipped (includes alone select); else it is synced.
/// The same filter applies to both sides, so `--delete` never removes an excluded file.
public struct SyncFilter: Sendable {
    /// A pattern that does not parse, with what is wrong with it.
    public struct PatternError: Error, Sendable, CustomStringConvertible {
        /// The pattern as given.
        public var pattern: String
        /// What is wrong with it.
        public var reason: String
        /// `'<pattern>': <reason>`.
        public var description: String { "'\(pattern)': \(reason)" }
    }

    private let excludes: [SyncPattern]
    private let includes: [SyncPattern]

    /// A filter that lets every file through.
    public static let all = SyncFilter(excludes: [], includes: [])

    /// Compiles the patterns.
    /// - Throws: ``PatternError`` naming the first malformed pattern (empty, an unclosed `[`, a
    ///   reversed range).
    public init(exclude: [String], include: [String]) throws {
        self.init(excludes: try exclude.map(SyncPattern.init), includes: try include.map(SyncPattern.init))
    }

    private init(excludes: [SyncPattern], includes: [SyncPattern]) {
        self.excludes = excludes
        self.includes = includes
    }

    /// True when the file at `relativePath` takes part in the sync.
    public func admits(_ relativePath: String) -> Bool {
        if includes.contains(where: { $0.matches(relativePath) }) { return true }
        if excludes.contains(where: { $0.matches(relativePath) }) { return false }
        return includes.isEmpty || !excludes.isEmpty
    }
}

/// One compiled filter pattern: its `/`-separated components, each a ``GlobPattern`` or `**`.
struct SyncPattern: Sendable {
    private enum Part: Sendable {
        case name(GlobPattern)
        case anyDepth
    }

    private let parts: [Part]
    private let anchored: Bool

    init(_ pattern: String) throws {
        guard !pattern.isEmpty else { throw SyncFilter.PatternError(pattern: pattern, reason: "empty pattern") }
        var text = pattern
        anchored = text.hasPrefix("/")
        if anchored { text.removeFirst() }
        if text.hasSuffix("/") || text.isEmpty { text += "**" }
        let components: [Substring] = text.split(separator: "/")
        parts = try components.map { component throws(SyncFilter.PatternError) -> Part in
            if component == "**" { return .anyDepth }
            do throws(GlobPattern.SyntaxError) {
                return .name(try GlobPattern(validating: String(component), matchingHidden: true))
            } catch {
                throw SyncFilter.PatternError(pattern: pattern, reason: error.reason)
            }
        }
    }

    /// True when the pattern matches the whole path (anchored) or a tail of it that starts a component.
    func matches(_ relativePath: String) -> Bool {
        let names = relativePath.split(separator: "/").map(String.init)
        if Self.match(parts[...], names[...]) { return true }
        guard !anchored else { return false }
        return names.indices.dropFirst().contains { Self.match(parts[...], names[$0...]) }
    }

    /// `**` spans any number of folders; at the end of a pattern it needs at least one name, so
    /// `runs/**` means what is below `runs`, not a file named `runs`.
    private static func match(_ parts: ArraySlice<Part>, _ names: ArraySlice<String>) -> Bool {
        guard let part = parts.first else { return names.isEmpty }
        let rest = parts.dropFirst()
        switch part {
        case .name(let pattern):
            guard let name = names.first, pattern.matches(name) else { return false }
            return match(rest, names.dropFirst())
        case .anyDepth:
            if rest.isEmpty { return !names.isEmpty }
            return (names.startIndex...names.endIndex).contains { match(rest, names[$0...]) }
        }
    }
}
