import Foundation

/// The stacks part of a metadata import (components, stacks, the active stack, plugin flavors and
/// secrets), checked in full against one snapshot of the store: exactly what
/// ``MetadataStore/applyStacksImport(_:_:)`` writes.
package struct StacksImportPlan {
    fileprivate var pluginFlavors: [PluginFlavorRegistration] = []
    fileprivate var secrets: [(name: String, values: [String: String])] = []
    fileprivate var components: [StackComponent] = []
    fileprivate var stacks: [(entry: MetadataDocument.StackEntry, dates: (created: Date, updated: Date))] = []
    /// What the plan adds and leaves, for the report.
    package var report = MetadataImportReport()
}

extension MetadataStore {
    // MARK: - Export

    /// The document of this store's components, stacks, active stack, plugin flavors and secrets
    /// (no models: their module adds them), read in `db`'s snapshot. Secret values are sealed with
    /// the project key when `includeSecrets`, else left out.
    /// - Throws: ``StackError`` when a row cannot be read, or `.secret` when values are asked for
    ///   without a project key.
    package func exportStacksSection(_ db: any MetadataConnection, includeSecrets: Bool) throws -> MetadataDocument {
        var document = MetadataDocument()
        let stamp = MetadataDocument.timestamp
        document.components = try db.rows(sql: "SELECT * FROM component").map(Self.component)
            .sorted { ($0.type.rawValue, $0.name) < ($1.type.rawValue, $1.name) }
            .map {
                .init(
                    type: $0.type.rawValue,
                    name: $0.name,
                    flavor: $0.flavor,
                    config: $0.config,
                    labels: $0.labels.isEmpty ? nil : $0.labels,
                    created: stamp($0.created),
                    updated: stamp($0.updated)
                )
            }
        document.stacks = try db.values(String.self, sql: "SELECT name FROM stack").sorted().map { name in
            let stack = try fetchStack(db, name)
            return .init(
                name: stack.name,
                components: Dictionary(uniqueKeysWithValues: stack.components.map { ($0.key.rawValue, $0.value.name) }),
                created: stamp(stack.created),
                updated: stamp(stack.updated)
            )
        }
        document.activeStack = try activeStackName(db)
        document.pluginFlavors = try fetchPluginFlavors(db).sorted {
            ($0.type.rawValue, $0.name) < ($1.type.rawValue, $1.name)
        }
        .map {
            .init(
                type: $0.type.rawValue,
                name: $0.name,
                source: $0.source,
                library: $0.library,
                sdkVersion: $0.sdkVersion,
                contentHash: $0.contentHash,
                declaration: $0.declaration,
                registered: stamp($0.registered)
            )
        }
        document.secrets = try db.values(String.self, sql: "SELECT name FROM secret").sorted().map { name in
            let values = try fetchSecret(db, name)
            return .init(
                name: name,
                keys: values.keys.sorted(),
                sealed: includeSecrets ? try cipher.sealForExport(values, secret: name) : nil
            )
        }
        return document
    }

    // MARK: - Import

    /// Checks the stacks part of `document` against this store as `db` sees it, and works out
    /// what to write: an item already here with the same content is left, one whose name is taken
    /// by different content is a conflict. The `default` stack and artifact store of a store that
    /// holds nothing else yet are replaced by the document's of those names.
    /// - Parameters:
    ///   - flavors: the flavors configs are checked against: this store's and the document's plugin flavors.
    ///   - check: validates a component's config with its flavor.
    /// - Throws: ``StackError`` naming the item and the field at fault; nothing is written.
    package func planStacksImport(
        _ document: MetadataDocument,
        _ db: any MetadataConnection,
        flavors: FlavorRegistry,
        check: (any Flavor, ComponentConfig) throws -> ComponentConfig
    ) throws -> StacksImportPlan {
        var plan = StacksImportPlan()
        var existingComponents = try db.rows(sql: "SELECT * FROM component").map(Self.component)
        var existingStacks = try db.values(String.self, sql: "SELECT name FROM stack").map { try fetchStack(db, $0) }
        let fresh = Self.holdsOnlyNewDefault(existingComponents, existingStacks)
        if fresh {
            let component = existingComponents[0]
            let documentDefault = document.components.first {
                $0.type == component.type.rawValue && $0.name == component.name
            }
            let differs =
                documentDefault.map {
                    $0.flavor != component.flavor || $0.config != component.config || $0.labels != nil
                }
                ?? false
            let stackDiffers =
                document.stacks.first { $0.name == existingStacks[0].name }
                .map { $0.components != [component.type.rawValue: component.name] } ?? false
            if differs || stackDiffers {
                plan.report.replacedDefault = true
                existingComponents = []
                existingStacks = []
            }
        }
        try planPluginFlavors(document, db, into: &plan)
        let secretNames = try planSecrets(document, db, into: &plan)
        try planComponents(
            document,
            existing: existingComponents,
            secretNames: secretNames,
            flavors: flavors,
            check: check,
            into: &plan
        )
        try planStacks(document, existing: existingStacks, into: &plan)
        if let active = document.activeStack {
            guard document.stacks.contains(where: { $0.name == active }) else {
                throw StackError(
                    .invalidArgument,
                    "field 'active_stack' names stack '\(active)', which is not among the document's stacks"
                )
            }
        }
        let current = plan.report.replacedDefault ? nil : try activeStackName(db)
        if fresh, let active = document.activeStack, active != current {
            plan.report.activeStack = active
            plan.report.setActiveStack = true
        } else {
            plan.report.activeStack = current
        }
        return plan
    }

    /// Writes what `plan` says, in `db`'s transaction (the one the plan was made in).
    /// - Throws: ``StackError`` when a row cannot be written; the transaction then writes nothing.
    package func applyStacksImport(_ plan: StacksImportPlan, _ db: any MetadataConnection) throws {
        if plan.report.replacedDefault {
            try db.execute(sql: "DELETE FROM stackComponent")
            try db.execute(sql: "DELETE FROM stack")
            try db.execute(sql: "DELETE FROM component")
        }
        for registration in plan.pluginFlavors { try insertPluginFlavor(db, registration) }
        for (name, values) in plan.secrets {
            let (payload, encrypted) = try cipher.seal(values, secret: name)
            try insertSecret(db, name, payload: payload, encrypted: encrypted)
        }
        for component in plan.components {
            _ = try insertComponent(
                db,
                name: component.name,
                type: component.type,
                flavor: component.flavor,
                config: component.config,
                labels: component.labels,
                dates: (component.created, component.updated)
            )
        }
        for (entry, dates) in plan.stacks {
            var members: [StackComponentType: StackComponent] = [:]
            for (typeName, name) in entry.components {
                guard let type = StackComponentType(rawValue: typeName) else { continue }
                members[type] = try fetchComponent(db, name, type)
            }
            _ = try insertStack(db, name: entry.name, components: members, dates: dates)
        }
        if plan.report.setActiveStack, let active = plan.report.activeStack {
            try setSetting(db, "activeStack", fetchStack(db, active).id.uuidString)
        }
    }

    // MARK: - Checks

    /// Whether the store holds only the `default` stack and local artifact store a new store makes.
    private static func holdsOnlyNewDefault(_ components: [StackComponent], _ stacks: [Stack]) -> Bool {
        guard components.count == 1, stacks.count == 1, let component = components.first, let stack = stacks.first
        else { return false }
        return component.name == "default" && component.type == .artifactStore && component.flavor == "local"
            && component.labels.isEmpty && stack.name == "default" && stack.components == [.artifactStore: component]
    }

    private func planPluginFlavors(
        _ document: MetadataDocument,
        _ db: any MetadataConnection,
        into plan: inout StacksImportPlan
    ) throws {
        let existing = try fetchPluginFlavors(db)
        var seen: Set<String> = []
        for entry in document.pluginFlavors {
            let item = "plugin flavor '\(entry.name)'"
            let type = try Self.componentType(entry.type, of: item)
            try Self.checkName(entry.name, what: "flavor")
            guard seen.insert(entry.type + "/" + entry.name).inserted else {
                throw StackError(.invalidArgument, "\(item) of type \(entry.type) appears twice in the document")
            }
            let registration = PluginFlavorRegistration(
                type: type,
                name: entry.name,
                source: entry.source,
                library: entry.library,
                sdkVersion: entry.sdkVersion,
                contentHash: entry.contentHash,
                declaration: entry.declaration,
                registered: try MetadataDocument.date(entry.registered, field: "registered", of: item)
            )
            if let here = existing.first(where: { $0.type == type && $0.name == entry.name }) {
                let differing = [
                    ("source", here.source == entry.source), ("library", here.library == entry.library),
                    ("sdk_version", here.sdkVersion == entry.sdkVersion),
                    ("content_hash", here.contentHash == entry.contentHash),
                    ("declaration", here.declaration == entry.declaration),
                ].first { !$0.1 }?.0
                if let differing {
                    throw Self.conflict("\(type.displayName) \(item)", field: differing)
                }
                plan.report.unchanged.append("\(type.displayName) \(item)")
                continue
            }
            if (try? flavors.flavor(entry.name, of: type)) != nil {
                throw StackError(
                    .alreadyExists,
                    "\(type.displayName) \(item): field 'name' collides with the built-in \(type.displayName) flavor '\(entry.name)'"
                )
            }
            plan.pluginFlavors.append(registration)
            plan.report.added.append("\(type.displayName) \(item)")
        }
    }

    /// Plans the secrets; returns every secret name components may use after the import.
    private func planSecrets(
        _ document: MetadataDocument,
        _ db: any MetadataConnection,
        into plan: inout StacksImportPlan
    ) throws -> Set<String> {
        var names = Set(try db.values(String.self, sql: "SELECT name FROM secret"))
        var seen: Set<String> = []
        for entry in document.secrets {
            let item = "secret '\(entry.name)'"
            guard seen.insert(entry.name).inserted else {
                throw StackError(.invalidArgument, "\(item) appears twice in the document")
            }
            guard SecretReference.isValidName(entry.name) else {
                throw StackError(.invalidArgument, "\(item): field 'name': use letters, digits, '_' and '-'")
            }
            if let bad = entry.keys.first(where: { !SecretReference.isValidName($0) })
                ?? (entry.keys.isEmpty ? "" : nil)
            {
                throw StackError(
                    .invalidArgument,
                    "\(item): field 'keys': \(bad.isEmpty ? "needs at least one key" : "invalid key '\(bad)': use letters, digits, '_' and '-'")"
                )
            }
            let values = try entry.sealed.map { try cipher.openFromExport($0, secret: entry.name) }
            if let values, values.keys.sorted() != entry.keys.sorted() {
                throw StackError(.invalidArgument, "\(item): field 'keys' does not list the keys of its sealed values")
            }
            guard names.contains(entry.name) else {
                if let values {
                    plan.secrets.append((entry.name, values))
                    plan.report.added.append(item)
                } else {
                    plan.report.missingSecrets.append(entry)
                }
                names.insert(entry.name)
                continue
            }
            let here = try fetchSecret(db, entry.name)
            if let values, values != here {
                throw Self.conflict(item, field: "sealed", detail: "other values")
            }
            if let missing = entry.keys.first(where: { here[$0] == nil }) {
                throw Self.conflict(item, field: "keys", detail: "no key '\(missing)'")
            }
            plan.report.unchanged.append(item)
        }
        return names
    }

    private func planComponents(
        _ document: MetadataDocument,
        existing: [StackComponent],
        secretNames: Set<String>,
        flavors: FlavorRegistry,
        check: (any Flavor, ComponentConfig) throws -> ComponentConfig,
        into plan: inout StacksImportPlan
    ) throws {
        var seen: Set<String> = []
        var roots: [String: String] = [:]
        for component in existing where component.type == .artifactStore {
            if let root = component.config.text("path") { roots[root] = component.name }
        }
        for entry in document.components {
            let type = try Self.componentType(entry.type, of: "component '\(entry.name)'")
            let item = "\(type.displayName) '\(entry.name)'"
            try Self.checkName(entry.name, what: "component")
            guard seen.insert(entry.type + "/" + entry.name).inserted else {
                throw StackError(.invalidArgument, "\(item) appears twice in the document")
            }
            let flavor: any Flavor
            do {
                flavor = try flavors.flavor(entry.flavor, of: type)
            } catch let error as StackError {
                throw StackError(error.code, "\(item): field 'flavor': \(error.message)", cause: error)
            }
            let config: ComponentConfig
            do {
                config = try check(flavor, entry.config)
            } catch let error as StackError {
                throw StackError(error.code, "\(item): \(error.message)", cause: error)
            }
            for field in flavor.schema.fields where field.type == .secretName {
                guard let name = entry.config[field.name]?.stringValue, SecretReference(name) == nil,
                    !secretNames.contains(name)
                else { continue }
                throw StackError(
                    .secret,
                    "\(item): field '\(field.name)' names secret '\(name)', which is neither in the document nor in this store"
                )
            }
            let labels = entry.labels ?? [:]
            if let here = existing.first(where: { $0.type == type && $0.name == entry.name }) {
                let differing = [
                    ("flavor", here.flavor == entry.flavor), ("config", here.config == config),
                    ("labels", here.labels == labels),
                ].first { !$0.1 }?.0
                if let differing { throw Self.conflict(item, field: differing) }
                plan.report.unchanged.append(item)
                continue
            }
            if type == .artifactStore, let root = config.text("path") {
                if let owner = roots[root] {
                    throw StackError(
                        .alreadyExists,
                        "\(item): field 'path': artifact store '\(owner)' already has the root '\(root)'"
                    )
                }
                roots[root] = entry.name
            }
            plan.components.append(
                StackComponent(
                    id: UUID(),
                    name: entry.name,
                    type: type,
                    flavor: entry.flavor,
                    config: config,
                    labels: labels,
                    created: try MetadataDocument.date(entry.created, field: "created", of: item),
                    updated: try MetadataDocument.date(entry.updated, field: "updated", of: item)
                )
            )
            plan.report.added.append(item)
        }
    }

    private func planStacks(
        _ document: MetadataDocument,
        existing: [Stack],
        into plan: inout StacksImportPlan
    ) throws {
        var seen: Set<String> = []
        for entry in document.stacks {
            let item = "stack '\(entry.name)'"
            try Self.checkName(entry.name, what: "stack")
            guard seen.insert(entry.name).inserted else {
                throw StackError(.invalidArgument, "\(item) appears twice in the document")
            }
            for (typeName, name) in entry.components.sorted(by: { $0.key < $1.key }) {
                _ = try Self.componentType(typeName, of: item, field: "components.\(typeName)")
                guard document.components.contains(where: { $0.type == typeName && $0.name == name }) else {
                    throw StackError(
                        .invalidArgument,
                        "\(item): field 'components.\(typeName)' names '\(name)', which is not among the document's components"
                    )
                }
            }
            guard entry.components[StackComponentType.artifactStore.rawValue] != nil else {
                throw StackError(
                    .invalidArgument,
                    "\(item): field 'components.artifact_store' is missing: a stack needs an artifact store"
                )
            }
            if let here = existing.first(where: { $0.name == entry.name }) {
                let members = Dictionary(uniqueKeysWithValues: here.components.map { ($0.key.rawValue, $0.value.name) })
                if members != entry.components { throw Self.conflict(item, field: "components") }
                plan.report.unchanged.append(item)
                continue
            }
            let dates = (
                created: try MetadataDocument.date(entry.created, field: "created", of: item),
                updated: try MetadataDocument.date(entry.updated, field: "updated", of: item)
            )
            plan.stacks.append((entry, dates))
            plan.report.added.append(item)
        }
    }

    private static func componentType(
        _ name: String,
        of item: String,
        field: String = "type"
    ) throws
        -> StackComponentType
    {
        guard let type = StackComponentType(rawValue: name) else {
            throw StackError(
                .invalidArgument,
                "\(item): field '\(field)': unknown component type '\(name)' (known: \(StackComponentType.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        return type
    }

    /// A name the document and the store both hold with different content.
    package static func conflict(_ item: String, field: String, detail: String? = nil) -> StackError {
        StackError(
            .alreadyExists,
            "\(item) already exists here with a different '\(field)'\(detail.map { " (\($0))" } ?? ""): rename or delete one of them, then import again"
        )
    }
}
