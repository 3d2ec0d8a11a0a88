import GRDB
import Stacks

extension DefaultModelRegistry {
    /// The tables of the `default` flavor, kept in the project's metadata store (its SQLite file or
    /// its server) beside the stacks, and applied when a registry is first made in a process.
    static var schema: MetadataSchema {
        MetadataSchema(sqlite: sqliteSchema, postgres: postgresSchema)
    }

    /// A server's tables: the same columns, names compared and sorted byte by byte (`C` collation).
    private static let postgresSchema: [(identifier: String, statements: [String])] = [
        (
            "v2: model registry",
            [
                """
                CREATE TABLE registeredModel (name TEXT COLLATE "C" PRIMARY KEY, description TEXT,
                    tags TEXT NOT NULL, created TIMESTAMPTZ NOT NULL, updated TIMESTAMPTZ NOT NULL)
                """,
                """
                CREATE TABLE modelVersion (
                    model TEXT COLLATE "C" NOT NULL REFERENCES registeredModel ON DELETE CASCADE ON UPDATE CASCADE,
                    version TEXT COLLATE "C" NOT NULL, sequence INTEGER NOT NULL, sourceURI TEXT NOT NULL,
                    storedURI TEXT NOT NULL, copied BOOLEAN NOT NULL, format TEXT, library TEXT, description TEXT,
                    stage TEXT NOT NULL, metadata TEXT NOT NULL, tags TEXT NOT NULL,
                    created TIMESTAMPTZ NOT NULL, updated TIMESTAMPTZ NOT NULL, PRIMARY KEY (model, version))
                """,
                "CREATE INDEX modelVersionByStage ON modelVersion (model, stage)",
                """
                CREATE TABLE modelAlias (model TEXT COLLATE "C" NOT NULL, alias TEXT COLLATE "C" NOT NULL,
                    version TEXT COLLATE "C" NOT NULL, PRIMARY KEY (model, alias),
                    FOREIGN KEY (model, version) REFERENCES modelVersion ON DELETE CASCADE ON UPDATE CASCADE)
                """,
            ]
        )
    ]

    private static var sqliteSchema: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        // The identifier predates this module owning its tables: databases made then have it applied.
        migrator.registerMigration("v2: model registry") { db in
            try db.create(table: "registeredModel") { table in
                table.primaryKey("name", .text)
                table.column("description", .text)
                table.column("tags", .text).notNull()
                table.column("created", .datetime).notNull()
                table.column("updated", .datetime).notNull()
            }
            try db.create(table: "modelVersion") { table in
                table.column("model", .text).notNull().references(
                    "registeredModel",
                    onDelete: .cascade,
                    onUpdate: .cascade
                )
                table.column("version", .text).notNull()
                table.column("sequence", .integer).notNull()
                table.column("sourceURI", .text).notNull()
                table.column("storedURI", .text).notNull()
                table.column("copied", .boolean).notNull()
                table.column("format", .text)
                table.column("library", .text)
                table.column("description", .text)
                table.column("stage", .text).notNull()
                table.column("metadata", .text).notNull()
                table.column("tags", .text).notNull()
                table.column("created", .datetime).notNull()
                table.column("updated", .datetime).notNull()
                table.primaryKey(["model", "version"])
            }
            try db.create(index: "modelVersionByStage", on: "modelVersion", columns: ["model", "stage"])
            try db.create(table: "modelAlias") { table in
                table.column("model", .text).notNull()
                table.column("alias", .text).notNull()
                table.column("version", .text).notNull()
                table.primaryKey(["model", "alias"])
                table.foreignKey(
                    ["model", "version"],
                    references: "modelVersion",
                    onDelete: .cascade,
                    onUpdate: .cascade
                )
            }
        }
        return migrator
    }
}
