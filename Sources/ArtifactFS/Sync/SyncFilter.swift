/// Which files `sync` considers, from `--exclude` and `--include` glob patterns over paths
/// relative to the synced roots (`runs/1/model.bin`).
///
/// As in `rclone`, a pattern starting with `/` is matched against the whole relative path; any
/// other against the end of it, from a folder boundary: `*.log` matches a name at any depth,
/// `tmp/` (a trailing `/` means everything below) a `tmp` folder anywhere. `*` and `?` stay within
/// one component, `**` spans components, `[...]`/`[!...]` are sets.
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

/// One compiled filter pattern.
struct SyncPattern: Sendable {
    private enum Token: Sendable {
        case literal(Character)
        case anyOne
        case anyRun
        case anyDepth
        case anyDirectories
        case set(items: [ClosedRange<Character>], negated: Bool)
    }

    private let tokens: [Token]
    private let anchored: Bool

    init(_ pattern: String) throws {
        guard !pattern.isEmpty else { throw SyncFilter.PatternError(pattern: pattern, reason: "empty pattern") }
        var text = pattern
        anchored = text.hasPrefix("/")
        if anchored { text.removeFirst() }
        if text.hasSuffix("/") || text.isEmpty { text += "**" }
        let chars = Array(text)
        var tokens: [Token] = []
        var index = 0
        while index < chars.count {
            switch chars[index] {
            case "*" where index + 1 < chars.count && chars[index + 1] == "*":
                let followedBySlash = index + 2 < chars.count && chars[index + 2] == "/"
                tokens.append(followedBySlash ? .anyDirectories : .anyDepth)
                index += followedBySlash ? 3 : 2
            case "*":
                tokens.append(.anyRun)
                index += 1
            case "?":
                tokens.append(.anyOne)
                index += 1
            case "[":
                let (set, next) = try Self.parseSet(chars, from: index, pattern: pattern)
                tokens.append(set)
                index = next
            case let char:
                tokens.append(.literal(char))
                index += 1
            }
        }
        self.tokens = tokens
    }

    /// True when the pattern matches the whole path (anchored) or a tail of it that starts a component.
    func matches(_ relativePath: String) -> Bool {
        let text = Array(relativePath)
        if Self.match(tokens[...], text[...]) { return true }
        guard !anchored else { return false }
        return text.indices.contains { text[$0] == "/" && Self.match(tokens[...], text[($0 + 1)...]) }
    }

    private static func match(_ tokens: ArraySlice<Token>, _ text: ArraySlice<Character>) -> Bool {
        guard let token = tokens.first else { return text.isEmpty }
        let rest = tokens.dropFirst()
        switch token {
        case .literal(let char):
            return text.first == char && match(rest, text.dropFirst())
        case .anyOne:
            guard let first = text.first, first != "/" else { return false }
            return match(rest, text.dropFirst())
        case .set(let items, let negated):
            guard let first = text.first, first != "/" else { return false }
            return items.contains { $0.contains(first) } != negated && match(rest, text.dropFirst())
        case .anyRun:
            var tail = text
            while true {
                if match(rest, tail) { return true }
                guard let first = tail.first, first != "/" else { return false }
                tail = tail.dropFirst()
            }
        case .anyDepth:
            return text.indices.contains { match(rest, text[$0...]) } || match(rest, text[text.endIndex...])
        case .anyDirectories:
            if match(rest, text) { return true }
            return text.indices.contains { text[$0] == "/" && match(rest, text[($0 + 1)...]) }
        }
    }

    /// Parses `[...]` at `start`; returns the set and the index after its `]`.
    private static func parseSet(_ chars: [Character], from start: Int, pattern: String) throws -> (Token, Int) {
        var index = start + 1
        var negated = false
        if index < chars.count, chars[index] == "!" || chars[index] == "^" {
            negated = true
            index += 1
        }
        var items: [ClosedRange<Character>] = []
        var first = true
        while index < chars.count, chars[index] != "]" || first {
            first = false
            let low = chars[index]
            if index + 2 < chars.count, chars[index + 1] == "-", chars[index + 2] != "]" {
                guard low <= chars[index + 2] else {
                    throw SyncFilter.PatternError(
                        pattern: pattern,
                        reason: "range '\(low)-\(chars[index + 2])' is reversed"
                    )
                }
                items.append(low...chars[index + 2])
                index += 3
            } else {
                items.append(low...low)
                index += 1
            }
        }
        guard index < chars.count else {
            throw SyncFilter.PatternError(pattern: pattern, reason: "'[' without a closing ']'")
        }
        return (.set(items: items, negated: negated), index + 1)
    }
}
