import FileIO
import Foundation
import Stacks
import Testing

@Suite("metadata store")
struct MetadataStoreTests {
    @Test func aNewStoreHoldsTheDefaultStackWithALocalArtifactStore() throws {
        let folder = MetadataFolder()
        defer { folder.remove() }
        let store = try folder.open()
        let stack = try store.activeStack()
        #expect(stack.name == "default")
        #expect(stack.artifactStore?.flavor == "local")
        #expect(stack.artifactStore?.config["path"] == .string(folder.path + "/artifacts"))
        // Opening again neither duplicates nor recreates it.
        _ = try folder.open()
        #expect(try store.stacks().map(\.name) == ["default"])
    }

    @Test func theDatabaseFileIsReadableByItsOwnerOnly() throws {
        let folder = MetadataFolder()
        defer { folder.remove() }
        _ = try folder.open()
        let mode =
            try FileManager.default.attributesOfItem(atPath: folder.path + "/metadata.db")[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test(arguments: [
        (
            "nosuch", ["path": ConfigValue.string("/x")],
            "unknown artifact store flavor 'nosuch' (known: local, memory, vault)"
        ),
        ("local", [:], "missing required field 'path' for flavor 'local'"),
        (
            "local", ["path": .string("/x"), "colour": .string("red")],
            "unknown field 'colour' for flavor 'local' (fields: path)"
        ),
        (
            "local", ["path": .string("s3://bucket/x")],
            "field 'path' of flavor 'local': 's3://bucket/x' root path does not start with a supported scheme"
        ),
        (
            "vault", ["path": .string("memory://v"), "token": .string("{{t.token}}"), "retries": .string("many")],
            "field 'retries' expects an integer, got 'many'"
        ),
        (
            "vault", ["path": .string("memory://v"), "token": .string("{{t.token}}"), "verbose": .integer(2)],
            "field 'verbose' expects a boolean (true or false), got '2'"
        ),
        (
            "vault", ["path": .string("memory://v"), "token": .string("{{t.token}}"), "retries": .integer(0)],
            "field 'retries' of flavor 'vault' must be at least 1, got 0"
        ),
        (
            "vault", ["path": .string("memory://v"), "token": .string("{{t.token}}"), "retries": .integer(11)],
            "field 'retries' of flavor 'vault' must be at most 10, got 11"
        ),
        (
            "vault", ["path": .string("memory://v"), "token": .string("{{t.token}}"), "mode": .string("weird")],
            "field 'mode' of flavor 'vault' must be one of fast, safe, got 'weird'"
        ),
        (
            "vault", ["path": .string("memory://v"), "token": .string("{{t.token}}"), "endpoint": .string("notaurl")],
            "field 'endpoint' of flavor 'vault' must be a URL of the form http://HOST[:PORT] or https://HOST[:PORT], got 'notaurl'"
        ),
        (
            "vault", ["path": .string("memory://v"), "token": .string("{{t.token}}"), "endpoint": .string("ftp://x")],
            "field 'endpoint' of flavor 'vault' must be a URL"
        ),
        (
            "vault",
            ["path": .string("memory://v"), "token": .string("{{t.token}}"), "endpoint": .string("http://:80")],
            "field 'endpoint' of flavor 'vault' must be a URL"
        ),
        (
            "vault", ["path": .string("memory://v"), "token": .string("{{t.token}}"), "socket": .string(" ")],
            "field 'socket' of flavor 'vault' must not be empty"
        ),
        (
            "vault",
            [
                "path": .string("memory://v"), "token": .string("{{t.token}}"), "endpoint": .string("http://v:8200"),
                "socket": .string("/run/v.sock"),
            ], "fields 'endpoint' and 'socket' of flavor 'vault' exclude each other"
        ),
    ])
    func invalidConfigsAreRefusedNamingTheFieldAndWriteNothing(
        flavor: String,
        config: ComponentConfig,
        message: String
    ) throws {
        let folder = MetadataFolder()
        defer { folder.remove() }
        let store = try folder.open()
        let error = stackError {
            try store.registerComponent(name: "bad", type: .artifactStore, flavor: flavor, config: config)
        }
        // A refusal of the config names the component first; an unknown flavor is refused before.
        let expected = flavor == "nosuch" ? message : "artifact store 'bad': " + message
        #expect(error?.message.hasPrefix(expected) == true, "\(String(describing: error))")
        #expect(try store.components(of: .artifactStore).map(\.name) == ["default"])
    }

    @Test func valuesWithinTheRulesRegisterAndReferencesWaitForUse() throws {
        let folder = MetadataFolder()
        defer { folder.remove() }
        let store = try folder.open()
        let component = try store.registerComponent(
            name: "v",
            type: .artifactStore,
            flavor: "vault",
            config: [
                "path": .string("memory://v"), "token": .string("{{t.token}}"), "retries": .integer(10),
                "mode": .string("safe"),
                "endpoint": .string("https://[::1]:8200/v1"),
            ]
        )
        #expect(component.config["retries"] == .integer(10))
        // A reference stands for a value the rules see only at use.
        try store.registerComponent(
            name: "w",
            type: .artifactStore,
            flavor: "vault",
            config: ["path": .string("memory://w"), "token": .string("{{t.token}}"), "socket": .string("{{t.socket}}")]
        )
        let rules = VaultArtifactStoreFlavor().schema.fields.compactMap { $0.rule?.summary }
        #expect(rules == ["1..10", "fast|safe", "http/https URL", "not empty"])
    }

    @Test func aSecondComponentOnTheSameRootIsRefusedNamingTheFirst() throws {
        let folder = MetadataFolder()
        defer { folder.remove() }
        let store = try folder.open()
        try store.registerComponent(
            name: "one",
            type: .artifactStore,
            flavor: "memory",
            config: ["path": .string("memory://b2")]
        )
        let twice = stackError {
            try store.registerComponent(
                name: "two",
                type: .artifactStore,
                flavor: "memory",
                config: ["path": .string("memory://b2/")]
            )
        }
        #expect(twice?.code == .alreadyExists)
        #expect(
            twice?.message.hasPrefix("artifact store 'one' already has the root 'memory://b2'") == true,
            "\(String(describing: twice))"
        )
        try store.registerComponent(
            name: "two",
            type: .artifactStore,
            flavor: "memory",
            config: ["path": .string("memory://b2/two")]
        )
        #expect(
            stackError {
                try store.updateComponent("two", of: .artifactStore, config: ["path": .string("memory://b2")])
            }?.code == .alreadyExists
        )
        #expect(
            try store.components(of: .artifactStore).map { $0.config["path"] } == [
                .string(folder.path + "/artifacts"), .string("memory://b2"), .string("memory://b2/two"),
            ]
        )
        #expect(
            stackError {
                try store.registerComponent(
                    name: "one",
                    type: .artifactStore,
                    flavor: "memory",
                    config: ["path": .string("memory://b3")]
                )
            }?.message
                == "an artifact store named 'one' already exists"
        )
    }

    @Test(arguments: [
        ("stack: [unclosed", "not a stack export: team.yaml: line 2, column 1: "),
        ("components: {}\n", "not a stack export: team.yaml: missing field 'stack'."),
        (
            "stack: s\ncomponents:\n  artifact_store:\n    flavor: local\n    config: {path: /x}\n",
            "not a stack export: team.yaml: missing field 'components.artifact_store.name'."
        ),
        (
            "stack: s\ncomponents:\n  artifact_store:\n    name: a\n    flavor: [local]\n    config: {path: /x}\n",
            "not a stack export: team.yaml: field 'components.artifact_store.flavor' must be a single value (a string)."
        ),
        (
            "stack: s\ncomponents:\n  warehouse:\n    name: a\n    flavor: local\n    config: {path: /x}\n",
            "team.yaml: unknown component type 'warehouse' under 'components'"
        ),
    ])
    func aMalformedExportIsRefusedNamingTheFileLineAndField(yaml: String, message: String) throws {
        let folder = MetadataFolder()
        defer { folder.remove() }
        let error = stackError { try folder.open().importStack(yaml: yaml, source: "team.yaml") }
        #expect(error?.message.hasPrefix(message) == true, "\(String(describing: error))")
        #expect(error?.message.contains("CodingKeys") == false)
        #expect(try folder.open().stacks().map(\.name) == ["default"])
    }

    @Test func commandLineStringsAreParsedByFieldType() throws {
        let schema = VaultArtifactStoreFlavor().schema
        let config = try schema.parse(
            [("retries", "5"), ("verbose", "yes"), ("options", #"{"a": [1, true]}"#), ("token", "{{t.token}}")],
            flavor: "vault"
        )
        #expect(config["retries"] == .integer(5))
        #expect(config["verbose"] == .boolean(true))
        #expect(config["options"] == .object(["a": .array([.integer(1), .boolean(true)])]))
        #expect(
            stackError { _ = try schema.parse([("options", "[1]")], flavor: "vault") }?.message
                == "field 'options' expects a JSON object, got '[1]'"
        )
    }

    @Test func aPlainValueForASecretFieldIsRefusedWithoutEchoingIt() throws {
        let folder = MetadataFolder()
        defer { folder.remove() }
        let store = try folder.open()
        let error = stackError {
            try store.registerComponent(
                name: "v",
                type: .artifactStore,
                flavor: "vault",
                config: ["path": .string("memory://v"), "token": .string("PLAINTEXT-TOKEN")]
            )
        }
        #expect(error?.code == .secret)
        #expect(error?.message.contains("{{NAME.token}}") == true)
        #expect(error?.message.contains("PLAINTEXT-TOKEN") == false)
        #expect(try store.components(of: .artifactStore).count == 1)
    }

    @Test func secretReferencesResolveOnlyWhenUsed() throws {
        let folder = MetadataFolder()
        defer { folder.remove() }
        let store = try folder.open()
        let component = try store.registerComponent(
            name: "v",
            type: .artifactStore,
            flavor: "vault",
            config: ["path": .string("memory://v"), "token": .string("{{vault.token}}")]
        )
        #expect(component.config["token"] == .string("{{vault.token}}"))
        #expect(component.config["retries"] == .integer(3))
        #expect(
            stackError { _ = try store.resolvedConfig(of: component) }?.message
                == "field 'token' of artifact store 'v' refers to {{vault.token}}, but there is no secret 'vault'"
        )
        try store.createSecret("vault", values: ["user": "u"])
        #expect(
            stackError { _ = try store.resolvedConfig(of: component) }?.message
                == "field 'token' of artifact store 'v' refers to {{vault.token}}, but secret 'vault' has no key 'token' (keys: user)"
        )
        try store.updateSecret("vault", values: ["token": "open-sesame"])
        #expect(try store.resolvedConfig(of: component)["token"] == .string("open-sesame"))
        #expect(try store.secretKeys().map(\.keys) == [["token", "user"]])
    }

    @Test func secretsAreEncryptedAtRestWithAKey() throws {
        let folder = MetadataFolder()
        defer { folder.remove() }
        let keyed = try folder.open(environment: ["ARTIFACTFS_SECRETS_KEY": "correct horse"])
        try keyed.createSecret("aws", values: ["secret": "PLANTED-SECRET-VALUE"])
        let raw =
            try Data(contentsOf: URL(fileURLWithPath: folder.path + "/metadata.db"))
            + ((try? Data(contentsOf: URL(fileURLWithPath: folder.path + "/metadata.db-wal"))) ?? Data())
        #expect(raw.range(of: Data("PLANTED-SECRET-VALUE".utf8)) == nil)
        #expect(try keyed.secret("aws") == ["secret": "PLANTED-SECRET-VALUE"])
        #expect(
            stackError { _ = try folder.open().secret("aws") }?.message
                == "secret 'aws' is encrypted: set ARTIFACTFS_SECRETS_KEY to read it"
        )
        #expect(
            stackError { _ = try folder.open(environment: ["ARTIFACTFS_SECRETS_KEY": "wrong"]).secret("aws") }?.code
                == .secret
        )
    }

    @Test func componentsInUseAndTheActiveStackAreProtected() throws {
        let folder = MetadataFolder()
        defer { folder.remove() }
        let store = try folder.open()
        try store.registerComponent(
            name: "data",
            type: .artifactStore,
            flavor: "local",
            config: ["path": .string("/tmp/x")]
        )
        try store.registerStack("prod", components: [.artifactStore: "data"])
        #expect(
            stackError { try store.deleteComponent("data", of: .artifactStore) }?.message
                == "artifact store 'data' is used by stack 'prod'; remove it from the stack first"
        )
        #expect(
            stackError { try store.registerStack("empty", components: [:]) }?.message
                == "stack 'empty' needs an artifact store (--artifact-store NAME)"
        )
        let removal: [StackComponentType: String?] = [.artifactStore: nil]
        #expect(stackError { try store.updateStack("prod", components: removal) }?.code == .invalidArgument)
        #expect(stackError { try store.deleteStack("default") }?.code == .inUse)
        #expect(
            stackError { try store.registerStack("prod", components: [.artifactStore: "data"]) }?.code == .alreadyExists
        )
        #expect(
            stackError { try store.registerStack("x", components: [.artifactStore: "missing"]) }?.message
                == "no artifact store named 'missing'"
        )
        try store.setActiveStack("prod")
        try store.deleteStack("default")
        try store.renameComponent("data", of: .artifactStore, to: "warehouse")
        #expect(try store.activeStack().artifactStore?.name == "warehouse")
    }

    @Test func exportThenImportRoundTrips() throws {
        let folder = MetadataFolder()
        let other = MetadataFolder()
        defer {
            folder.remove()
            other.remove()
        }
        let store = try folder.open()
        try store.registerComponent(
            name: "v",
            type: .artifactStore,
            flavor: "vault",
            config: [
                "path": .string("memory://v"), "token": .string("{{vault.token}}"),
                "options": .object(["x": .integer(1)]),
            ],
            labels: ["team": "ml"]
        )
        try store.registerStack("prod", components: [.artifactStore: "v"])
        let yaml = try store.exportStack("prod")
        #expect(yaml.contains("{{vault.token}}"))

        let (copy, created) = try store.importStack(yaml: yaml, name: "prod-copy")
        #expect(created.isEmpty, "an identical component is reused")
        #expect(copy.artifactStore?.name == "v")

        let target = try other.open()
        let (imported, made) = try target.importStack(yaml: yaml)
        #expect(made.map(\.name) == ["v"])
        #expect(imported.artifactStore?.config == (try store.component("v", of: .artifactStore)).config)
        #expect(imported.artifactStore?.labels == ["team": "ml"])

        // A different component on the same root would make routing ambiguous: refused, naming it.
        try target.updateComponent("v", of: .artifactStore, config: ["retries": .integer(9)])
        #expect(
            stackError { try target.importStack(yaml: yaml, name: "prod-2") }?.message.hasPrefix(
                "artifact store 'v' already has the root 'memory://v'"
            ) == true
        )
        try target.updateComponent("v", of: .artifactStore, config: ["path": .string("memory://elsewhere")])
        let (again, renamed) = try target.importStack(yaml: yaml, name: "prod-2")
        #expect(renamed.map(\.name) == ["v-imported"])
        #expect(again.artifactStore?.name == "v-imported")
        #expect(stackError { try target.importStack(yaml: "stack: [unclosed") }?.code == .invalidArgument)
    }
}
