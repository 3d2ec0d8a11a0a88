#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed, normalised artifact path: a scheme and the path components after it.
///
/// `s3://bucket/run/model.bin` is scheme `s3` with components `bucket`, `run`, `model.bin`; a plain
/// path or a `file://` URI has the empty scheme (the local file system). `.` and `..` are resolved
/// on parsing, so containment is judged by components and never by string prefix.
public struct ArtifactPath: Hashable, Sendable, CustomStringConvertible {
    /// The scheme without `://`, lowercased; empty for local paths.
    public let scheme: String
    /// The components after the scheme, with `.` and `..` resolved.
    public let components: [String]

    /// Creates a path from already-normalised parts.
    public init(scheme: String, components: [String]) {
        self.scheme = scheme
        self.components = components
    }

    /// Parses and normalises a path or URI.
    ///
    /// A relative local path is resolved against the working directory. `keepEmptyComponents`
    /// keeps interior empty components (`a//b`), which object-store keys need to round-trip;
    /// local paths always collapse them.
    /// - Throws: ``ArtifactStoreError/Code/invalidPath`` for an empty path, a NUL byte, a `file://`
    ///   URI that is not absolute, or `..` that climbs above a URI's first component.
    public init(parsing text: String, keepEmptyComponents: Bool = false) throws {
        guard !text.isEmpty else {
            throw ArtifactStoreError(.invalidPath, path: text, "empty path")
        }
        guard !text.utf8.contains(0) else {
            throw ArtifactStoreError(.invalidPath, path: text, "path contains a NUL byte")
        }
        let (scheme, rest) = Self.splitScheme(text)
        if scheme.isEmpty || scheme == "file" {
            var body = rest
            if scheme == "file" {
                if body.unicodeScalars.starts(with: "localhost/".unicodeScalars) {
                    body = Substring(body.unicodeScalars.dropFirst("localhost".count))
                }
                guard body.unicodeScalars.first == "/" else {
                    throw ArtifactStoreError(
                        .invalidPath,
                        path: text,
                        "a file:// URI must hold an absolute path (file:///...)"
                    )
                }
            } else if body.unicodeScalars.first != "/" {
                body = Self.currentDirectory() + "/" + body
            }
            self.scheme = ""
            self.components = try Self.normalise(body, keepEmpty: false, climbsAboveRoot: .clamp, original: text)
        } else {
            self.scheme = scheme
            self.components = try Self.normalise(
                rest,
                keepEmpty: keepEmptyComponents,
                climbsAboveRoot: .fail,
                original: text
            )
        }
    }

    /// Parses a store's root and checks that it starts with one of the flavor's schemes.
    /// - Throws: ``ArtifactStoreError/Code/unsupportedScheme`` naming the root and the schemes.
    public init(root text: String, supportedSchemes: Set<String>, keepEmptyComponents: Bool = false) throws {
        let parsed = try ArtifactPath(parsing: text, keepEmptyComponents: keepEmptyComponents)
        guard supportedSchemes.contains(parsed.schemePrefix) else {
            throw ArtifactStoreError(
                .unsupportedScheme,
                path: text,
                "root path does not start with a supported scheme (supported: \(Self.describe(schemes: supportedSchemes)))"
            )
        }
        self = parsed
    }

    /// `s3://`, `memory://`, or the empty string for local paths: the form `supportedSchemes` uses.
    public var schemePrefix: String { scheme.isEmpty ? "" : scheme + "://" }

    /// True for a path on the local file system.
    public var isLocal: Bool { scheme.isEmpty }

    /// The path as a string: `/a/b` for local paths, `scheme://a/b` otherwise.
    public var description: String {
        let body = components.joined(separator: "/")
        return scheme.isEmpty ? "/" + body : schemePrefix + body
    }

    /// The last component, or the empty string at a scheme's root.
    public var name: String { components.last ?? "" }

    /// The containing path; the root is its own parent.
    public var parent: ArtifactPath {
        ArtifactPath(scheme: scheme, components: Array(components.dropLast()))
    }

    /// True when this path is the scheme's root (`/`, `memory://`).
    public var isRoot: Bool { components.isEmpty }

    /// This path with one more component.
    public func appending(_ component: String) -> ArtifactPath {
        ArtifactPath(scheme: scheme, components: components + [component])
    }

    /// True when `other` is this path or lies below it, compared component by component.
    public func contains(_ other: ArtifactPath) -> Bool {
        other.scheme == scheme && other.components.count >= components.count
            && other.components.starts(with: components)
    }

    /// The components of `other` below this path; `nil` when `other` is not contained.
    public func relativeComponents(of other: ArtifactPath) -> ArraySlice<String>? {
        contains(other) ? other.components.dropFirst(components.count) : nil
    }

    /// Lists schemes for messages: `file://, memory://, plain paths`.
    static func describe(schemes: some Collection<String>) -> String {
        schemes.map { $0.isEmpty ? "plain paths" : $0 }.sorted().joined(separator: ", ")
    }

    // MARK: - Parsing

    /// Splits `scheme://rest` when the text starts with a valid RFC 3986 scheme; otherwise the
    /// whole text is a local path. Separators are found by Unicode scalar, never by `Character`:
    /// a combining mark after `/` joins it into one character, which must still separate.
    private static func splitScheme(_ text: String) -> (scheme: String, rest: Substring) {
        // A byte scan: every path of every call is parsed, and the generic substring search
        // cost a mount more than the disk below it. The scheme's characters are RFC 3986's.
        let bytes = text.utf8
        guard let first = bytes.first, Self.isLetter(first) else { return ("", text[...]) }
        var end = bytes.index(after: bytes.startIndex)
        while end != bytes.endIndex, Self.isSchemeCharacter(bytes[end]) { end = bytes.index(after: end) }
        let rest = bytes[end...]
        guard rest.starts(with: "://".utf8) else { return ("", text[...]) }
        return (text[..<end].lowercased(), text[bytes.index(end, offsetBy: 3)...])
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
    }

    private static func isSchemeCharacter(_ byte: UInt8) -> Bool {
        isLetter(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    private enum ClimbPolicy { case clamp, fail }

    private static func normalise(
        _ body: Substring,
        keepEmpty: Bool,
        climbsAboveRoot: ClimbPolicy,
        original: String
    ) throws -> [String] {
        var parts = body.unicodeScalars.split(separator: "/", omittingEmptySubsequences: false).map(Substring.init)
        // Leading and trailing slashes never name a component.
        while parts.first?.isEmpty == true { parts.removeFirst() }
        while parts.last?.isEmpty == true { parts.removeLast() }
        var result: [String] = []
        result.reserveCapacity(parts.count)
        for part in parts {
            switch part {
            // An empty component is kept only inside a path: first or last, the rendered path would lose it.
            case "": if keepEmpty, !result.isEmpty { result.append("") }
            case ".": continue
            case "..":
                if result.isEmpty {
                    if climbsAboveRoot == .fail {
                        throw ArtifactStoreError(.invalidPath, path: original, "'..' climbs above the root of the URI")
                    }
                } else {
                    result.removeLast()
                }
            default: result.append(String(part))
            }
        }
        // `..` can leave a kept empty component last (`a//b/..`).
        while result.last?.isEmpty == true { result.removeLast() }
        return result
    }

    private static func currentDirectory() -> String {
        guard let cwd = getcwd(nil, 0) else { return "/" }
        defer { free(cwd) }
        return String(cString: cwd)
    }
}
