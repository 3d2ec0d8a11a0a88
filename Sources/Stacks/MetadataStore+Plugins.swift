import ArtifactFSPlugin
import Foundation
import GRDB
import PluginHost

/// A flavor registered from a plugin, as the metadata store keeps it.
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
    /// When it was registered.
    public var registered: Date
}

extension MetadataStore {
    /// Registers the flavors of `type` that the plugin at `path` carries, so every later process of
    /// this project has them. `path` is a built shared library or a Swift package folder (built
    /// first); a relative one is taken from `base`, the folder where `artifactfs init` ran.
    /// - Throws: ``StackError`` for a missing file, something that is not a plugin, an ABI version
    ///   this `artifactfs` does not speak (or one too old for `type`), a plugin without flavors of `type`, or a name taken by a
    ///   built-in or already registered flavor; nothing is registered then.
    @discardableResult
    public func registerPluginFlavors(
        from path: String, type: StackComponentType, base: String, log: (String) -> Void = { _ in }
    ) throws -> [PluginFlavorRegistration] {
        let (source, libraryPath) = try PluginSource.library(for: path, base: base, log: log)
        let library = try PluginLibrary.load(libraryPath)
        try library.checkServes(type)
        let wanted = library.flavors.filter { $0.type == type.rawValue }
        guard !wanted.isEmpty else {
            let declared = library.flavors.map { "\($0.type.replacingOccurrences(of: "_", with: " ")) '\($0.name)'" }
            throw StackError(
                .invalidArgument,
                "plugin '\(libraryPath)' declares no \(type.displayName) flavors (it declares: \(declared.isEmpty ? "none" : declared.joined(separator: ", ")))")
        }
        if let twice = Dictionary(grouping: wanted, by: \.name).first(where: { $0.value.count > 1 })?.key {
            throw StackError(.invalidArgument, "plugin '\(libraryPath)' declares two \(type.displayName) flavors named '\(twice)'")
        }
        for description in wanted {
            try Self.checkName(description.name, what: "flavor")
            if let existing = try? flavors.flavor(description.name, of: type), !(existing is any PluginBackedFlavor) {
                throw StackError(
                    .alreadyExists,
                    "plugin flavor '\(description.name)' collides with the built-in \(type.displayName) flavor '\(description.name)': rename it in the plugin")
            }
        }
        let registered = Date()
        let registrations = wanted.map {
            PluginFlavorRegistration(
                type: type, name: $0.name, source: source, library: libraryPath, sdkVersion: library.sdkVersion, registered: registered)
        }
        try write { db in
            for (description, registration) in zip(wanted, registrations) {
                if let other = try String.fetchOne(
                    db, sql: "SELECT source FROM pluginFlavor WHERE type = ? AND name = ?", arguments: [type.rawValue, registration.name])
                {
                    throw StackError(
                        .alreadyExists,
                        "\(type.displayName) flavor '\(registration.name)' is already registered from '\(other)': `artifactfs \(type.cliName) flavor delete \(registration.name)` first")
                }
                try db.execute(
                    sql: "INSERT INTO pluginFlavor (type, name, source, library, sdkVersion, description, registered) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [
                        type.rawValue, registration.name, source, libraryPath, library.sdkVersion, try PluginJSON.encode(description), registered,
                    ])
            }
        }
        for description in wanted {
            if let flavor = description.flavor(source: source, library: libraryPath) { try flavors.register(flavor) }
        }
        return registrations
    }

    /// The registered plugin flavors, of one type or all, sorted by type and name.
    public func pluginFlavorRegistrations(of type: StackComponentType? = nil) throws -> [PluginFlavorRegistration] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM pluginFlavor ORDER BY type, name").compactMap { row in
                guard let rowType = StackComponentType(rawValue: row["type"]), type == nil || rowType == type else { return nil }
                return PluginFlavorRegistration(
                    type: rowType, name: row["name"], source: row["source"], library: row["library"], sdkVersion: row["sdkVersion"],
                    registered: row["registered"])
            }
        }
    }

    /// Removes a plugin flavor no component uses.
    /// - Throws: ``StackError``: `notFound` for an unknown flavor, `invalidArgument` for a built-in
    ///   one, `inUse` naming the components that use it.
    public func deletePluginFlavor(_ name: String, of type: StackComponentType) throws {
        try write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pluginFlavor WHERE type = ? AND name = ?", arguments: [type.rawValue, name]) == 1
            else {
                if (try? flavors.flavor(name, of: type)) != nil {
                    throw StackError(.invalidArgument, "\(type.displayName) flavor '\(name)' is built in and cannot be deleted")
                }
                throw StackError(.notFound, "no plugin \(type.displayName) flavor named '\(name)' is registered")
            }
            let users = try String.fetchAll(
                db, sql: "SELECT name FROM component WHERE type = ? AND flavor = ? ORDER BY name", arguments: [type.rawValue, name])
            guard users.isEmpty else {
                throw StackError(
                    .inUse,
                    "\(type.displayName) flavor '\(name)' is used by component \(users.map { "'\($0)'" }.joined(separator: ", ")); delete those first")
            }
            try db.execute(sql: "DELETE FROM pluginFlavor WHERE type = ? AND name = ?", arguments: [type.rawValue, name])
        }
        flavors.unregister(name, of: type)
    }

    /// Adds the registered plugin flavors to ``flavors`` from their stored descriptions, without
    /// loading any plugin: a plugin loads only when one of its flavors checks a config or makes a store.
    /// A stored flavor whose name a built-in took since is skipped: the built-in wins.
    func addPluginFlavors() throws {
        let rows = try read { db in try Row.fetchAll(db, sql: "SELECT * FROM pluginFlavor ORDER BY type, name") }
        for row in rows {
            guard let description = try? PluginJSON.decode(FlavorDescription.self, from: row["description"]),
                let flavor = description.flavor(source: row["source"], library: row["library"])
            else { continue }
            try? flavors.register(flavor)
        }
    }
}
