import Foundation

/// The PostgreSQL server a team's projects share their metadata on: a libpq connection URL
/// (`postgresql://USER@HOST:PORT/DATABASE?sslmode=require`).
///
/// It comes from `ARTIFACTFS_METADATA_URL`, or else from the config folder's `metadata-url` file
/// (written by `artifactfs init --metadata URL`); with neither, the project keeps its metadata in
/// the embedded SQLite file. The password comes from the URL, `PGPASSWORD` or `~/.pgpass` (libpq
/// reads both); it is never printed: ``description`` leaves it out.
public struct MetadataServerURL: Sendable, Hashable, CustomStringConvertible {
    /// The environment variable naming the server; it wins over the config folder's file.
    public static let environmentKey = "ARTIFACTFS_METADATA_URL"
    /// The file in the config folder that records the server.
    public static let fileName = "metadata-url"

    /// The URL as given, password included: only libpq sees it.
    let text: String
    /// The password the URL carries, to keep it out of every message.
    let password: String?
    /// The URL without its password, for messages.
    public let description: String

    /// Parses a `postgresql://` (or `postgres://`) URL.
    /// - Throws: ``StackErrorCode/invalidArgument`` for another scheme or a malformed URL (the
    ///   message never repeats the password).
    public init(_ text: String) throws {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "postgresql" || scheme == "postgres"
        else {
            throw StackError(
                .invalidArgument,
                "the metadata URL must look like postgresql://USER@HOST:PORT/DATABASE (\(Self.environmentKey) or `artifactfs init --metadata`)"
            )
        }
        self.text = text
        let queryPassword = components.queryItems?.first { $0.name == "password" }?.value
        password = components.password.flatMap { $0.removingPercentEncoding ?? $0 } ?? queryPassword
        var shown = components
        shown.password = nil
        shown.queryItems = components.queryItems.map { items in items.filter { $0.name != "password" } }
        if shown.queryItems?.isEmpty == true { shown.queryItems = nil }
        description = shown.string ?? "\(scheme)://"
    }

    /// Whether the URL itself carries a password (which a recorded URL must not).
    public var hasPassword: Bool { password != nil }

    /// The server configured for the config folder `directory`, or nil for the embedded SQLite file.
    /// - Throws: ``StackErrorCode/invalidArgument`` when the configured URL is malformed.
    public static func configured(
        in directory: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> MetadataServerURL? {
        if let text = environment[environmentKey], !text.isEmpty { return try MetadataServerURL(text) }
        let file = directory + "/" + fileName
        guard let contents = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let text = contents.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : try MetadataServerURL(text)
    }

    /// Records this server in the config folder `directory`, for every later process there.
    /// - Throws: ``StackErrorCode/invalidArgument`` when the URL carries a password (a recorded
    ///   file is easily shared: the password belongs in `PGPASSWORD` or `~/.pgpass`), and
    ///   ``StackErrorCode/storage`` when the file cannot be written.
    public func record(in directory: String) throws {
        guard !hasPassword else {
            throw StackError(
                .invalidArgument,
                "the metadata URL \(description) must not carry a password when it is recorded: put it in PGPASSWORD or ~/.pgpass"
            )
        }
        let file = directory + "/" + Self.fileName
        do {
            try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            throw StackError(.storage, "cannot write '\(file)': \(error.localizedDescription)")
        }
    }

    /// `message` with every form of the password taken out.
    func redacting(_ message: String) -> String {
        guard let password, !password.isEmpty else { return message }
        let encoded = password.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed) ?? password
        return message.replacingOccurrences(of: password, with: "***").replacingOccurrences(of: encoded, with: "***")
    }
}
