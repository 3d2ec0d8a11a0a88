import CArtifactFSPlugin
import Foundation

/// The facts of the plugin ABI (`artifactfs_plugin.h`) that host and plugin must agree on.
public enum PluginABI {
    /// The table layout this SDK builds and this `artifactfs` reads; a plugin of a newer version is refused.
    public static let version = UInt32(ARTIFACTFS_PLUGIN_ABI_VERSION)
    /// The oldest table layout this `artifactfs` still loads: version-1 plugins serve artifact stores only.
    public static let oldestVersion = UInt32(ARTIFACTFS_PLUGIN_ABI_OLDEST_VERSION)
    /// The first version whose table makes components of other types (model registries).
    public static let componentsVersion: UInt32 = 2
    /// The release of this SDK, recorded with each registration and shown in messages.
    public static let sdkVersion = "1.0.0"
    /// The symbol every plugin exports: `const afs_plugin_v1 *artifactfs_plugin_entry(void)`.
    public static let entrySymbol = ARTIFACTFS_PLUGIN_ENTRY
}

/// One flavor as a plugin describes it: everything needed to list it, describe it and check a
/// config's fields, without loading its implementation.
public struct FlavorDescription: Codable, Sendable, Hashable {
    /// The flavor's name, unique within its component type.
    public var name: String
    /// The component type, as stored (`artifact_store`).
    public var type: String
    /// One line on what it is.
    public var summary: String
    /// The URI schemes its stores serve (`blob://`), for artifact-store flavors; empty otherwise.
    public var schemes: [String]
    /// Its config fields.
    public var fields: [ConfigField]
    /// Groups of fields that exclude each other (see ``ConfigSchema/exclusive``); nil from plugins
    /// built before it existed.
    public var exclusive: [[String]]?

    /// Describes `flavor`.
    public init(_ flavor: any Flavor) {
        name = flavor.name
        type = flavor.type.rawValue
        summary = flavor.summary
        schemes = ((flavor as? any ArtifactStoreFlavor)?.supportedSchemes ?? []).sorted()
        fields = flavor.schema.fields
        exclusive = flavor.schema.exclusive.isEmpty ? nil : flavor.schema.exclusive
    }

    /// The config schema the host checks configs against before the plugin is loaded.
    public var schema: ConfigSchema { ConfigSchema(fields, exclusive: exclusive ?? []) }

    /// The component type, when this `artifactfs` knows it.
    public var componentType: StackComponentType? { StackComponentType(rawValue: type) }
}

/// What `describe` returns: every flavor the plugin carries.
public struct PluginDescription: Codable, Sendable {
    /// The flavors, of any component type.
    public var flavors: [FlavorDescription]

    /// Creates a description.
    public init(flavors: [FlavorDescription]) {
        self.flavors = flavors
    }
}

/// What `store_make` returns about a new store.
public struct StoreDescription: Codable, Sendable {
    /// The store's root.
    public var root: String
    /// The schemes it serves.
    public var schemes: [String]
    /// What it can do.
    public var capabilities: ArtifactStoreCapabilities

    /// Describes `store`.
    public init(_ store: any ArtifactStore) {
        root = store.root.description
        schemes = store.supportedSchemes.sorted()
        capabilities = store.capabilities
    }
}

/// One store operation as `store_call` receives it.
public struct StoreRequest: Codable, Sendable {
    /// `stat`, `scandir`, `mkdir`, `rmdir`, `remove`, `rename` or `copyfile`.
    public var op: String
    /// The path of a one-path operation.
    public var path: String?
    /// The source of `rename` and `copyfile`.
    public var source: String?
    /// The destination of `rename` and `copyfile`.
    public var destination: String?
    /// Whether `rename` and `copyfile` may replace the destination.
    public var overwrite: Bool?

    /// Creates a request.
    public init(
        op: String,
        path: String? = nil,
        source: String? = nil,
        destination: String? = nil,
        overwrite: Bool? = nil
    ) {
        self.op = op
        self.path = path
        self.source = source
        self.destination = destination
        self.overwrite = overwrite
    }
}

/// An error as it crosses the boundary: enough to rebuild the same ``ArtifactStoreError``,
/// ``StackError`` or ``ModelRegistryError`` on the other side, so a plugin's `notFound` is the
/// host's `notFound` (and `ENOENT`).
public struct PluginFailure: Codable, Sendable, Error {
    /// `store` for an ``ArtifactStoreError``, `config` for a ``StackError``, `model_registry` for a ``ModelRegistryError``.
    public var domain: String
    /// The code's name (`notFound`, `invalidConfig`).
    public var code: String
    /// The path at fault, for store errors.
    public var path: String
    /// The message, naming what is at fault.
    public var message: String

    /// Captures any error; one of no known type becomes a store `io` error.
    public init(_ error: any Error) {
        switch error {
        case let error as ArtifactStoreError:
            (domain, code, path, message) = ("store", error.code.description, error.path, error.message)
        case let error as StackError:
            (domain, code, path, message) = ("config", error.code.description, "", error.message)
        case let error as ModelRegistryError:
            (domain, code, path, message) = ("model_registry", error.code.description, "", error.message)
        case let error as PluginFailure:
            self = error
        default:
            (domain, code, path, message) = ("store", "io", "", String(describing: error))
        }
    }

    /// The error to throw on the host side: the type its domain names, with the code its name names.
    /// A name this side does not know (a newer plugin's code) becomes `invalidConfig` for `config`,
    /// `backend` for `model_registry` and `io` for `store`; any other domain is a store error.
    public var error: any ArtifactFSError {
        switch domain {
        case "config": StackError(StackError.Code(name: code) ?? .invalidConfig, message)
        case "model_registry": ModelRegistryError(ModelRegistryError.Code(name: code) ?? .backend, message)
        default: ArtifactStoreError(ArtifactStoreError.Code(name: code) ?? .io, path: path, message)
        }
    }
}

/// The JSON both sides write: sorted keys, dates as Unix seconds.
public enum PluginJSON {
    /// Encodes a value as JSON text.
    /// - Throws: `EncodingError` for a value JSON cannot hold (a non-finite number).
    public static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Decodes JSON text.
    /// - Throws: `DecodingError` when the text is not the expected JSON.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(type, from: Data(text.utf8))
    }
}
