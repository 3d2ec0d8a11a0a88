import ArtifactFSPlugin
import Foundation
import PluginHost

extension MetadataStore {
    /// The whole project's metadata as one ``MetadataDocument`` in YAML, read from one snapshot:
    /// what `artifactfs metadata export` writes, to move the project to another backend.
    /// - Parameter includeSecrets: whether secret values go in, sealed with the project key
    ///   (`ARTIFACTFS_SECRETS_KEY`); without it secrets are names and keys only.
    /// - Throws: ``StackError`` when the store cannot be read, or `.secret` when values are asked
    ///   for without a project key.
    public func exportMetadata(includeSecrets: Bool = false) throws -> String {
        try DefaultModelRegistry.prepareTables(in: self)
        return try read { db in
            var document = try exportStacksSection(db, includeSecrets: includeSecrets)
            document.models = try DefaultModelRegistry.exportModels(db)
            return document
        }.yaml()
    }

    /// Imports a ``MetadataDocument`` in one transaction, checked in full first: an unknown
    /// version, a bad field, an unknown flavor or a conflict (a name this store holds with other
    /// content) is refused naming the item and field, and nothing is written. Items already here
    /// with the same content are left, so importing a document twice is a no-op.
    ///
    /// Nothing is built or loaded: plugin flavors are registered from their declarations with
    /// their content-hash pin, and each machine trusts them itself before they run.
    /// - Parameters:
    ///   - source: what the YAML was read from (a file name), for messages.
    ///   - dryRun: check and report only; write nothing.
    /// - Returns: what was (or would be) added and left.
    /// - Throws: ``StackError`` naming the source, the item and the field at fault.
    @discardableResult
    public func importMetadata(
        yaml: String,
        source: String,
        dryRun: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> MetadataImportReport {
        let document = try MetadataDocument(yaml: yaml, source: source)
        let candidates = FlavorRegistry(StackComponentType.allCases.flatMap { flavors.flavors(of: $0) })
        var added: [any Flavor] = []
        do {
            for flavor in try documentFlavors(document, environment: environment)
            where (try? candidates.flavor(flavor.name, of: flavor.type)) == nil {
                try candidates.register(flavor)
                added.append(flavor)
            }
            try DefaultModelRegistry.prepareTables(in: self)
            let run = { (db: any MetadataConnection) throws -> MetadataImportReport in
                var plan = try self.planStacksImport(document, db, flavors: candidates, check: Self.importCheck)
                let models = try DefaultModelRegistry.planModelsImport(document.models, db, report: &plan.report)
                if !dryRun {
                    try self.applyStacksImport(plan, db)
                    try DefaultModelRegistry.applyModelsImport(models, db)
                }
                return plan.report
            }
            let report = try dryRun ? read(run) : write(run)
            if !dryRun { for flavor in added { try? flavors.register(flavor) } }
            return report
        } catch let error as StackError {
            throw StackError(error.code, "\(source): \(error.message)", cause: error)
        }
    }

    /// A component's config checked as an import checks it: built-in flavors run all their rules;
    /// a plugin flavor only its declared schema, since importing data must not load any code.
    private static func importCheck(_ flavor: any Flavor, _ config: ComponentConfig) throws -> ComponentConfig {
        if flavor is any PluginBackedFlavor { return try flavor.schema.validate(config, flavor: flavor.name) }
        return try flavor.validate(config)
    }

    /// The host-side flavors of the document's plugin flavor registrations, pinned to their content
    /// hashes and checked against this machine's trust when they first load.
    private func documentFlavors(
        _ document: MetadataDocument,
        environment: [String: String]
    ) throws -> [any Flavor] {
        let trust = pluginTrust(environment: environment)
        return try document.pluginFlavors.compactMap { entry in
            guard let type = StackComponentType(rawValue: entry.type) else { return nil }
            let item = "\(type.displayName) plugin flavor '\(entry.name)'"
            guard let description = try? PluginJSON.decode(FlavorDescription.self, from: entry.declaration),
                description.name == entry.name
            else {
                throw StackError(
                    .invalidArgument,
                    "\(item): field 'declaration' is not the plugin's description of flavor '\(entry.name)'"
                )
            }
            let pin = PluginPin(
                type: type,
                name: entry.name,
                source: entry.source,
                library: entry.library,
                contentHash: entry.contentHash,
                trust: trust
            )
            guard let flavor = description.flavor(pin: pin) else {
                throw StackError(
                    .invalidArgument,
                    "\(item): field 'declaration' describes a flavor of another type ('\(description.type)')"
                )
            }
            return flavor
        }
    }
}
