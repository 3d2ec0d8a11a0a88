import Foundation

/// A flavor registered from a plugin, as the metadata store keeps it: enough to list, describe and
/// check configs of the flavor without loading the plugin.
public struct PluginFlavorRegistration: Sendable, Hashable {
    /// Its component type.
    public var type: StackComponentType
    /// Its name.
    public var name: String
    /// What the user registered (package folder or shared library), absolute.
    public var source: String
    /// The shared library that implements it.
    public var library: String
    /// The SDK release the plugin was built with.
    public var sdkVersion: String
    /// The SHA-256 content hash of `source` pinned at registration (`sha256:` and hex): a plugin
    /// whose content no longer has it is not built or loaded. Empty for a registration made
    /// before hashes were pinned.
    public var contentHash: String
    /// The flavor as its plugin declared it, in the plugin wire format (JSON).
    public var declaration: String
    /// When it was registered.
    public var registered: Date

    /// A registration row.
    public init(
        type: StackComponentType,
        name: String,
        source: String,
        library: String,
        sdkVersion: String,
        contentHash: String,
        declaration: String,
        registered: Date
    ) {
        self.type = type
        self.name = name
        self.source = source
        self.library = library
        self.sdkVersion = sdkVersion
        self.contentHash = contentHash
        self.declaration = declaration
        self.registered = registered
    }
}

extension MetadataStore {
    /// Records plugin flavors, all or none, so every later process of this project has them.
    /// Loading and checking the plugin is the caller's job (`PluginHost`); this keeps the rows.
    /// - Throws: ``StackError``: `alreadyExists` naming where a flavor of that name was registered
    ///   from; nothing is stored then.
    public func insertPluginFlavors(_ registrations: [PluginFlavorRegistration]) throws {
        try write { db in
            for registration in registrations { try insertPluginFlavor(db, registration) }
        }
    }

    /// Stores one plugin flavor registration.
    /// - Throws: ``StackErrorCode/alreadyExists`` naming where a flavor of that name was registered from.
    func insertPluginFlavor(_ db: any MetadataConnection, _ registration: PluginFlavorRegistration) throws {
        let type = registration.type
        if let other = try db.value(
            String.self,
            sql: "SELECT source FROM pluginFlavor WHERE type = ? AND name = ?",
            arguments: [type.rawValue, registration.name]
        ) {
            throw StackError(
                .alreadyExists,
                "\(type.displayName) flavor '\(registration.name)' is already registered from '\(other)': `artifactfs \(type.cliName) flavor delete \(registration.name)` first"
            )
        }
        try db.execute(
            sql:
                "INSERT INTO pluginFlavor (type, name, source, library, sdkVersion, contentHash, description, registered) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                type.rawValue, registration.name, registration.source, registration.library,
                registration.sdkVersion, registration.contentHash,
                registration.declaration, registration.registered,
            ]
        )
    }

    /// The registered plugin flavors, of one type or all, sorted by type and name.
    public func pluginFlavorRegistrations(of type: StackComponentType? = nil) throws -> [PluginFlavorRegistration] {
        try read { db in try fetchPluginFlavors(db).filter { type == nil || $0.type == type } }
    }

    /// Every registration of a known component type, sorted by type and name.
    func fetchPluginFlavors(_ db: any MetadataConnection) throws -> [PluginFlavorRegistration] {
        try db.rows(sql: "SELECT * FROM pluginFlavor ORDER BY type, name").compactMap { row in
            guard let type = StackComponentType(rawValue: try row["type"]) else { return nil }
            return try PluginFlavorRegistration(
                type: type,
                name: row["name"],
                source: row["source"],
                library: row["library"],
                sdkVersion: row["sdkVersion"],
                contentHash: row["contentHash"],
                declaration: row["description"],
                registered: row["registered"]
            )
        }
    }

    /// Pins the plugin flavor `name` to `contentHash`, what its source hashes to now: after its
    /// plugin changed on purpose, every machine refuses it until that machine trusts the new content.
    /// - Throws: ``StackError`` `notFound` for a flavor no plugin registered.
    public func repinPluginFlavor(_ name: String, of type: StackComponentType, contentHash: String) throws {
        try write { db in
            guard
                try db.count(
                    sql: "SELECT COUNT(*) FROM pluginFlavor WHERE type = ? AND name = ?",
                    arguments: [type.rawValue, name]
                ) == 1
            else {
                throw StackError(.notFound, "no plugin \(type.displayName) flavor named '\(name)' is registered")
            }
            try db.execute(
                sql: "UPDATE pluginFlavor SET contentHash = ? WHERE type = ? AND name = ?",
                arguments: [contentHash, type.rawValue, name]
            )
        }
    }

    /// Removes a plugin flavor no component uses, from the rows and from ``flavors``.
    /// - Throws: ``StackError``: `notFound` for an unknown flavor, `invalidArgument` for a built-in
    ///   one, `inUse` naming the components that use it.
    public func deletePluginFlavor(_ name: String, of type: StackComponentType) throws {
        try write { db in
            guard
                try db.count(
                    sql: "SELECT COUNT(*) FROM pluginFlavor WHERE type = ? AND name = ?",
                    arguments: [type.rawValue, name]
                ) == 1
            else {
                if (try? flavors.flavor(name, of: type)) != nil {
                    throw StackError(
                        .invalidArgument,
                        "\(type.displayName) flavor '\(name)' is built in and cannot be deleted"
                    )
                }
                throw StackError(.notFound, "no plugin \(type.displayName) flavor named '\(name)' is registered")
            }
            let users = try db.values(
                String.self,
                sql: "SELECT name FROM component WHERE type = ? AND flavor = ? ORDER BY name",
                arguments: [type.rawValue, name]
            )
            guard users.isEmpty else {
                throw StackError(
                    .inUse,
                    "\(type.displayName) flavor '\(name)' is used by component \(users.map { "'\($0)'" }.joined(separator: ", ")); delete those first"
                )
            }
            try db.execute(
                sql: "DELETE FROM pluginFlavor WHERE type = ? AND name = ?",
                arguments: [type.rawValue, name]
            )
        }
        flavors.unregister(name, of: type)
    }
}
