import Foundation

extension MetadataStore {
    /// Stores a new secret.
    /// - Throws: ``StackError`` for a taken or invalid name, or no values.
    public func createSecret(_ name: String, values: [String: String]) throws {
        try Self.checkSecret(name, values)
        let (payload, encrypted) = try cipher.seal(values, secret: name)
        try write { db in try insertSecret(db, name, payload: payload, encrypted: encrypted) }
    }

    /// Sets keys of a secret (merged over its values); a `nil` value removes a key, and removing
    /// a key the secret does not have is refused, changing nothing.
    public func updateSecret(_ name: String, values changes: [String: String?]) throws {
        try write { db in
            var values = try fetchSecret(db, name)
            for key in changes.filter({ $0.value == nil }).keys.sorted() where values[key] == nil {
                throw StackError(
                    .notFound,
                    "secret '\(name)' has no key '\(key)' to remove (keys: \(values.keys.sorted().joined(separator: ", ")))"
                )
            }
            for (key, value) in changes { values[key] = value }
            try Self.checkSecret(name, values)
            let (payload, encrypted) = try cipher.seal(values, secret: name)
            try db.execute(
                sql: "UPDATE secret SET payload = ?, encrypted = ?, updated = ? WHERE name = ?",
                arguments: [payload, encrypted, Date(), name]
            )
        }
    }

    /// Deletes a secret.
    public func deleteSecret(_ name: String) throws {
        try write { db in
            _ = try fetchSecret(db, name)
            try db.execute(sql: "DELETE FROM secret WHERE name = ?", arguments: [name])
        }
    }

    /// Secret names with their keys (never values), sorted by name.
    public func secretKeys() throws -> [(name: String, keys: [String])] {
        try read { db in
            try db.values(String.self, sql: "SELECT name FROM secret ORDER BY name").map { name in
                (name, try fetchSecret(db, name).keys.sorted())
            }
        }
    }

    /// A secret's values.
    public func secret(_ name: String) throws -> [String: String] {
        try read { db in try fetchSecret(db, name) }
    }

    /// A component's config with every `{{secret.key}}` reference replaced by its value, and the
    /// secret a ``ConfigFieldType/secretName`` field names replaced by an object of its keys and
    /// values: what the flavor's implementation receives when the component is used.
    /// - Throws: ``StackError`` naming the field and the reference or secret that cannot be resolved.
    public func resolvedConfig(of component: StackComponent) throws -> ComponentConfig {
        let schema = try? flavors.flavor(component.flavor, of: component.type).schema
        return try read { db in
            var resolved = component.config
            for (field, value) in component.config {
                if let name = value.stringValue, schema?.field(field)?.type == .secretName, SecretReference(name) == nil
                {
                    let values = try namedSecret(
                        db,
                        name,
                        field: field,
                        of: "\(component.type.displayName) '\(component.name)'"
                    )
                    resolved[field] = .object(values.mapValues { .string($0) })
                    continue
                }
                guard let text = value.stringValue, let reference = SecretReference(text) else { continue }
                let values: [String: String]
                do {
                    values = try fetchSecret(db, reference.name)
                } catch let error as StackError where error.code == .notFound {
                    throw StackError(
                        .secret,
                        "field '\(field)' of \(component.type.displayName) '\(component.name)' refers to \(reference), but there is no secret '\(reference.name)'"
                    )
                }
                guard let secretValue = values[reference.key] else {
                    throw StackError(
                        .secret,
                        "field '\(field)' of \(component.type.displayName) '\(component.name)' refers to \(reference), but secret '\(reference.name)' has no key '\(reference.key)' (keys: \(values.keys.sorted().joined(separator: ", ")))"
                    )
                }
                resolved[field] = .string(secretValue)
            }
            return resolved
        }
    }

    /// Checks that every secret a ``ConfigFieldType/secretName`` field of `config` names exists,
    /// before the component (`owner`, as messages name it) is stored.
    /// - Throws: ``StackError`` naming the field and the missing secret.
    func checkNamedSecrets(
        _ db: any MetadataConnection,
        _ config: ComponentConfig,
        schema: ConfigSchema,
        of owner: String
    ) throws {
        for field in schema.fields where field.type == .secretName {
            guard let name = config[field.name]?.stringValue, SecretReference(name) == nil else { continue }
            _ = try namedSecret(db, name, field: field.name, of: owner)
        }
    }

    /// The values of the secret `name` that `field` of `owner` names.
    private func namedSecret(
        _ db: any MetadataConnection,
        _ name: String,
        field: String,
        of owner: String
    ) throws -> [String: String] {
        do {
            return try fetchSecret(db, name)
        } catch let error as StackError where error.code == .notFound {
            throw StackError(
                .secret,
                "field '\(field)' of \(owner) names secret '\(name)', but there is no secret '\(name)' (create it with `artifactfs secret create \(name) --KEY=VALUE ...`)"
            )
        }
    }

    /// Stores a new secret's sealed values (``SecretCipher/seal(_:secret:)``).
    /// - Throws: ``StackErrorCode/alreadyExists`` when the name is taken.
    func insertSecret(_ db: any MetadataConnection, _ name: String, payload: Data, encrypted: Bool) throws {
        if try db.count(sql: "SELECT COUNT(*) FROM secret WHERE name = ?", arguments: [name]) > 0 {
            throw StackError(
                .alreadyExists,
                "a secret named '\(name)' already exists (use `artifactfs secret update`)"
            )
        }
        let now = Date()
        try db.execute(
            sql: "INSERT INTO secret (name, payload, encrypted, created, updated) VALUES (?, ?, ?, ?, ?)",
            arguments: [name, payload, encrypted, now, now]
        )
    }

    func fetchSecret(_ db: any MetadataConnection, _ name: String) throws -> [String: String] {
        guard
            let row = try db.row(
                sql: "SELECT payload, encrypted FROM secret WHERE name = ?",
                arguments: [name]
            )
        else {
            throw StackError(.notFound, "no secret named '\(name)'")
        }
        return try cipher.open(row["payload"], encrypted: row["encrypted"], secret: name)
    }

    static func checkSecret(_ name: String, _ values: [String: String]) throws {
        guard SecretReference.isValidName(name) else {
            throw StackError(.invalidArgument, "invalid secret name '\(name)': use letters, digits, '_' and '-'")
        }
        guard !values.isEmpty else {
            throw StackError(.invalidArgument, "secret '\(name)' needs at least one --KEY=VALUE")
        }
        for key in values.keys where !SecretReference.isValidName(key) {
            throw StackError(
                .invalidArgument,
                "invalid key '\(key)' in secret '\(name)': use letters, digits, '_' and '-'"
            )
        }
    }
}
