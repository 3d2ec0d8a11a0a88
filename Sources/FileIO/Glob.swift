/// A shell pattern for one path component: `*`, `?`, `[abc]`, `[a-z]`, `[!abc]` (or `[^abc]`).
///
/// As with Python's `glob`, a wildcard does not match a leading `.` unless the pattern starts
/// with one, so hidden files stay hidden unless asked for.
public struct GlobPattern: Sendable {
    private enum Token: Sendable {
        case literal(Character)
        case anyOne
        case anyRun
        case set(items: [ClosedRange<Character>], negated: Bool)
    }

    private let tokens: [Token]
    private let matchesHidden: Bool

    /// Why a pattern does not compile under ``init(validating:matchingHidden:)``.
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        /// What is wrong: an unclosed `[`, a reversed range.
        public var reason: String
        /// The reason.
        public var description: String { reason }
    }

    /// Compiles a one-component pattern as `glob` does: a `[` without a closing `]` is a literal
    /// and a reversed range matches nothing.
    public init(_ pattern: String) {
        // Only strict parsing throws.
        self = try! GlobPattern(pattern, strict: false, matchingHidden: pattern.hasPrefix("."))
    }

    /// Compiles a one-component pattern given by a user as a filter, refusing what `glob` would
    /// read loosely, so a typo is reported instead of silently matching nothing.
    /// - Parameter matchingHidden: whether wildcards match a leading `.` (filters such as
    ///   `sync --exclude '*.log'` mean every such name).
    /// - Throws: ``SyntaxError`` for a `[` without a closing `]` or a reversed range.
    public init(validating pattern: String, matchingHidden: Bool) throws(SyntaxError) {
        try self.init(pattern, strict: true, matchingHidden: matchingHidden || pattern.hasPrefix("."))
    }

    private init(_ pattern: String, strict: Bool, matchingHidden: Bool) throws(SyntaxError) {
        let chars = Array(pattern)
        var tokens: [Token] = []
        var index = 0
        while index < chars.count {
            let char = chars[index]
            switch char {
            case "*":
                if case .anyRun? = tokens.last {} else { tokens.append(.anyRun) }
                index += 1
            case "?":
                tokens.append(.anyOne)
                index += 1
            case "[":
                if let (set, next) = try Self.parseSet(chars, from: index, strict: strict) {
                    tokens.append(set)
                    index = next
                } else if strict {
                    throw SyntaxError(reason: "'[' without a closing ']'")
                } else {
                    tokens.append(.literal("["))
                    index += 1
                }
            default:
                tokens.append(.literal(char))
                index += 1
            }
        }
        self.tokens = tokens
        self.matchesHidden = matchingHidden
    }

    /// True when the text holds a wildcard, so it must be matched rather than looked up.
    public static func hasWildcards(_ text: String) -> Bool {
        text.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    /// True when `name` matches the whole pattern.
    public func matches(_ name: String) -> Bool {
        if name.hasPrefix("."), !matchesHidden { return false }
        let text = Array(name)
        var t = 0
        var p = 0
        var starPattern = -1
        var starText = 0
        while t < text.count {
            if p < tokens.count, Self.matchOne(tokens[p], text[t]) {
                t += 1
                p += 1
            } else if p < tokens.count, case .anyRun = tokens[p] {
                starPattern = p
                starText = t
                p += 1
            } else if starPattern >= 0 {
                p = starPattern + 1
                starText += 1
                t = starText
            } else {
                return false
            }
        }
        while p < tokens.count, case .anyRun = tokens[p] { p += 1 }
        return p == tokens.count
    }

    private static func matchOne(_ token: Token, _ char: Character) -> Bool {
        switch token {
        case .literal(let expected): expected == char
        case .anyOne: true
        case .anyRun: false
        case .set(let items, let negated): items.contains { $0.contains(char) } != negated
        }
    }

    /// Parses `[...]` starting at `start`; nil when it never closes.
    /// - Throws: when `strict`, ``SyntaxError`` for a reversed range.
    private static func parseSet(
        _ chars: [Character],
        from start: Int,
        strict: Bool
    ) throws(SyntaxError) -> (
        Token, Int
    )? {
        var index = start + 1
        var negated = false
        if index < chars.count, chars[index] == "!" || chars[index] == "^" {
            negated = true
            index += 1
        }
        var items: [ClosedRange<Character>] = []
        var first = true
        while index < chars.count {
            let char = chars[index]
            if char == "]", !first { return (.set(items: items, negated: negated), index + 1) }
            first = false
            if index + 2 < chars.count, chars[index + 1] == "-", chars[index + 2] != "]" {
                let upper = chars[index + 2]
                if char <= upper {
                    items.append(char...upper)
                } else if strict {
                    throw SyntaxError(reason: "range '\(char)-\(upper)' is reversed")
                }
                index += 3
            } else {
                items.append(char...char)
                index += 1
            }
        }
        return nil
    }
}

/// The default `glob`: walks only the directories the pattern can reach.
struct GlobSearch<Store: ArtifactStore> {
    let store: Store
    let pattern: String

    func run() throws -> [String] {
        let parsed = try store.resolve(pattern)
        let parts = parsed.components
        guard let firstWild = parts.firstIndex(where: GlobPattern.hasWildcards) else {
            return try store.exists(parsed.description) ? [parsed.description] : []
        }
        let base = ArtifactPath(scheme: parsed.scheme, components: Array(parts[..<firstWild]))
        var found = Set<String>()
        try match(base, parts[firstWild...], into: &found)
        return found.sorted()
    }

    private func match(_ dir: ArtifactPath, _ rest: ArraySlice<String>, into found: inout Set<String>) throws {
        guard let component = rest.first else {
            found.insert(dir.description)
            return
        }
        let remaining = rest.dropFirst()
        if component == "**" {
            // Zero directories (the directory itself only when it is one), then one more level
            // with `**` still in front.
            if !remaining.isEmpty {
                try match(dir, remaining, into: &found)
            } else if try store.isdir(dir.description) {
                found.insert(dir.description)
            }
            for entry in try entries(of: dir) where !entry.name.hasPrefix(".") {
                if entry.kind == .directory {
                    try match(dir.appending(entry.name), rest, into: &found)
                } else if remaining.isEmpty {
                    found.insert(dir.appending(entry.name).description)
                }
            }
        } else if GlobPattern.hasWildcards(component) {
            let pattern = GlobPattern(component)
            for entry in try entries(of: dir) where pattern.matches(entry.name) {
                let child = dir.appending(entry.name)
                if remaining.isEmpty {
                    found.insert(child.description)
                } else if entry.kind == .directory {
                    try match(child, remaining, into: &found)
                }
            }
        } else {
            let child = dir.appending(component)
            if remaining.isEmpty {
                if try store.exists(child.description) { found.insert(child.description) }
            } else {
                try match(child, remaining, into: &found)
            }
        }
    }

    /// A directory's entries; a missing directory or a file simply matches nothing.
    private func entries(of dir: ArtifactPath) throws -> [DirectoryEntry] {
        do {
            return try store.scandir(dir.description)
        } catch let error as ArtifactStoreError where error.code == .notFound || error.code == .notADirectory {
            return []
        }
    }
}
