import Foundation
import Yams

/// A whole project's metadata as `artifactfs metadata export` writes it and `metadata import` reads
/// it: one versioned YAML document of components, stacks, the active stack, plugin flavor
/// registrations, secrets and the `default` model registry, to move a project between backends.
///
/// Items are keyed by name, never by a store's row ids; timestamps are UTC to the second
/// (`2026-12-01T12:23:29Z`), what both engines keep exactly. Secrets are names and keys, with their
/// values only when exported with `--include-secrets`, and then sealed with the project key.
public struct MetadataDocument: Codable, Sendable, Hashable {
    /// The document version this release writes and reads.
    public static let currentVersion = 1

    /// One component: type, name, flavor, config (secret fields as `{{NAME.KEY}}` references) and labels.
    public struct Component: Codable, Sendable, Hashable {
        public var type: String
        public var name: String
        public var flavor: String
        public var config: ComponentConfig
        public var labels: [String: String]?
        public var created: String
        public var updated: String
    }

    /// One stack: its component of each type, by the component's name.
    public struct StackEntry: Codable, Sendable, Hashable {
        public var name: String
        public var components: [String: String]
        public var created: String
        public var updated: String
    }

    /// One plugin flavor registration: where the plugin is and the content hash it is pinned to.
    /// Trust in it is per machine and does not travel (see ``PluginFlavorRegistration``).
    public struct PluginFlavor: Codable, Sendable, Hashable {
        public var type: String
        public var name: String
        public var source: String
        public var library: String
        public var sdkVersion: String
        public var contentHash: String
        public var declaration: String
        public var registered: String

        enum CodingKeys: String, CodingKey {
            case type, name, source, library, declaration, registered
            case sdkVersion = "sdk_version"
            case contentHash = "content_hash"
        }
    }

    /// One secret: its name and keys; `sealed` holds its values (AES-GCM under the project key,
    /// base64) only in a document exported with `--include-secrets`.
    public struct Secret: Codable, Sendable, Hashable {
        public var name: String
        public var keys: [String]
        public var sealed: String?
    }

    /// One model of the `default` model registry, with its versions and aliases.
    public struct Model: Codable, Sendable, Hashable {
        public var name: String
        public var description: String?
        public var tags: [String: String]?
        public var created: String
        public var updated: String
        public var versions: [Version]
        /// Alias → version.
        public var aliases: [String: String]?

        /// A model entry, as the model registry's module exports one.
        package init(
            name: String,
            description: String?,
            tags: [String: String]?,
            created: String,
            updated: String,
            versions: [Version],
            aliases: [String: String]?
        ) {
            self.name = name
            self.description = description
            self.tags = tags
            self.created = created
            self.updated = updated
            self.versions = versions
            self.aliases = aliases
        }
    }

    /// One model version: where its files are (artifact URIs; the files themselves do not move),
    /// its stage and metadata.
    public struct Version: Codable, Sendable, Hashable {
        public var version: String
        public var sequence: Int
        public var sourceURI: String
        public var storedURI: String
        public var copied: Bool
        public var format: String?
        public var library: String?
        public var description: String?
        public var stage: String
        public var metadata: [String: String]?
        public var tags: [String: String]?
        public var created: String
        public var updated: String

        /// A version entry, as the model registry's module exports one.
        package init(
            version: String,
            sequence: Int,
            sourceURI: String,
            storedURI: String,
            copied: Bool,
            format: String?,
            library: String?,
            description: String?,
            stage: String,
            metadata: [String: String]?,
            tags: [String: String]?,
            created: String,
            updated: String
        ) {
            self.version = version
            self.sequence = sequence
            self.sourceURI = sourceURI
            self.storedURI = storedURI
            self.copied = copied
            self.format = format
            self.library = library
            self.description = description
            self.stage = stage
            self.metadata = metadata
            self.tags = tags
            self.created = created
            self.updated = updated
        }

        enum CodingKeys: String, CodingKey {
            case version, sequence, copied, format, library, description, stage, metadata, tags, created, updated
            case sourceURI = "source_uri"
            case storedURI = "stored_uri"
        }
    }

    /// The document version (``currentVersion`` when written by this release).
    public var version: Int
    /// The project's active stack (one per project: on a server, the team's).
    public var activeStack: String?
    public var components: [Component]
    public var stacks: [StackEntry]
    public var pluginFlavors: [PluginFlavor]
    public var secrets: [Secret]
    public var models: [Model]

    enum CodingKeys: String, CodingKey {
        case version = "artifactfs_metadata"
        case activeStack = "active_stack"
        case pluginFlavors = "plugin_flavors"
        case components, stacks, secrets, models
    }

    /// An empty document of the current version.
    package init() {
        version = Self.currentVersion
        components = []
        stacks = []
        pluginFlavors = []
        secrets = []
        models = []
    }

    /// The YAML text, keys sorted so the same metadata always gives the same text.
    /// - Throws: ``StackErrorCode/storage`` when it cannot be encoded.
    public func yaml() throws -> String {
        do {
            let encoder = YAMLEncoder()
            encoder.options.sortKeys = true
            return try encoder.encode(self)
        } catch {
            throw StackError(.storage, "cannot write the metadata as YAML: \(error)", cause: error)
        }
    }

    /// Reads a document, checking its version before its fields.
    /// - Parameter source: what the text was read from, for messages.
    /// - Throws: ``StackErrorCode/invalidArgument`` naming the source and the line or field at fault,
    ///   or the unknown version.
    public init(yaml: String, source: String) throws {
        struct Header: Decodable {
            var version: Int?
            enum CodingKeys: String, CodingKey { case version = "artifactfs_metadata" }
        }
        let header: Header
        do {
            header = try YAMLDecoder().decode(Header.self, from: yaml)
        } catch {
            throw Self.notADocument(source, error)
        }
        guard let version = header.version else {
            throw StackError(
                .invalidArgument,
                "\(source): not a metadata export: missing field 'artifactfs_metadata' (the document version, as `artifactfs metadata export` writes it)"
            )
        }
        guard version == Self.currentVersion else {
            throw StackError(
                .invalidArgument,
                "\(source): field 'artifactfs_metadata': unknown document version \(version) (this artifactfs reads version \(Self.currentVersion))"
            )
        }
        do {
            self = try YAMLDecoder().decode(Self.self, from: yaml)
        } catch {
            throw Self.notADocument(source, error)
        }
    }

    private static func notADocument(_ source: String, _ error: any Error) -> StackError {
        StackError(
            .invalidArgument,
            "\(source): not a metadata export: \(MetadataStore.importProblem(error))",
            cause: error
        )
    }

    // MARK: - Timestamps

    /// A date as the document writes it: UTC, to the second.
    package static func timestamp(_ date: Date) -> String {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down)).ISO8601Format()
    }

    /// The date a document's timestamp names.
    /// - Throws: ``StackErrorCode/invalidArgument`` naming `field` of `item` when it is not one.
    package static func date(_ text: String, field: String, of item: String) throws -> Date {
        guard let date = try? Date(text, strategy: .iso8601) else {
            throw StackError(
                .invalidArgument,
                "\(item): field '\(field)' must be a UTC timestamp such as 2026-12-01T12:23:29Z (got '\(text)')"
            )
        }
        return date
    }
}
