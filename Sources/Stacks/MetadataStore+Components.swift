import Foundation

extension MetadataStore {
    /// Validates and stores a new component.
    /// - Throws: ``StackError`` for an unknown flavor, a config that fails validation, or a taken name;
    ///   nothing is written then.
    @discardableResult
    public func registerComponent(
        name: String,
        type: StackComponentType,
        flavor flavorName: String,
        config: ComponentConfig,
        labels: [String: String] = [:]
    ) throws -> StackComponent {
        try Self.checkName(name, what: "component")
        let flavor = try flavors.flavor(flavorName, of: type)
        let validated = try Self.validate(config, with: flavor, of: "\(type.displayName) '\(name)'")
        return try write { db in
            try checkNamedSecrets(db, validated, schema: flavor.schema, of: "\(type.displayName) '\(name)'")
            return try insertComponent(
                db,
                name: name,
                type: type,
                flavor: flavorName,
                config: validated,
                labels: labels
            )
        }
    }

    /// The components, of one type or all, sorted by type and name.
    public func components(of type: StackComponentType? = nil) throws -> [StackComponent] {
        try read { db in
            let rows =
                if let type {
                    try db.rows(
                        sql: "SELECT * FROM component WHERE type = ? ORDER BY name",
                        arguments: [type.rawValue]
                    )
                } else {
                    try db.rows(sql: "SELECT * FROM component ORDER BY type, name")
                }
            return try rows.map(Self.component)
        }
    }

    /// The component of `type` named `name`.
    /// - Throws: ``StackErrorCode/notFound`` naming it.
    public func component(_ name: String, of type: StackComponentType) throws -> StackComponent {
        try read { db in try fetchComponent(db, name, type) }
    }

    /// Changes config fields (merged over the current ones; a `nil` value removes a field) and labels.
    /// - Throws: ``StackError`` when the merged config fails validation; nothing is written then.
    @discardableResult
    public func updateComponent(
        _ name: String,
        of type: StackComponentType,
        config changes: [String: ConfigValue?],
        labels: [String: String]? = nil
    ) throws -> StackComponent {
        try write { db in
            var component = try fetchComponent(db, name, type)
            var merged = component.config
            for (key, value) in changes { merged[key] = value }
            let flavor = try flavors.flavor(component.flavor, of: type)
            component.config = try Self.validate(merged, with: flavor, of: "\(type.displayName) '\(name)'")
            try checkRootFree(db, type, component.config, of: name)
            try checkNamedSecrets(db, component.config, schema: flavor.schema, of: "\(type.displayName) '\(name)'")
            if let labels { component.labels = labels }
            component.updated = Date()
            try db.execute(
                sql: "UPDATE component SET config = ?, labels = ?, updated = ? WHERE id = ?",
                arguments: [
                    try Self.json(component.config), try Self.json(component.labels), component.updated,
                    component.id.uuidString,
                ]
            )
            return component
        }
    }

    /// Renames a component.
    /// - Throws: ``StackError`` when it is missing or the new name is taken.
    public func renameComponent(_ name: String, of type: StackComponentType, to newName: String) throws {
        try Self.checkName(newName, what: "component")
        try write { db in
            let component = try fetchComponent(db, name, type)
            try checkComponentNameFree(db, newName, type)
            try db.execute(
                sql: "UPDATE component SET name = ?, updated = ? WHERE id = ?",
                arguments: [newName, Date(), component.id.uuidString]
            )
        }
    }

    /// Deletes a component no stack uses.
    /// - Throws: ``StackErrorCode/inUse`` naming the stacks that use it.
    public func deleteComponent(_ name: String, of type: StackComponentType) throws {
        try write { db in
            let component = try fetchComponent(db, name, type)
            let users = try db.values(
                String.self,
                sql:
                    "SELECT s.name FROM stack s JOIN stackComponent sc ON sc.stackId = s.id WHERE sc.componentId = ? ORDER BY s.name",
                arguments: [component.id.uuidString]
            )
            guard users.isEmpty else {
                throw StackError(
                    .inUse,
                    "\(type.displayName) '\(name)' is used by stack \(users.map { "'\($0)'" }.joined(separator: ", ")); remove it from the stack first"
                )
            }
            try db.execute(sql: "DELETE FROM component WHERE id = ?", arguments: [component.id.uuidString])
        }
    }

    /// Runs the flavor's checks, naming the component in a refusal (`artifact store 'w': field ...`).
    private static func validate(
        _ config: ComponentConfig,
        with flavor: any Flavor,
        of owner: String
    ) throws -> ComponentConfig {
        do {
            return try flavor.validate(config)
        } catch let error as StackError {
            throw StackError(error.code, "\(owner): \(error.message)", cause: error)
        }
    }

    // MARK: - Rows

    func insertComponent(
        _ db: any MetadataConnection,
        name: String,
        type: StackComponentType,
        flavor: String,
        config: ComponentConfig,
        labels: [String: String],
        dates: (created: Date, updated: Date)? = nil
    ) throws -> StackComponent {
        try checkComponentNameFree(db, name, type)
        try checkRootFree(db, type, config, of: name)
        let now = Date()
        let component = StackComponent(
            id: UUID(),
            name: name,
            type: type,
            flavor: flavor,
            config: config,
            labels: labels,
            created: dates?.created ?? now,
            updated: dates?.updated ?? now
        )
        try db.execute(
            sql:
                "INSERT INTO component (id, name, type, flavor, config, labels, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [
                component.id.uuidString, name, type.rawValue, flavor, try Self.json(config), try Self.json(labels),
                component.created, component.updated,
            ]
        )
        return component
    }

    func fetchComponent(
        _ db: any MetadataConnection,
        _ name: String,
        _ type: StackComponentType
    ) throws -> StackComponent {
        guard
            let row = try db.row(
                sql: "SELECT * FROM component WHERE type = ? AND name = ?",
                arguments: [type.rawValue, name]
            )
        else {
            throw StackError(.notFound, "no \(type.displayName) named '\(name)'")
        }
        return try Self.component(row)
    }

    private func checkComponentNameFree(_ db: any MetadataConnection, _ name: String, _ type: StackComponentType) throws
    {
        if try db.count(
            sql: "SELECT COUNT(*) FROM component WHERE type = ? AND name = ?",
            arguments: [type.rawValue, name]
        ) > 0 {
            throw StackError(.alreadyExists, "\(type.withArticle) named '\(name)' already exists")
        }
    }

    /// An artifact store's `path` routes every path below it: two components with the same root
    /// would leave it to chance which serves them, so a second one is refused naming the first.
    private func checkRootFree(
        _ db: any MetadataConnection,
        _ type: StackComponentType,
        _ config: ComponentConfig,
        of name: String
    ) throws {
        guard type == .artifactStore, let root = config.text("path") else { return }
        let rows = try db.rows(
            sql: "SELECT name, config FROM component WHERE type = ? AND name != ? ORDER BY name",
            arguments: [type.rawValue, name]
        )
        for row in rows {
            let other = try JSONDecoder().decode(ComponentConfig.self, from: Data((row["config"] as String).utf8))
            guard other.text("path") == root else { continue }
            let owner: String = try row["name"]
            throw StackError(
                .alreadyExists,
                "artifact store '\(owner)' already has the root '\(root)': two components cannot serve the same paths; use a prefix below it (--path=\(root)/NAME) or update '\(owner)'"
            )
        }
    }

    static func component(_ row: SQLRow) throws -> StackComponent {
        guard let type = StackComponentType(rawValue: try row["type"]), let id = UUID(uuidString: try row["id"]) else {
            throw StackError(.storage, "a component row in the metadata store is damaged")
        }
        return try StackComponent(
            id: id,
            name: row["name"],
            type: type,
            flavor: row["flavor"],
            config: try JSONDecoder().decode(ComponentConfig.self, from: Data((row["config"] as String).utf8)),
            labels: try JSONDecoder().decode([String: String].self, from: Data((row["labels"] as String).utf8)),
            created: row["created"],
            updated: row["updated"]
        )
    }

    /// Compact JSON with sorted keys, as configs, labels and tags are stored.
    package static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Names of components, stacks and secrets: letters, digits, `_`, `-` and `.`, not starting with `-`.
    package static func checkName(_ name: String, what: String) throws {
        guard !name.isEmpty, !name.hasPrefix("-"), name.count <= 128,
            name.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) })
        else {
            throw StackError(
                .invalidArgument,
                "invalid \(what) name '\(name)': use letters, digits, '_', '-' and '.' (not starting with '-')"
            )
        }
    }
}
