import Foundation
import TestServers
import Testing

/// `authentication_secret` of the `gcp` and `azure` flavors takes the bare name of a secret, as the
/// reference framework's flavors do: checked at registration, resolved to all of the secret's keys
/// when the component is used, its values never printed.
@Suite("secrets named by authentication_secret")
struct SecretByNameTests {
    @Test func anAzureComponentTakesItsCredentialsFromASecretByName() throws {
        let server = try AzureTestServer(containers: ["named"])
        defer { server.stop() }
        let ws = try Workspace()
        defer { ws.remove() }
        let register = [
            "artifact-store", "register", "blobs", "--flavor", "azure", "--path=az://named/runs",
            "--endpoint_url=\(server.endpoint)",
            "--authentication_secret=az-creds",
        ]

        // An unknown secret is refused, naming the field and the secret; nothing is stored.
        let refused = try ws.cli.run(register)
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("field 'authentication_secret'") && refused.stderr.contains("secret 'az-creds'"),
            "\(refused.stderr)"
        )
        #expect(!(try ws.cli.run("artifact-store", "list").stdout.contains("blobs")))

        // The secret holds the account's name and key; the component uses them, with no AZURE_* variable.
        #expect(
            try ws.cli.run(
                "secret",
                "create",
                "az-creds",
                "--account_name=\(server.account)",
                "--account_key=\(server.key)"
            ).status == 0
        )
        let registered = try ws.cli.run(register)
        #expect(registered.status == 0, "\(registered.stderr)")
        let bare = [
            "AZURE_STORAGE_CONNECTION_STRING": "", "AZURE_STORAGE_ACCOUNT_NAME": "", "AZURE_STORAGE_ACCOUNT_KEY": "",
        ]
        #expect(try ws.cli.run("cp", "runs/1/model.bin", "az://named/runs/model.bin", environment: bare).status == 0)
        #expect(try ws.cli.run("cat", "az://named/runs/model.bin", environment: bare).stdout == "model one")
        for shown in [["artifact-store", "describe", "blobs"], ["artifact-store", "list"]] {
            #expect(!(try ws.cli.run(shown).stdout.contains(server.key)), "\(shown) shows no secret value")
        }
        #expect(
            try ws.cli.run("artifact-store", "flavor", "describe", "azure").stdout.contains("authentication_secret")
        )

        // A wrong key in the secret: access denied, naming where the credentials came from, never the key.
        let wrongKey = Data(repeating: 7, count: 64).base64EncodedString()
        #expect(try ws.cli.run("secret", "update", "az-creds", "--account_key=\(wrongKey)").status == 0)
        let denied = try ws.cli.run("cat", "az://named/runs/model.bin", environment: bare)
        #expect(denied.status == 1)
        #expect(denied.stderr.contains("authentication_secret"), "\(denied.stderr)")
        #expect(!denied.stderr.contains(wrongKey))

        // The reference form still works: one value, here the connection string.
        #expect(
            try ws.cli.run("secret", "create", "az-conn", "--connection_string=\(server.connectionString)").status == 0
        )
        let referenced = try ws.cli.run(
            "artifact-store",
            "register",
            "by-reference",
            "--flavor",
            "azure",
            "--path=az://named/other",
            "--authentication_secret={{az-conn.connection_string}}"
        )
        #expect(referenced.status == 0, "\(referenced.stderr)")
        #expect(try ws.cli.run("cp", "runs/2/model.bin", "az://named/other/model.bin", environment: bare).status == 0)
        #expect(try ws.cli.run("cat", "az://named/other/model.bin", environment: bare).stdout == "model two")
    }

    @Test func aGCPComponentReadsTheServiceAccountKeyFromTheNamedSecretsTokenField() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        func register(_ name: String, _ secret: String) throws -> CLIRunner.Result {
            try ws.cli.run(
                "artifact-store",
                "register",
                name,
                "--flavor",
                "gcp",
                "--path=gs://bucket/\(name)",
                "--endpoint_url=http://127.0.0.1:9",
                "--authentication_secret=\(secret)"
            )
        }
        let refused = try register("store", "gcp-sa")
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("field 'authentication_secret'") && refused.stderr.contains("secret 'gcp-sa'"),
            "\(refused.stderr)"
        )
        #expect(!(try ws.cli.run("artifact-store", "list").stdout.contains("store")))

        // A value that is neither a secret's name nor a reference is refused without echoing it.
        let pasted = try register("pasted", #"{"private_key": "pasted-key-material"}"#)
        #expect(pasted.status == 1)
        #expect(
            pasted.stderr.contains("authentication_secret") && !pasted.stderr.contains("pasted-key-material"),
            "\(pasted.stderr)"
        )

        // The key JSON comes from the secret's `token` field: this one lacks the key itself, which
        // the store reports when the component is used (so the secret was read), without its value.
        #expect(
            try ws.cli.run(
                "secret",
                "create",
                "gcp-sa",
                #"--token={"type": "service_account", "project_id": "secret-project"}"#
            ).status == 0
        )
        #expect(try register("store", "gcp-sa").status == 0)
        let used = try ws.cli.run("ls", "gs://bucket/store")
        #expect(used.status == 1)
        #expect(used.stderr.contains("authentication_secret") && used.stderr.contains("client_email"), "\(used.stderr)")
        #expect(!used.stderr.contains("secret-project"))

        // A secret without `token` is named in the error with its keys, not its values.
        #expect(try ws.cli.run("secret", "create", "no-token", "--json_key=hidden-value").status == 0)
        #expect(try register("other", "no-token").status == 0)
        let missing = try ws.cli.run("ls", "gs://bucket/other")
        #expect(missing.status == 1)
        #expect(
            missing.stderr.contains("no key 'token'") && missing.stderr.contains("json_key")
                && !missing.stderr.contains("hidden-value"),
            "\(missing.stderr)"
        )

        // Updating to an unknown secret is refused and changes nothing.
        let update = try ws.cli.run("artifact-store", "update", "store", "--authentication_secret=gone")
        #expect(update.status == 1)
        #expect(update.stderr.contains("secret 'gone'"))
        #expect(try ws.cli.run("artifact-store", "describe", "store").stdout.contains("gcp-sa"))
    }
}
