import Foundation

extension MetadataStore {
    /// Registers a stack from component names by type; it must hold exactly one artifact store.
    /// - Throws: ``StackError`` for a missing component, a taken name or a missing artifact store.
    @discardableResult
    public func registerStack(_ name: String, components: [StackComponentType: String]) throws -> Stack {
        try Self.checkName(name, what: "stack")
        return try write { db in
            try insertStack(db, name: name, components: resolve(db, components))
        }
    }

    /// Every stack, sorted by name.
    public func stacks() throws -> [Stack] {
        try read { db in
            try db.values(String.self, sql: "SELECT name FROM stack ORDER BY name").map { try fetchStack(db, $0) }
        }
    }

    /// The stack named `name`.
    public func stack(_ name: String) throws -> Stack {
        try read { db in try fetchStack(db, name) }
    }

    /// The active stack: the one `fileio` and the CLI use when nothing else is named.
    public func activeStack() throws -> Stack {
        try read { db in
            guard let name = try activeStackName(db) else {
                throw StackError(.notFound, "no active stack: choose one with `artifactfs stack set NAME`")
            }
            return try fetchStack(db, name)
        }
    }

    /// Makes `name` the active stack.
    public func setActiveStack(_ name: String) throws {
        try write { db in try setSetting(db, "activeStack", fetchStack(db, name).id.uuidString) }
    }

    /// Adds, replaces (a name) or removes (`nil`) components of a stack by type.
    /// - Throws: ``StackError`` when a component is missing or the artifact store would be removed.
    @discardableResult
    public func updateStack(_ name: String, components changes: [StackComponentType: String?]) throws -> Stack {
        try write { db in
            let stack = try fetchStack(db, name)
            for (type, componentName) in changes.sorted(by: { $0.key < $1.key }) {
                if let componentName {
                    let component = try fetchComponent(db, componentName, type)
                    try db.execute(
                        sql:
                            "INSERT INTO stackComponent (stackId, type, componentId) VALUES (?, ?, ?) ON CONFLICT (stackId, type) DO UPDATE SET componentId = excluded.componentId",
                        arguments: [stack.id.uuidString, type.rawValue, component.id.uuidString]
                    )
                } else {
                    guard type != .artifactStore else {
                        throw StackError(
                            .invalidArgument,
                            "stack '\(name)' needs an artifact store: replace it instead of removing it"
                        )
                    }
                    try db.execute(
                        sql: "DELETE FROM stackComponent WHERE stackId = ? AND type = ?",
                        arguments: [stack.id.uuidString, type.rawValue]
                    )
                }
            }
            try db.execute(sql: "UPDATE stack SET updated = ? WHERE id = ?", arguments: [Date(), stack.id.uuidString])
            return try fetchStack(db, name)
        }
    }

    /// Renames a stack.
    public func renameStack(_ name: String, to newName: String) throws {
        try Self.checkName(newName, what: "stack")
        try write { db in
            let stack = try fetchStack(db, name)
            try checkStackNameFree(db, newName)
            try db.execute(
                sql: "UPDATE stack SET name = ?, updated = ? WHERE id = ?",
                arguments: [newName, Date(), stack.id.uuidString]
            )
        }
    }

    /// Deletes a stack (its components stay registered). The active stack cannot be deleted.
    public func deleteStack(_ name: String) throws {
        try write { db in
            let stack = try fetchStack(db, name)
            if try db.value(String.self, sql: "SELECT value FROM setting WHERE key = 'activeStack'")
                == stack.id.uuidString
            {
                throw StackError(
                    .inUse,
                    "stack '\(name)' is the active stack: `artifactfs stack set` another one first"
                )
            }
            try db.execute(sql: "DELETE FROM stack WHERE id = ?", arguments: [stack.id.uuidString])
        }
    }

    // MARK: - Rows

    /// The active stack's name, if one is set and exists.
    func activeStackName(_ db: any MetadataConnection) throws -> String? {
        guard let id = try db.value(String.self, sql: "SELECT value FROM setting WHERE key = 'activeStack'") else {
            return nil
        }
        return try db.value(String.self, sql: "SELECT name FROM stack WHERE id = ?", arguments: [id])
    }

    func insertStack(
        _ db: any MetadataConnection,
        name: String,
        components: [StackComponentType: StackComponent],
        dates: (created: Date, updated: Date)? = nil
    ) throws -> Stack {
        try checkStackNameFree(db, name)
        guard components[.artifactStore] != nil else {
            throw StackError(.invalidArgument, "stack '\(name)' needs an artifact store (--artifact-store NAME)")
        }
        let now = Date()
        let stack = Stack(
            id: UUID(),
            name: name,
            components: components,
            created: dates?.created ?? now,
            updated: dates?.updated ?? now
        )
        try db.execute(
            sql: "INSERT INTO stack (id, name, created, updated) VALUES (?, ?, ?, ?)",
            arguments: [stack.id.uuidString, name, stack.created, stack.updated]
        )
        for (type, component) in components {
            try db.execute(
                sql: "INSERT INTO stackComponent (stackId, type, componentId) VALUES (?, ?, ?)",
                arguments: [stack.id.uuidString, type.rawValue, component.id.uuidString]
            )
        }
        return stack
    }

    func fetchStack(_ db: any MetadataConnection, _ name: String) throws -> Stack {
        guard let row = try db.row(sql: "SELECT * FROM stack WHERE name = ?", arguments: [name]) else {
            throw StackError(.notFound, "no stack named '\(name)'")
        }
        let id: String = try row["id"]
        let members = try db.rows(
            sql: "SELECT c.* FROM component c JOIN stackComponent sc ON sc.componentId = c.id WHERE sc.stackId = ?",
            arguments: [id]
        )
        var components: [StackComponentType: StackComponent] = [:]
        for member in members {
            let component = try Self.component(member)
            components[component.type] = component
        }
        return try Stack(
            id: UUID(uuidString: id)!,
            name: row["name"],
            components: components,
            created: row["created"],
            updated: row["updated"]
        )
    }

    private func resolve(
        _ db: any MetadataConnection,
        _ names: [StackComponentType: String]
    ) throws -> [StackComponentType: StackComponent] {
        var components: [StackComponentType: StackComponent] = [:]
        for (type, name) in names { components[type] = try fetchComponent(db, name, type) }
        return components
    }

    private func checkStackNameFree(_ db: any MetadataConnection, _ name: String) throws {
        if try db.count(sql: "SELECT COUNT(*) FROM stack WHERE name = ?", arguments: [name]) > 0 {
            throw StackError(.alreadyExists, "a stack named '\(name)' already exists")
        }
    }
}
