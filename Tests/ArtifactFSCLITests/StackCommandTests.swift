import Dispatch
import Foundation
import Synchronization
import Testing

@Suite("artifactfs stacks, components and secrets")
struct StackCommandTests {
    @Test func aNewUserInitialisesRegistersBuildsAStackAndWritesThroughIt() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        // No ARTIFACTFS_CONFIG_DIR: the project is found by walking up from the working directory.
        let cli = CLIRunner(directory: ws.path, configDirectory: nil)
        #expect(try cli.run("init").stdout == "Initialised ArtifactFS project in \(ws.path)/.artifactfs\n")
        let status = try cli.run("status")
        #expect(status.stdout.contains("Active stack: default"))
        #expect(status.stdout.contains("path=\(ws.path)/.artifactfs/artifacts"))

        #expect(
            try cli.run(
                "artifact-store",
                "register",
                "warehouse",
                "--flavor",
                "local",
                "--path=store",
                "--label",
                "team=ml"
            ).status == 0
        )
        #expect(try cli.run("stack", "register", "prod", "-a", "warehouse", "--set").status == 0)
        let nested = CLIRunner(directory: ws.path + "/runs/1", configDirectory: nil)
        #expect(
            try nested.run("status").stdout.contains("Active stack: prod"),
            "found from a subfolder, in a new process"
        )

        #expect(try cli.run("cp", "runs/1/model.bin", "store/models/model.bin").status == 0)
        #expect(try ws.contents("store/models/model.bin") == "model one")
        let described = try cli.run("artifact-store", "describe", "warehouse", "--json")
        let record = try #require(try JSONSerialization.jsonObject(with: Data(described.stdout.utf8)) as? [String: Any])
        #expect((record["config"] as? [String: Any])?["path"] as? String == ws.path + "/store")
        #expect(record["stacks"] as? [String] == ["prod"])
        #expect(record["labels"] as? [String: String] == ["team": "ml"])
    }

    @Test func eightProcessesRegisteringAtOnceLoseNothing() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        _ = try ws.cli.run("status")
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            do {
                let result = try ws.cli.run(
                    "artifact-store",
                    "register",
                    "store-\(index)",
                    "--flavor",
                    "memory",
                    "--path=memory://s\(index)"
                )
                if result.status != 0 { failures.withLock { $0.append(result.stderr) } }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let listed = try JSONSerialization.jsonObject(
            with: Data(try ws.cli.run("artifact-store", "list", "--json").stdout.utf8)
        )
        let names = (listed as? [[String: Any]])?.compactMap { $0["name"] as? String }.sorted()
        #expect(names == (["default"] + (0..<8).map { "store-\($0)" }).sorted())
    }

    @Test func aPlantedSecretNeverAppearsOutsideSecretGet() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let planted = "PLANTED-\(UUID().uuidString)"
        try "token=\(planted)\n".write(toFile: ws.path + "/token.env", atomically: true, encoding: .utf8)
        var outputs: [CLIRunner.Result] = []
        outputs.append(try ws.cli.run("secret", "create", "aws", "--key=AKIDEXAMPLE", "--secret=\(planted)"))
        outputs.append(try ws.cli.run("secret", "create", "fromstdin", "--stdin", input: "token=\(planted)\n"))
        outputs.append(try ws.cli.run("secret", "create", "fromfile", "--token=@\(ws.path)/token.env"))
        outputs.append(try ws.cli.run("secret", "create", "aws", "--secret=\(planted)"))
        for arguments in [
            ["secret", "list"], ["secret", "list", "--json"], ["status"], ["status", "--json"], ["stack", "describe"],
            ["stack", "list", "--json"], ["stack", "export", "default", "-"], ["artifact-store", "list"],
            ["artifact-store", "describe", "default", "--json"], ["secret", "update", "aws", "--unset", "nokey"],
            ["secret", "get", "nosuch"], ["secret", "get", "aws", "--key", "nokey"], ["secret", "delete", "nosuch"],
        ] {
            outputs.append(try ws.cli.run(arguments))
        }
        for output in outputs {
            #expect(!output.stdout.contains(planted) && !output.stderr.contains(planted), "\(output)")
        }
        #expect(try ws.cli.run("secret", "get", "aws", "--key", "secret").stdout == planted + "\n")
        #expect(try ws.cli.run("secret", "get", "fromstdin", "--key", "token").stdout == planted + "\n")
        #expect(try ws.cli.run("secret", "get", "fromfile", "--key", "token").stdout == "token=\(planted)\n\n")
        let rows = try ws.cli.run("secret", "list").stdout.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        }
        #expect(rows == ["SECRET KEYS", "aws key, secret", "fromfile token", "fromstdin token"])
    }

    @Test func validationErrorsNameTheFieldExit1AndWriteNothing() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let cases: [([String], String)] = [
            (
                ["--flavor", "gopher", "--path=/x"],
                "artifactfs: unknown artifact store flavor 'gopher' (known: azure, gcp, local, memory, s3)\n"
            ),
            (
                ["--flavor", "local"],
                "artifactfs: artifact store 'bad': missing required field 'path' for flavor 'local' (the folder that holds the artifacts)\n"
            ),
            (
                ["--flavor", "local", "--path=/x", "--colour=red"],
                "artifactfs: unknown field 'colour' for flavor 'local' (fields: path)\n"
            ),
            (
                ["--flavor", "local", "--path=memory://x"],
                "artifactfs: artifact store 'bad': field 'path' of flavor 'local': 'memory://x' root path does not start with a supported scheme (supported: file://, plain paths)\n"
            ),
            (
                ["--flavor", "memory", "--path", "/tmp/x"],
                "artifactfs: artifact store 'bad': field 'path' of flavor 'memory': '/tmp/x' root path does not start with a supported scheme (supported: memory://)\n"
            ),
        ]
        for (arguments, message) in cases {
            let result = try ws.cli.run(["artifact-store", "register", "bad"] + arguments)
            #expect(result.status == 1)
            #expect(result.stderr == message)
        }
        #expect(try ws.cli.run("artifact-store", "register", "bad", "--flavor", "local", "stray").status == 64)
        #expect(try ws.cli.run("stack", "register", "s", "-a", "default", "--gizmo", "x").status == 64)
        #expect(
            try ws.cli.run("artifact-store", "list").stdout.split(separator: "\n").count == 2,
            "only the header and 'default'"
        )
        let inUse = try ws.cli.run("artifact-store", "delete", "default")
        #expect(inUse.status == 1)
        #expect(
            inUse.stderr
                == "artifactfs: artifact store 'default' is used by stack 'default'; remove it from the stack first\n"
        )
    }

    /// `--remove-keys` (the reference CLI's spelling), `--remove` and `--unset` all remove a key;
    /// removing a key the secret lacks is refused by name and changes nothing.
    @Test func secretKeysAreRemovedByAnyOfTheirSpellingsAndAMissingOneIsRefused() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(try ws.cli.run("secret", "create", "creds", "--a=1", "--b=2", "--c=3", "--d=4").status == 0)
        #expect(try ws.cli.run("secret", "update", "creds", "--remove-keys", "a").status == 0)
        #expect(try ws.cli.run("secret", "update", "creds", "--remove", "b").status == 0)
        #expect(try ws.cli.run("secret", "update", "creds", "--unset", "c").status == 0)
        #expect(try ws.cli.run("secret", "get", "creds").stdout == "d=4\n")

        let missing = try ws.cli.run("secret", "update", "creds", "--remove", "nokey", "--e=5")
        #expect(missing.status == 1)
        #expect(
            missing.stderr == "artifactfs: secret 'creds' has no key 'nokey' to remove (keys: d)\n",
            "\(missing.stderr)"
        )
        #expect(try ws.cli.run("secret", "get", "creds").stdout == "d=4\n", "nothing was changed")
    }

    @Test func stacksExportAndImportThroughFiles() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(
            try ws.cli.run("artifact-store", "register", "scratch", "--flavor", "memory", "--path=memory://team").status
                == 0
        )
        #expect(try ws.cli.run("stack", "register", "team", "--artifact-store", "scratch").status == 0)
        #expect(try ws.cli.run("stack", "export", "team", ws.path + "/team.yaml").status == 0)
        let other = CLIRunner(directory: ws.path, configDirectory: ws.path + "-config/other")
        let imported = try other.run("stack", "import", ws.path + "/team.yaml", "--name", "team-copy")
        #expect(imported.stdout == "Registered artifact store 'scratch'.\nImported stack 'team-copy'.\n")
        #expect(try other.run("stack", "describe", "team-copy").stdout.contains("scratch  memory  path=memory://team"))
        let broken = try other.run("stack", "import", ws.path + "/runs/1/metrics.json")
        #expect(broken.status == 1)
        #expect(broken.stderr.hasPrefix("artifactfs: not a stack export"))
    }

    @Test func everyComponentTypeHasItsCommands() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        for type in [
            "orchestrator", "container-registry", "step-operator", "model-deployer", "feature-store",
            "experiment-tracker",
            "alerter", "annotator", "data-validator", "image-builder", "log-store", "deployer",
        ] {
            let result = try ws.cli.run(type, "flavor", "list", "--json")
            #expect(result.status == 0 && result.stdout == "[\n\n]\n", "\(type): \(result)")
        }
        #expect(try ws.cli.run("model-registry", "flavor", "list").stdout.contains("default"))
        let missing = try ws.cli.run("alerter", "register", "slack", "--flavor", "slack")
        #expect(missing.stderr == "artifactfs: unknown alerter flavor 'slack' (known: none)\n")
    }
}
