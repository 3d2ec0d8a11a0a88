import ArtifactFSPlugin
import Foundation
import PluginHost

extension MetadataStore {
    /// Registers the flavors of `type` that the plugin at `path` carries, so every later process of
    /// this project has them. `path` is a built shared library or a Swift package folder (built
    /// first); a relative one is taken from `base`, the folder where `artifactfs init` ran.
    ///
    /// The source's content hash is taken before anything is built or loaded and pinned in the
    /// registration; with a shared metadata server this machine, the registrant, trusts it too.
    /// - Throws: ``StackError`` for a missing file, something that is not a plugin, an ABI version
    ///   this `artifactfs` does not speak (or one too old for `type`), a plugin without flavors of
    ///   `type`, or a name taken by a built-in or already registered flavor; nothing is registered then.
    @discardableResult
    public func registerPluginFlavors(
        from path: String,
        type: StackComponentType,
        base: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        log: (String) -> Void = { _ in }
    ) throws -> [PluginFlavorRegistration] {
        let contentHash = try PluginContentHash.of(PluginSource.resolve(path, base: base))
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
                contentHash: contentHash,
                declaration: try PluginJSON.encode($0),
                registered: registered
            )
        }
        try insertPluginFlavors(registrations)
        let trust = pluginTrust(environment: environment)
        for (description, registration) in zip(wanted, registrations) {
            let pinned = pin(of: registration, trust: trust)
            try trust?.trust(pinned)
            if let flavor = description.flavor(pin: pinned) { try flavors.register(flavor) }
        }
        return registrations
    }

    /// Adds the registered plugin flavors to ``flavors`` from their stored descriptions, without
    /// loading any plugin; each is checked against its pin when it first loads. A stored flavor
    /// whose name a built-in took since is skipped: the built-in wins.
    func addPluginFlavors(environment: [String: String]) throws {
        let trust = pluginTrust(environment: environment)
        for registration in try pluginFlavorRegistrations() {
            guard let description = try? PluginJSON.decode(FlavorDescription.self, from: registration.declaration),
                let flavor = description.flavor(pin: pin(of: registration, trust: trust))
            else { continue }
            try? flavors.register(flavor)
        }
    }

    /// The trust file this store's plugins must be in on this machine: the user's with a shared
    /// metadata server, whose registrations any teammate makes; none with the embedded SQLite
    /// file, whose registrant is this machine, so there the pinned hash alone is the trust.
    public func pluginTrust(environment: [String: String] = ProcessInfo.processInfo.environment) -> TrustedPlugins? {
        server == nil ? nil : TrustedPlugins(environment: environment)
    }

    /// The pin of the registered plugin flavor `name` of `type`, checked against this machine's trust.
    /// - Throws: ``StackError`` `.notFound` when no plugin registered that flavor.
    public func pluginPin(
        _ name: String,
        of type: StackComponentType,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> PluginPin {
        guard let registration = try pluginFlavorRegistrations(of: type).first(where: { $0.name == name }) else {
            throw StackError(.notFound, "no plugin \(type.displayName) flavor named '\(name)' is registered")
        }
        return pin(of: registration, trust: pluginTrust(environment: environment))
    }

    /// Trusts the plugin of `pin` at `contentHash`, what its source hashes to now (shown to the
    /// user first): the registration is pinned to it when it differs (so every other machine
    /// must trust the new content), and with a shared server this machine's trust file records it.
    /// - Throws: ``StackError`` when the flavor is no longer registered or the trust file cannot be written.
    public func trustPluginFlavor(_ pin: PluginPin, at contentHash: String) throws {
        if contentHash != pin.contentHash {
            try repinPluginFlavor(pin.name, of: pin.type, contentHash: contentHash)
        }
        var trusted = pin
        trusted.contentHash = contentHash
        try pin.trust?.trust(trusted)
    }

    /// The pin of a stored registration, checked against `trust` (nil: the pinned hash is enough).
    func pin(of registration: PluginFlavorRegistration, trust: TrustedPlugins?) -> PluginPin {
        PluginPin(
            type: registration.type,
            name: registration.name,
            source: registration.source,
            library: registration.library,
            contentHash: registration.contentHash,
            trust: trust
        )
    }
}
