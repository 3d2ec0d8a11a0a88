import ArtifactFSPlugin
import Foundation
import PluginHost

extension MetadataStore {
    /// Registers the flavors of `type` that the plugin at `path` carries, so every later process of
    /// this project has them. `path` is a built shared library or a Swift package folder (built
    /// first); a relative one is taken from `base`, the folder where `artifactfs init` ran.
    /// - Throws: ``StackError`` for a missing file, something that is not a plugin, an ABI version
    ///   this `artifactfs` does not speak (or one too old for `type`), a plugin without flavors of
    ///   `type`, or a name taken by a built-in or already registered flavor; nothing is registered then.
    @discardableResult
    public func registerPluginFlavors(
        from path: String,
        type: StackComponentType,
        base: String,
        log: (String) -> Void = { _ in }
    ) throws -> [PluginFlavorRegistration] {
        let (source, libraryPath) = try PluginSource.library(for: path, base: base, log: log)
        let library = try PluginLibrary.load(libraryPath)
        try library.checkServes(type)
        let wanted = library.flavors.filter { $0.type == type.rawValue }
        guard !wanted.isEmpty else {
            let declared = library.flavors.map { "\($0.type.replacingOccurrences(of: "_", with: " ")) '\($0.name)'" }
            throw StackError(
                .invalidArgument,
                "plugin '\(libraryPath)' declares no \(type.displayName) flavors (it declares: \(declared.isEmpty ? "none" : declared.joined(separator: ", ")))"
            )
        }
        if let twice = Dictionary(grouping: wanted, by: \.name).first(where: { $0.value.count > 1 })?.key {
            throw StackError(
                .invalidArgument,
                "plugin '\(libraryPath)' declares two \(type.displayName) flavors named '\(twice)'"
            )
        }
        for description in wanted {
            try Self.checkName(description.name, what: "flavor")
            if let existing = try? flavors.flavor(description.name, of: type), !(existing is any PluginBackedFlavor) {
                throw StackError(
                    .alreadyExists,
                    "plugin flavor '\(description.name)' collides with the built-in \(type.displayName) flavor '\(description.name)': rename it in the plugin"
                )
            }
        }
        let registered = Date()
        let registrations = try wanted.map {
            PluginFlavorRegistration(
                type: type,
                name: $0.name,
                source: source,
                library: libraryPath,
                sdkVersion: library.sdkVersion,
                declaration: try PluginJSON.encode($0),
                registered: registered
            )
        }
        try insertPluginFlavors(registrations)
        for description in wanted {
            if let flavor = description.flavor(source: source, library: libraryPath) { try flavors.register(flavor) }
        }
        return registrations
    }

    /// Adds the registered plugin flavors to ``flavors`` from their stored descriptions, without
    /// loading any plugin. A stored flavor whose name a built-in took since is skipped: the built-in wins.
    func addPluginFlavors() throws {
        for registration in try pluginFlavorRegistrations() {
            guard let description = try? PluginJSON.decode(FlavorDescription.self, from: registration.declaration),
                let flavor = description.flavor(source: registration.source, library: registration.library)
            else { continue }
            try? flavors.register(flavor)
        }
    }
}
