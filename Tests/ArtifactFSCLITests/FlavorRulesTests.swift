import ArtifactFS
import Foundation
import Testing

/// Every field of every built-in flavor, with values that pass and values that break its rules:
/// registration gives the verdict making the store (or registry) gives, so no config registers
/// and then fails when used.
@Suite("one verdict at registration and at use, for every field of every built-in flavor")
struct FlavorRulesTests {
    /// One value of one field.
    struct Case: Sendable, CustomStringConvertible {
        var type: StackComponentType
        var flavor: String
        var field: String
        /// What `register` is given (a reference, for a secret field).
        var value: ConfigValue
        /// What the store is made with: the value with secrets resolved; nil when only registration
        /// can be judged here (a field read from a file or secret that must hold a real key).
        var used: ConfigValue?
        var valid: Bool
        var also: ComponentConfig = [:]

        var description: String { "\(flavor).\(field)=\(value)\(valid ? "" : " (refused)")" }
    }

    /// The fields every flavor needs besides the one under test.
    static let base: [String: ComponentConfig] = [
        "local": ["path": .string("/tmp/artifactfs-rules")],
        "memory": ["path": .string("memory://rules")],
        "s3": ["path": .string("s3://bucket")],
        "gcp": ["path": .string("gs://bucket")],
        "azure": ["path": .string("az://container"), "account_name": .string("acct")],
        "default": [:],
        "mlflow": ["tracking_uri": .string("http://127.0.0.1:5000")],
    ]

    static func ok(_ flavor: String, _ field: String, _ value: ConfigValue, used: ConfigValue? = nil) -> Case {
        Case(type: type(of: flavor), flavor: flavor, field: field, value: value, used: used ?? value, valid: true)
    }

    static func bad(_ flavor: String, _ field: String, _ value: ConfigValue) -> Case {
        Case(type: type(of: flavor), flavor: flavor, field: field, value: value, used: value, valid: false)
    }

    static func registrationOnly(_ flavor: String, _ field: String, _ value: ConfigValue) -> Case {
        Case(type: type(of: flavor), flavor: flavor, field: field, value: value, used: nil, valid: true)
    }

    static func type(of flavor: String) -> StackComponentType {
        ["default", "mlflow"].contains(flavor) ? .modelRegistry : .artifactStore
    }

    /// The transfer settings the three object-store flavors share, with each one's part-size rule.
    static func transfer(_ flavor: String, part: Int, badParts: [Int]) -> [Case] {
        [
            ok(flavor, "verify_tls", .boolean(false)),
            ok(flavor, "ca_bundle", .string("/etc/ssl/certs/ca-certificates.crt")),
            ok(flavor, "part_size", .integer(part)),
            ok(flavor, "concurrency", .integer(4)), bad(flavor, "concurrency", .integer(0)),
            bad(flavor, "concurrency", .integer(-5)),
            ok(flavor, "max_attempts", .integer(3)), bad(flavor, "max_attempts", .integer(0)),
        ] + badParts.map { bad(flavor, "part_size", .integer($0)) }
    }

    static let cases: [Case] =
        [
            ok("local", "path", .string("/tmp/artifactfs-rules/x")), bad("local", "path", .string("s3://bucket")),
            ok("memory", "path", .string("memory://rules/x")), bad("memory", "path", .string("/tmp/x")),
            ok("s3", "path", .string("s3://bucket/prefix")), bad("s3", "path", .string("s3://")),
            ok("s3", "key", .string("{{aws.key}}"), used: .string("AKIAEXAMPLE")),
            ok("s3", "secret", .string("{{aws.secret}}"), used: .string("not-a-real-secret")),
            ok("s3", "token", .string("{{aws.token}}"), used: .string("session")),
            ok("s3", "region", .string("eu-west-1")), bad("s3", "region", .string("")),
            ok("s3", "endpoint_url", .string("http://127.0.0.1:8333")),
            bad("s3", "endpoint_url", .string("notaurl")), bad("s3", "endpoint_url", .string("ftp://x")),
            bad("s3", "endpoint_url", .string("http://")),
            ok("s3", "client_kwargs", .object(["region_name": .string("eu-west-1")])),
            ok("s3", "addressing_style", .string("virtual")), bad("s3", "addressing_style", .string("weird")),
        ]
        + transfer("s3", part: 16 << 20, badParts: [-1, 1024, 6 << 30])
        + [
            ok("gcp", "path", .string("gs://bucket/prefix")), bad("gcp", "path", .string("gs://")),
            registrationOnly("gcp", "authentication_secret", .string("gcp-key")),
            registrationOnly("gcp", "service_account_file", .string("/etc/artifactfs/key.json")),
            ok("gcp", "token", .string("{{gcp.token}}"), used: .string("ya29.token")),
            ok("gcp", "endpoint_url", .string("http://127.0.0.1:4443")),
            bad("gcp", "endpoint_url", .string("notaurl")),
        ]
        + transfer("gcp", part: 512 << 10, badParts: [0, 300_000])
        + [
            ok("azure", "path", .string("az://container/prefix")), bad("azure", "path", .string("az://")),
            bad("azure", "path", .string("abfs://@x")),
            ok("azure", "account_name", .string("other")),
            ok("azure", "account_key", .string("{{az.key}}"), used: .string("a2V5")),
            ok("azure", "sas_token", .string("{{az.sas}}"), used: .string("sv=2024-05-04&sig=x")),
            ok(
                "azure",
                "connection_string",
                .string("{{az.connection}}"),
                used: .string("AccountName=acct;AccountKey=a2V5")
            ),
            registrationOnly("azure", "authentication_secret", .string("az-key")),
            ok("azure", "endpoint_url", .string("http://127.0.0.1:10000/acct")),
            bad("azure", "endpoint_url", .string("notaurl")),
        ]
        + transfer("azure", part: 4 << 20, badParts: [0, 5000 << 20])
        + [
            ok("default", "path", .string("/tmp/artifactfs-rules/models")),
            ok("mlflow", "tracking_uri", .string("https://mlflow.internal")),
            bad("mlflow", "tracking_uri", .string("ftp://x")), bad("mlflow", "tracking_uri", .string("notaurl")),
            ok("mlflow", "tracking_token", .string("{{ml.token}}"), used: .string("t")),
            ok("mlflow", "tracking_username", .string("{{ml.user}}"), used: .string("u")),
            ok("mlflow", "tracking_password", .string("{{ml.password}}"), used: .string("p")),
            ok("mlflow", "tracking_insecure_tls", .boolean(true)),
            ok("mlflow", "artifact_path", .string("/tmp/artifactfs-rules/mlflow")),
            Case(
                type: .modelRegistry,
                flavor: "mlflow",
                field: "tracking_token",
                value: .string("{{ml.token}}"),
                used: .string("t"),
                valid: false,
                also: ["tracking_username": .string("{{ml.user}}")]
            ),
        ]

    @Test func everyFieldOfEveryBuiltInFlavorIsInTheTable() {
        for flavor in builtInFlavors().flavors(of: .artifactStore) + builtInFlavors().flavors(of: .modelRegistry) {
            for field in flavor.schema.fields {
                #expect(
                    Self.cases.contains { $0.flavor == flavor.name && $0.field == field.name && $0.valid },
                    "no passing value for \(flavor.name).\(field.name)"
                )
            }
        }
    }

    @Test(arguments: cases)
    func registrationAndUseAgree(_ test: Case) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let metadata = try ArtifactFS.openMetadataStore(directory: folder)
        for name in ["gcp-key", "az-key"] { try metadata.createSecret(name, values: ["token": "{}"]) }
        var config = (Self.base[test.flavor] ?? [:]).merging(test.also) { $1 }
        config[test.field] = test.value
        let registered = Result {
            try metadata.registerComponent(name: "c", type: test.type, flavor: test.flavor, config: config)
        }
        #expect(((try? registered.get()) != nil) == test.valid, "registration: \(registered)")
        if case .failure(let error) = registered {
            let message = (error as? StackError)?.message ?? "\(error)"
            #expect(message.contains("'\(test.field)'"), "the refusal names the field: \(message)")
            #expect(try metadata.components(of: test.type).allSatisfy { $0.name != "c" }, "nothing is stored")
        }

        guard let used = test.used else { return }
        var resolved = config
        resolved[test.field] = used
        for (key, value) in test.also where value.stringValue?.hasPrefix("{{") == true { resolved[key] = .string("x") }
        let flavor = try metadata.flavors.flavor(test.flavor, of: test.type)
        let made = Result<Void, any Error> {
            switch flavor {
            case let store as any ArtifactStoreFlavor: _ = try store.makeStore(resolved)
            case let registry as any ModelRegistryFlavor: _ = try registry.makeRegistry(resolved, metadata: metadata)
            default: Issue.record("\(test.flavor) makes neither a store nor a registry")
            }
        }
        #expect(((try? made.get()) != nil) == test.valid, "use: \(made)")
    }
}
