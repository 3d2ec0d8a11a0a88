import Foundation
import PluginHost
import Stacks
import TestServers
import Testing

/// `artifactfs metadata export` / `import`: a project moved between SQLite and PostgreSQL.
@Suite("artifactfs metadata export and import")
struct MetadataTransferTests {
    static let planted = "PLANTED-SECRET-VALUE-7f3a"
    static let key = ["ARTIFACTFS_SECRETS_KEY": "project-key-for-tests"]

    @Test func aProjectMovedFromSQLiteToPostgresAndBackExportsTheSameAndBehavesTheSame() throws {
        let source = try Workspace()
        let server = try TransferDestination(.postgres)
        let back = try TransferDestination(.sqlite)
        defer {
            source.remove()
            server.remove()
            back.remove()
        }
        let original = try Self.populate(source)
        let exported = try source.cli.run("metadata", "export", environment: Self.key)
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.trimmingCharacters(in: .newlines) == original)
        #expect(!original.contains(Self.planted))
        let sealed = source.path + "/sealed.yaml"
        #expect(
            try source.cli.run("metadata", "export", "--include-secrets", sealed, environment: Self.key).status == 0
        )
        #expect(try !String(contentsOfFile: sealed, encoding: .utf8).contains(Self.planted))
        #expect((try FileManager.default.attributesOfItem(atPath: sealed)[.posixPermissions] as? Int) == 0o600)

        let imported = try server.run("metadata", "import", sealed)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("Added stack 'prod'."))
        #expect(imported.stdout.contains("Set the active stack to 'prod'."))
        #expect(try server.export() == original)
        let resealed = server.folder + "/sealed.yaml"
        #expect(try server.run("metadata", "export", "--include-secrets", resealed).status == 0)
        #expect(try back.run("metadata", "import", resealed).status == 0)
        #expect(try back.export() == original)

        for destination in [server, back] {
            #expect(try destination.run("cat", "models://resnet/production/model.bin").stdout == "model two")
            #expect(try destination.run("cat", "models://resnet@champion/model.bin").stdout == "model one")
            #expect(try destination.run("secret", "get", "aws", "--key", "secret").stdout == Self.planted + "\n")
            #expect(try destination.run("status").stdout.contains("Active stack: prod"))
            let again = try destination.run("metadata", "import", resealed)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("Nothing to import"), "\(again.stdout)")
            #expect(try destination.export() == original)
            for output in [imported.stdout, imported.stderr, again.stdout, again.stderr] {
                #expect(!output.contains(Self.planted))
            }
        }
        // The active stack routes: a version registered here is copied into prod's artifact store.
        let registered = try server.run(
            "model-registry",
            "models",
            "register-version",
            "resnet",
            "-u",
            source.path + "/runs/1"
        )
        #expect(registered.stdout.contains("at \(source.path)/warehouse/models/resnet/3."), "\(registered.stdout)")
    }

    @Test(arguments: [TransferDestination.Kind.sqlite, .postgres])
    func aRefusedImportNamesTheItemAndFieldAndWritesNothing(_ kind: TransferDestination.Kind) throws {
        let source = try Workspace()
        let destination = try TransferDestination(kind)
        defer {
            source.remove()
            destination.remove()
        }
        let original = try Self.populate(source)
        let dryRun = try destination.run("metadata", "import", "--dry-run", "-", input: original)
        #expect(dryRun.status == 0, "\(dryRun.stderr)")
        #expect(dryRun.stdout.contains("Would add artifact store 'warehouse'."))
        #expect(try destination.run("artifact-store", "list").stdout.contains("warehouse") == false)
        #expect(try destination.run("metadata", "import", "-", input: original).status == 0)
        let before = try destination.export()

        let document = try MetadataDocument(yaml: original, source: "test")
        let warehouse = try #require(document.components.firstIndex { $0.name == "warehouse" })
        var extra = document.components[warehouse]
        extra.name = "extra"
        extra.config["path"] = .string(source.path + "/extra")
        func refused(_ change: (inout MetadataDocument) -> Void) throws -> String {
            var changed = document
            changed.components.append(extra)
            change(&changed)
            let result = try destination.run("metadata", "import", "-", input: try changed.yaml())
            #expect(result.status == 1)
            return result.stderr
        }
        let conflict = try refused { $0.components[warehouse].labels = ["team": "other"] }
        #expect(
            conflict.contains("artifact store 'warehouse' already exists here with a different 'labels'"),
            "\(conflict)"
        )
        let stage = try refused { $0.models[0].versions[1].stage = "Bogus" }
        #expect(stage.contains("model 'resnet' version 2: field 'stage': unknown stage 'Bogus'"), "\(stage)")
        let flavor = try refused {
            var unknown = extra
            unknown.name = "other"
            unknown.flavor = "nope"
            $0.components.append(unknown)
        }
        #expect(flavor.contains("artifact store 'other': field 'flavor'"), "\(flavor)")
        let alias = try refused { $0.models[0].aliases = ["champion": "9"] }
        #expect(alias.contains("field 'aliases.champion' names version 9"), "\(alias)")
        let version = try destination.run(
            "metadata",
            "import",
            "-",
            input: original.replacingOccurrences(of: "artifactfs_metadata: 1", with: "artifactfs_metadata: 99")
        )
        #expect(version.stderr.contains("standard input: field 'artifactfs_metadata': unknown document version 99"))
        #expect(try destination.export() == before, "a refused import wrote something")
    }

    @Test func secretsLeaveOnlyAsReferencesOrSealedWithTheProjectKey() throws {
        let source = try Workspace()
        let destination = try TransferDestination(.sqlite)
        defer {
            source.remove()
            destination.remove()
        }
        let original = try Self.populate(source)
        let keyless = try source.cli.run("metadata", "export", "--include-secrets")
        #expect(keyless.status == 1)
        #expect(keyless.stderr.contains("set ARTIFACTFS_SECRETS_KEY"), "\(keyless.stderr)")
        #expect(!keyless.stdout.contains(Self.planted) && !keyless.stderr.contains(Self.planted))
        let sealed = try source.cli.run("metadata", "export", "--include-secrets", environment: Self.key).stdout

        let wrongKey = try destination.run(
            "metadata",
            "import",
            "-",
            input: sealed,
            environment: ["ARTIFACTFS_SECRETS_KEY": "another-key"]
        )
        #expect(wrongKey.status == 1)
        #expect(wrongKey.stderr.contains("secret 'aws': field 'sealed' cannot be decrypted"), "\(wrongKey.stderr)")
        #expect(try destination.run("stack", "list").stdout.contains("prod") == false)

        let references = try destination.run("metadata", "import", "-", input: original)
        #expect(references.status == 0, "\(references.stderr)")
        #expect(references.stderr.contains("secret 'aws' (keys: key, secret) was exported as a reference only"))
        #expect(!references.stdout.contains(Self.planted) && !references.stderr.contains(Self.planted))
        let missing = try destination.run("secret", "get", "aws")
        #expect(missing.status == 1)
    }

    @Test func aPluginFlavorTravelsWithItsPinButEachMachineTrustsItItself() throws {
        let source = try Workspace()
        let server = try TransferDestination(.postgres)
        defer {
            source.remove()
            server.remove()
        }
        let fields = #"[{"name":"channel","type":"string","required":true,"secret":false,"help":"where alerts go"}]"#
        let library = try PluginFixtures.cPlugin(
            in: source.path,
            name: "notify",
            abi: 2,
            flavors: #"[{"name":"notify","type":"alerter","summary":"Alerts.","schemes":[],"fields":\#(fields)}]"#
        )
        let pinned = try PluginContentHash.of(library)
        #expect(try source.cli.run("alerter", "flavor", "register", library).status == 0)
        #expect(try source.cli.run("alerter", "register", "ops", "--flavor", "notify", "--channel=ml-ops").status == 0)
        let exported = try source.cli.run("metadata", "export").stdout.trimmingCharacters(in: .newlines)
        #expect(exported.contains("content_hash: \(pinned)"), "\(exported)")

        let imported = try server.run("metadata", "import", "-", input: exported)
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("Added alerter plugin flavor 'notify'."), "\(imported.stdout)")
        #expect(try server.export() == exported)
        #expect(
            !FileManager.default.fileExists(atPath: server.folder + "-xdg/artifactfs/trusted-plugins.json"),
            "an import trusts nothing"
        )
        let listed = try server.run("alerter", "flavor", "list")
        #expect(listed.stdout.contains("untrusted"), "\(listed.stdout)")
        #expect(try server.run("alerter", "flavor", "trust", "notify").status == 0)
        #expect(try server.run("alerter", "flavor", "list").stdout.contains(" trusted"))
    }

    /// A project of two artifact stores, a model registry, a `prod` stack (active), a model with
    /// two versions (2 in Production, alias `champion` on 1) and a secret holding ``planted``;
    /// returns its export (secrets as references).
    static func populate(_ ws: Workspace) throws -> String {
        let steps: [[String]] = [
            [
                "artifact-store", "register", "warehouse", "--flavor", "local", "--path=\(ws.path)/warehouse",
                "--label", "team=ml",
            ],
            ["model-registry", "register", "models", "--flavor", "default"],
            ["stack", "register", "prod", "--artifact-store", "warehouse", "--model-registry", "models", "--set"],
            ["model-registry", "models", "register", "resnet", "-d", "image model", "-t", "team=vision"],
            ["model-registry", "models", "register-version", "resnet", "-u", "runs/1"],
            ["model-registry", "models", "register-version", "resnet", "-u", "runs/2", "-m", "accuracy=0.91"],
            ["model-registry", "models", "update-version", "resnet", "-v", "2", "--stage", "production"],
            ["model-registry", "models", "set-alias", "resnet", "champion", "-v", "1"],
            ["secret", "create", "aws", "--key=AKIA-TEST", "--secret=\(planted)"],
        ]
        for step in steps {
            let result = try ws.cli.run(step, environment: key)
            guard result.status == 0 else { throw TransferTestError(step: step, stderr: result.stderr) }
        }
        return try ws.cli.run("metadata", "export", environment: key).stdout.trimmingCharacters(in: .newlines)
    }
}

/// A project's metadata store to import into: a new SQLite config folder, or a new database on
/// the tests' PostgreSQL server (its own config folder, the URL and password in the environment).
struct TransferDestination {
    enum Kind: String, CaseIterable, Sendable { case sqlite, postgres }

    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "artifactfs-transfer-\(UUID().uuidString)"
    )
    .path
    let environment: [String: String]

    init(_ kind: Kind) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var environment = MetadataTransferTests.key
        if kind == .postgres {
            let server = try PostgresTestServer.shared()
            let database = "transfer_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "_")
            try server.createDatabase(database)
            environment[MetadataServerURL.environmentKey] = server.url(database: database, includingPassword: false)
            environment["PGPASSWORD"] = server.password
        }
        self.environment = environment
    }

    /// Runs `artifactfs ARGS` against this store, with `extra` over its environment.
    func run(
        _ arguments: String...,
        input: String? = nil,
        environment extra: [String: String] = [:]
    ) throws -> CLIRunner.Result {
        try CLIRunner(directory: folder, configDirectory: folder + "/config").run(
            arguments,
            input: input,
            environment: environment.merging(extra) { $1 }
        )
    }

    /// The store's export (secrets as references).
    func export() throws -> String {
        let result = try run("metadata", "export")
        guard result.status == 0 else { throw TransferTestError(step: ["metadata", "export"], stderr: result.stderr) }
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: folder)
        try? FileManager.default.removeItem(atPath: folder + "-xdg")
    }
}

/// A set-up step of these tests that failed, with what it printed.
struct TransferTestError: Error, CustomStringConvertible {
    let step: [String]
    let stderr: String
    var description: String { "artifactfs \(step.joined(separator: " ")) failed: \(stderr)" }
}
