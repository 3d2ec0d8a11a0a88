import Foundation
import Synchronization
import TestServers
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A project with a distinctive secret planted in every secret-bearing field of every flavor — `s3`,
/// `gcp`, `azure`, `mlflow` and plugin flavors — and components that reach a real server, a server
/// answering 403 that records the credentials sent, and a closed port. The gcp component `proxied`
/// works, on fake-gcs-server through a ``FaultProxy`` a test can make answer 403 or stop; it is the
/// artifact store of the active stack `planted`.
final class PlantedProject {
    let store: MountedStore
    let capture: CapturingServer
    /// In front of fake-gcs-server, for the `proxied` component.
    let proxy: FaultProxy
    let output = OutputCollector()
    private(set) var secrets: [PlantedSecret] = []
    /// The artifact-store components that must fail, with the root of each.
    private(set) var failingStores: [(name: String, root: String)] = []
    /// The model-registry components, all failing.
    private(set) var registries: [String] = []

    var cli: CLIRunner { store.fixture.cli }
    var folder: String { store.fixture.path }

    init() throws {
        store = try MountedStore(.gcp)
        do {
            capture = try CapturingServer(in: store.fixture.path)
            proxy = try FaultProxy(upstream: try Self.endpoint(of: ObjectTestServer.shared(.gcp)))
        } catch {
            store.cleanUp()
            throw error
        }
        do {
            try plant()
        } catch {
            cleanUp()
            throw error
        }
    }

    /// Plants `value` as the secret of `field`, returning it.
    private func planted(_ field: String, _ value: String) -> String {
        secrets.append(PlantedSecret(field: field, value: value))
        return value
    }

    /// Runs a command that must succeed, recording its output.
    @discardableResult
    func succeed(_ arguments: [String], environment: [String: String] = [:]) throws -> CLIRunner.Result {
        let result = try cli.run(arguments, environment: environment)
        output.add(arguments, result)
        guard result.status == 0 else {
            throw MountedStoreError(description: "\(arguments) failed: \(result.stderr)")
        }
        return result
    }

    private func plant() throws {
        let closed = "http://127.0.0.1:\(try FreePorts.take(1)[0])"
        let s3 = try ObjectTestServer.shared(.s3)
        let azure = try ObjectTestServer.shared(.azure)
        secrets.append(PlantedSecret(field: "gcp.token (the mounted store)", value: store.secretValue))
        secrets.append(PlantedSecret(field: "s3.secret (working store)", value: s3.secretValue))
        secrets.append(PlantedSecret(field: "azure.account_key (working store)", value: azure.secretValue))

        // s3: key, secret and token, against SeaweedFS (403), the capturing server and a closed port.
        try succeed([
            "secret", "create", "s3-planted", "--key=" + planted("s3.key", PlantedSecret.marker("AKIALEAK")),
            "--secret=" + planted("s3.secret", PlantedSecret.marker("leak/s3+secret-")),
            "--token=" + planted("s3.token", PlantedSecret.marker("leak-s3-session-token-")),
        ])
        let s3Credentials = [
            "--key={{s3-planted.key}}", "--secret={{s3-planted.secret}}", "--token={{s3-planted.token}}",
        ]
        try register("s3-denied", "s3", "s3://leak-denied", ["--endpoint_url=" + Self.endpoint(of: s3)] + s3Credentials)
        try register("s3-captured", "s3", "s3://leak-captured", ["--endpoint_url=\(capture.endpoint)"] + s3Credentials)
        try register(
            "s3-unreachable",
            "s3",
            "s3://leak-unreachable",
            ["--endpoint_url=\(closed)", "--max_attempts=2"] + s3Credentials
        )
        try succeed(["secret", "create", "s3-real"] + s3.secret)
        try register(
            "s3-working",
            "s3",
            s3Root,
            ["--endpoint_url=" + Self.endpoint(of: s3), "--key={{s3-real.key}}", "--secret={{s3-real.secret}}"],
            failing: false
        )

        // gcp: an OAuth token, a service-account key in a secret and in a file (its token exchange denied).
        try succeed([
            "secret", "create", "gcp-token", "--token=" + planted("gcp.token", PlantedSecret.marker("ya29.leak-")),
        ])
        try register(
            "gcp-token-denied",
            "gcp",
            "gs://leak-token",
            ["--endpoint_url=\(capture.endpoint)", "--token={{gcp-token.token}}"]
        )
        try register(
            "gcp-unreachable",
            "gcp",
            "gs://leak-unreachable",
            ["--endpoint_url=\(closed)", "--max_attempts=2", "--token={{gcp-token.token}}"]
        )
        try succeed(["secret", "create", "gcp-sa", "--token=" + serviceAccountKey(field: "gcp.authentication_secret")])
        try register(
            "gcp-sa-denied",
            "gcp",
            "gs://leak-sa",
            ["--endpoint_url=\(capture.endpoint)", "--authentication_secret=gcp-sa"]
        )
        let keyFile = folder + "/service-account.json"
        try serviceAccountKey(field: "gcp.service_account_file").write(
            toFile: keyFile,
            atomically: true,
            encoding: .utf8
        )
        try register(
            "gcp-file-denied",
            "gcp",
            "gs://leak-file",
            ["--endpoint_url=\(capture.endpoint)", "--service_account_file=\(keyFile)"]
        )

        // azure: account key (a real server refuses it), SAS token, connection string, a secret by name.
        try succeed([
            "secret", "create", "az-planted",
            "--account_key=" + planted("azure.account_key", PlantedSecret.base64Key()),
            "--sas_token=sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&sig="
                + planted("azure.sas_token (sig)", PlantedSecret.base64Key(count: 32))
                .addingPercentEncoding(withAllowedCharacters: .alphanumerics)!,
            "--connection_string=DefaultEndpointsProtocol=http;AccountName=leakconn;AccountKey="
                + planted("azure.connection_string (AccountKey)", PlantedSecret.base64Key())
                + ";BlobEndpoint=\(capture.endpoint)/leakconn;",
        ])
        try register(
            "az-key-denied",
            "azure",
            "az://leak-key",
            [
                "--endpoint_url=" + Self.endpoint(of: azure), "--account_name=devstoreaccount1",
                "--account_key={{az-planted.account_key}}",
            ]
        )
        let capturedAccount = ["--endpoint_url=\(capture.endpoint)/leakacct", "--account_name=leakacct"]
        try register(
            "az-sas-denied",
            "azure",
            "az://leak-sas",
            capturedAccount + ["--sas_token={{az-planted.sas_token}}"]
        )
        try register(
            "az-connection-denied",
            "azure",
            "az://leak-conn",
            ["--connection_string={{az-planted.connection_string}}"]
        )
        try register(
            "az-unreachable",
            "azure",
            "az://leak-unreachable",
            [
                "--endpoint_url=\(closed)/leakacct", "--max_attempts=2", "--account_name=leakacct",
                "--account_key={{az-planted.account_key}}",
            ]
        )
        try succeed([
            "secret", "create", "az-named", "--account_name=leakacct",
            "--account_key=" + planted("azure.authentication_secret (account_key)", PlantedSecret.base64Key()),
        ])
        try register(
            "az-named-denied",
            "azure",
            "az://leak-named",
            capturedAccount + ["--authentication_secret=az-named"]
        )
        try succeed(["secret", "create", "az-real"] + azure.secret)
        try register(
            "az-working",
            "azure",
            azureRoot,
            [
                "--endpoint_url=" + Self.endpoint(of: azure), "--account_name=devstoreaccount1",
                "--account_key={{az-real.account_key}}",
            ],
            failing: false
        )

        // mlflow: a bearer token, and a user with a password, against the capturing server and a closed port.
        try succeed([
            "secret", "create", "mlflow-planted",
            "--tracking_token=" + planted("mlflow.tracking_token", PlantedSecret.marker("leak-mlflow-token-")),
            "--tracking_username=" + planted("mlflow.tracking_username", PlantedSecret.marker("leak-mlflow-user-")),
            "--tracking_password=" + planted("mlflow.tracking_password", PlantedSecret.marker("leak/mlflow+pass-")),
        ])
        try registry(
            "mlflow-token",
            "mlflow",
            ["--tracking_uri=\(capture.endpoint)", "--tracking_token={{mlflow-planted.tracking_token}}"]
        )
        try registry(
            "mlflow-basic",
            "mlflow",
            [
                "--tracking_uri=\(capture.endpoint)", "--tracking_username={{mlflow-planted.tracking_username}}",
                "--tracking_password={{mlflow-planted.tracking_password}}",
            ]
        )
        try registry(
            "mlflow-unreachable",
            "mlflow",
            ["--tracking_uri=\(closed)", "--tracking_token={{mlflow-planted.tracking_token}}"]
        )

        // Plugin flavors: a secret field of an artifact-store flavor and of a model-registry flavor.
        func field(_ name: String) -> String {
            #"{"name":"\#(name)","type":"string","required":false,"secret":true,"help":"a credential"}"#
        }
        let storeLibrary = try PluginFixtures.cPlugin(
            in: folder,
            name: "vaultstore",
            abi: 2,
            flavors:
                #"[{"name":"vault","type":"artifact_store","summary":"Vaulted.","schemes":["vault://"],"fields":[{"name":"path","type":"string","required":true,"secret":false,"help":"root"},\#(field("api_key"))]}]"#
        )
        let registryLibrary = try PluginFixtures.cPlugin(
            in: folder,
            name: "vaultregistry",
            abi: 2,
            flavors:
                #"[{"name":"vaultreg","type":"model_registry","summary":"Vaulted.","schemes":[],"fields":[\#(field("password"))]}]"#
        )
        try succeed(["artifact-store", "flavor", "register", storeLibrary])
        try succeed(["model-registry", "flavor", "register", registryLibrary])
        try succeed([
            "secret", "create", "plugin-planted",
            "--api_key=" + planted("plugin artifact_store.api_key", PlantedSecret.marker("leak-plugin-key-")),
            "--password=" + planted("plugin model_registry.password", PlantedSecret.marker("leak/plugin+pass-")),
        ])
        try register("vault-store", "vault", "vault://leak", ["--api_key={{plugin-planted.api_key}}"])
        try registry("vault-registry", "vaultreg", ["--password={{plugin-planted.password}}"])
        // A reference left dangling (its key removed) beside a value that stays: doctor and use report it.
        try succeed([
            "secret", "create", "dangling", "--api_key=" + PlantedSecret.marker("leak-removed-"),
            "--kept=" + planted("a key beside a dangling reference", PlantedSecret.marker("leak-kept-")),
        ])
        try register("vault-dangling", "vault", "vault://dangling", ["--api_key={{dangling.api_key}}"])
        try succeed(["secret", "update", "dangling", "--unset", "api_key"])

        try register(
            "proxied",
            "gcp",
            store.uri + "/proxied",
            ["--endpoint_url=\(proxy.endpoint)", "--token={{store.token}}", "--max_attempts=2"],
            failing: false
        )
        try succeed(["stack", "register", "planted", "-a", "proxied", "--model-registry", "mlflow-basic", "--set"])
    }

    /// The root of the working s3 component, a fresh prefix of the shared bucket.
    private lazy var s3Root = "s3://\(ObjectTestServer.bucket)/leak-\(UUID().uuidString.prefix(8).lowercased())"
    /// The root of the working azure component, a fresh prefix of the shared container.
    private lazy var azureRoot = "az://\(ObjectTestServer.bucket)/leak-\(UUID().uuidString.prefix(8).lowercased())"

    /// The endpoint of a shared server, from its component fields.
    private static func endpoint(of server: ObjectTestServer) throws -> String {
        guard let field = server.fields.first(where: { $0.hasPrefix("--endpoint_url=") }) else {
            throw MountedStoreError(description: "the shared server has no endpoint field")
        }
        return String(field.dropFirst("--endpoint_url=".count))
    }

    private func register(
        _ name: String,
        _ flavor: String,
        _ root: String,
        _ fields: [String],
        failing: Bool = true
    )
        throws
    {
        try succeed(["artifact-store", "register", name, "--flavor", flavor, "--path=\(root)"] + fields)
        if failing { failingStores.append((name, root)) }
    }

    private func registry(_ name: String, _ flavor: String, _ fields: [String]) throws {
        try succeed(["model-registry", "register", name, "--flavor", flavor] + fields)
        registries.append(name)
    }

    /// A fresh RSA private key (PEM), its lines planted as secrets of the service-account keys.
    private lazy var privateKey: Result<String, any Error> = Result {
        let generated = PluginFixtures.run(
            "/usr/bin/env",
            ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
        )
        // openssl prints its progress on standard error, which `run` mixes in: keep the PEM only.
        guard generated.status == 0, let begin = generated.output.range(of: "-----BEGIN PRIVATE KEY-----") else {
            throw MountedStoreError(description: "openssl genpkey failed: \(generated.output)")
        }
        let pem = String(generated.output[begin.lowerBound...])
        let lines = pem.split(separator: "\n").map(String.init)
        for index in [1, lines.count / 2, lines.count - 3] {
            secrets.append(PlantedSecret(field: "gcp service-account private_key (line \(index))", value: lines[index]))
        }
        return pem
    }

    /// A service-account key JSON with ``privateKey`` and a key id planted as `field`, its token
    /// exchange going to the capturing server.
    private func serviceAccountKey(field: String) throws -> String {
        let key: [String: String] = [
            "type": "service_account", "project_id": "leak-project",
            "private_key_id": planted("\(field) (private_key_id)", PlantedSecret.marker("leakkeyid")),
            "private_key": try privateKey.get(), "client_email": "leak@leak-project.iam.gserviceaccount.com",
            "token_uri": capture.endpoint + "/token",
        ]
        return String(decoding: try JSONSerialization.data(withJSONObject: key), as: UTF8.self)
    }

    /// Every planted secret, and every credential the clients derived from them and sent.
    var allSecrets: [PlantedSecret] { secrets + capture.derivedSecrets }

    func cleanUp() {
        if let s3 = try? ObjectTestServer.shared(.s3), let azure = try? ObjectTestServer.shared(.azure) {
            _ = try? cli.run(["rm", "-r", "-f", s3Root], environment: s3.environment)
            _ = try? cli.run(["rm", "-r", "-f", azureRoot], environment: azure.environment)
        }
        capture.stop()
        proxy.stop()
        store.cleanUp()
    }
}

/// Issue 21, item 7: no output of any kind shows a secret. Every secret-bearing field of every
/// flavor holds a distinctive value; every byte the CLI prints (plain and `--json`), every export,
/// the errors after a 403 and an unreachable endpoint, a `--debug` mount's log and control files,
/// and what crashed processes print, are searched for those values in their usual encodings: 0 hits.
@Suite("secrets, wholesale: planted in every field, printed nowhere")
struct SecretLeakTests {
    /// The CLI's listings, exports, failing file verbs and model commands, and a crashed CLI.
    @Test func noListingExportFileVerbOrModelCommandShowsAPlantedSecret() throws {
        let project = try PlantedProject()
        defer { project.cleanUp() }
        let cli = project.cli

        // What describes the project: listings, descriptions and exports, plain and JSON.
        var shown: [[String]] = [
            ["secret", "list"], ["secret", "list", "--json"], ["stack", "list"], ["stack", "list", "--json"],
            ["stack", "describe", "planted"], ["stack", "describe", "planted", "--json"],
            ["stack", "export", "planted", "-"], ["status"], ["status", "--json"], ["doctor"], ["doctor", "--json"],
            ["metadata", "export"],
        ]
        for type in ["artifact-store", "model-registry"] {
            shown += [
                [type, "list"], [type, "list", "--json"], [type, "flavor", "list"], [type, "flavor", "list", "--json"],
            ]
        }
        for name in project.failingStores.map(\.name) + ["store", "proxied", "s3-working", "az-working"] {
            shown += [["artifact-store", "describe", name], ["artifact-store", "describe", name, "--json"]]
        }
        for name in project.registries {
            shown += [["model-registry", "describe", name], ["model-registry", "describe", name, "--json"]]
        }
        for flavor in ["s3", "gcp", "azure", "vault"] {
            shown.append(["artifact-store", "flavor", "describe", flavor])
        }
        for flavor in ["mlflow", "vaultreg"] { shown.append(["model-registry", "flavor", "describe", flavor]) }

        // File verbs that fail (403, a closed port, a plugin that makes no store) or work; model
        // commands against each registry.
        let model = project.store.fixture.data + "/model.bin"
        try "model one".write(toFile: model, atomically: true, encoding: .utf8)
        var used: [[String]] = []
        for (_, root) in project.failingStores {
            used += [
                ["ls", root], ["cat", root + "/model.bin"], ["cp", model, root + "/model.bin"],
                ["sync", "--json", project.store.fixture.data, root + "/synced"],
            ]
        }
        for name in ["s3-working", "az-working"] {
            let root = try project.cli.run("artifact-store", "describe", name, "--json").stdout
            let path = try #require(Self.path(inDescription: root))
            for arguments in [
                ["cp", "--progress", model, path + "/model.bin"], ["ls", "-l", path], ["cat", path + "/model.bin"],
            ] {
                try project.succeed(arguments)
            }
        }
        for name in project.registries {
            used += [
                ["model-registry", "models", "list", "--registry", name],
                ["model-registry", "models", "get", "resnet", "--registry", name, "--json"],
            ]
        }
        used += [["mount", "s3-captured", project.store.fixture.mountpoint, "--debug"]]
        let results = Self.runConcurrently(shown + used, cli: cli)
        for (arguments, result) in results {
            project.output.add(arguments, result)
            if shown.contains(arguments) && arguments.first != "doctor" {
                #expect(result.status == 0, "\(arguments): \(result.stderr)")
            }
        }
        for arguments in used {
            #expect(results.first { $0.0 == arguments }?.1.status != 0, "\(arguments) fails")
        }

        // The sealed export holds the secrets encrypted only.
        let sealed = project.folder + "/sealed.yaml"
        try project.succeed(
            ["metadata", "export", "--include-secrets", sealed],
            environment: ["ARTIFACTFS_SECRETS_KEY": "leak-test-key"]
        )
        project.output.add("the sealed export \(sealed)", try String(contentsOfFile: sealed, encoding: .utf8))
        // Imported elsewhere with the key, and with a wrong one.
        let elsewhere = CLIRunner(directory: project.folder, configDirectory: project.folder + "/elsewhere")
        for key in ["wrong-key", "leak-test-key"] {
            for arguments in [["metadata", "import", sealed], ["secret", "list", "--json"], ["doctor"]] {
                let result = try elsewhere.run(arguments, environment: ["ARTIFACTFS_SECRETS_KEY": key])
                project.output.add(arguments, result)
                if arguments.contains("import") {
                    #expect((result.status == 0) == (key == "leak-test-key"), "\(result)")
                }
            }
        }

        // A CLI killed while it waits on the server (SIGSEGV: the runtime's crash report).
        let crashed = try Self.runUnblocked(["cat", "s3://leak-captured/stall/model.bin"], cli: cli, signal: SIGSEGV) {
            project.capture.requests.contains { $0.line.contains("/stall/") }
        }
        #expect(crashed.contains("Program crashed"), "the runtime reported the crash: \(crashed)")
        project.output.add("artifactfs cat, crashed by SIGSEGV (stdout and stderr)", crashed)

        Self.expectCoverage(project)
        // The search finds a planted value where it is printed on purpose (`secret get`).
        let got = try cli.run("secret", "get", "s3-planted")
        let control = OutputCollector()
        control.add(["secret", "get"], got)
        #expect(!control.hits(of: project.allSecrets).isEmpty, "the search finds a value that is shown")

        let hits = project.output.hits(of: project.allSecrets)
        #expect(hits.isEmpty, "\(hits.count) leaks:\n\(hits.joined(separator: "\n"))")
    }

    /// A `--debug` mount working, then failing (403, a stopped endpoint), then crashing.
    @Test func aDebugMountItsControlFilesItsLogAndItsCrashShowNoPlantedSecret() throws {
        let project = try PlantedProject()
        defer { project.cleanUp() }
        let fixture = project.store.fixture

        // A stack mount mounts every artifact-store component: the failing ones refuse it.
        let stackMount = try project.cli.run("mount", "--stack", "planted", fixture.mountpoint, "--debug")
        project.output.add(["mount", "--stack", "planted", fixture.mountpoint, "--debug"], stackMount)
        #expect(stackMount.status != 0 && !fixture.isMounted, "\(stackMount.stderr)")

        // Started as from a shell, so the daemon can crash as it would for a user.
        let mounted = try Self.runUnblocked(
            ["mount", "proxied", fixture.mountpoint, "--debug", "--attr-ttl", "0"],
            cli: project.cli
        )
        project.output.add("artifactfs mount proxied --debug (stdout and stderr)", mounted)
        try #require(fixture.isMounted, "\(mounted)")
        let log = try #require(MountLog.path(of: fixture.mountpoint), "the mount's record names its log")

        // Writes, reads, a listing, a miss, and every file of the control folder.
        let used = try fixture.shell(
            "echo probe > mnt/probe.txt && cat mnt/probe.txt && ls -la mnt && ! cat mnt/missing.txt; "
                + "for f in component.json stack.json stats metrics; do echo \"== $f\"; cat mnt/.artifactfs/$f; done",
            timeout: 60
        )
        project.output.add("the shell through the mount (stdout)", used.stdout)
        project.output.add("the shell through the mount (stderr)", used.stderr)
        #expect(
            used.status == 0 && used.stdout.contains("probe") && used.stdout.contains("\"flavor\" : \"gcp\""),
            "\(used)"
        )

        // The store answers 403 to a read and to uploads, then cannot be reached: each failure is logged.
        try "never read".write(toFile: fixture.data + "/unread.bin", atomically: true, encoding: .utf8)
        try project.succeed(["cp", fixture.data + "/unread.bin", project.store.uri + "/proxied/unread.bin"])
        let forbidden = Fault.status(403, code: "AccessDenied")
        project.proxy.setRules([
            .every(RequestMatch(pathContains: "unread"), forbidden), .every(RequestMatch(method: "POST"), forbidden),
        ])
        let denied = try fixture.shell(
            "cat mnt/unread.bin; ls mnt; echo denied > mnt/denied.txt; cat mnt/.artifactfs/stats",
            timeout: 60
        )
        project.proxy.stop()
        let unreachable = try fixture.shell("cat mnt/unread.bin; ls mnt; echo gone > mnt/gone.txt", timeout: 60)
        for (name, result) in [("403", denied), ("a stopped endpoint", unreachable)] {
            project.output.add("the shell through the mount after \(name) (stdout)", result.stdout)
            project.output.add("the shell through the mount after \(name) (stderr)", result.stderr)
            #expect(result.stderr.contains("mnt/unread.bin"), "the read fails after \(name): \(result.stderr)")
        }
        for arguments in [["mounts"], ["mounts", "--json"]] { try project.succeed(arguments) }
        let served = try String(contentsOfFile: log, encoding: .utf8)
        #expect(served.contains("probe.txt"), "--debug logs each request: \(served)")
        #expect(
            served.contains("unread.bin [FuseBridge] getattr failed: access denied")
                && served.contains("denied.txt' failed") && served.contains("cannot reach"),
            "the log names each failure: \(served)"
        )
        project.output.add("the daemon log \(log) while mounted", served)

        // The daemon crashes (SIGSEGV): its log keeps the runtime's crash report.
        let pid = try #require(try fixture.daemonPID())
        Self.crash(pid, SIGSEGV, reportingTo: log)
        #expect(fixture.wait(seconds: 10) { kill(pid, 0) != 0 }, "the daemon died")
        let crashed = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(crashed.contains("Program crashed"), "the log keeps the crash report: \(crashed.suffix(2000))")
        project.output.add("the daemon log \(log) after SIGSEGV", crashed)
        for arguments in [["mounts"], ["mounts", "--json"], ["unmount", fixture.mountpoint]] {
            project.output.add(arguments, try project.cli.run(arguments))
        }
        unlink(log)

        let hits = project.output.hits(of: project.allSecrets)
        #expect(hits.isEmpty, "\(hits.count) leaks:\n\(hits.joined(separator: "\n"))")
    }

    /// The root of a component from its `describe --json`.
    private static func path(inDescription json: String) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        return (object?["config"] as? [String: Any])?["path"] as? String
    }

    /// Runs the commands four at a time, returning each with its result, in order.
    static func runConcurrently(_ commands: [[String]], cli: CLIRunner) -> [([String], CLIRunner.Result)] {
        let results = Mutex([CLIRunner.Result?](repeating: nil, count: commands.count))
        let lanes = 4
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            for index in stride(from: lane, to: commands.count, by: lanes) {
                let result =
                    (try? cli.run(commands[index]))
                    ?? CLIRunner.Result(status: -1, stdout: "", stderr: "could not run")
                results.withLock { $0[index] = result }
            }
        }
        return zip(commands, results.withLock { $0 }).map { ($0, $1!) }
    }

    /// Runs `artifactfs ARGS` with no signal blocked or ignored, as from a user's shell (a test
    /// process's threads block some, and children inherit the mask); sends it `signal` once `ready`
    /// holds (a fixed delay raced the start-up of a loaded machine, and killed the process before its
    /// runtime was there to report). Returns all it printed; output goes to a file, so no other child holds a pipe open.
    static func runUnblocked(
        _ arguments: [String],
        cli: CLIRunner,
        signal: Int32? = nil,
        once ready: () -> Bool = { true }
    ) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let unblock =
            "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); "
            + "[signal.signal(s, signal.SIG_DFL) for s in (signal.SIGSEGV, signal.SIGABRT, signal.SIGTERM)]; "
            + "os.execv(sys.argv[1], sys.argv[1:])"
        process.arguments = ["python3", "-c", unblock, CLIRunner.binary.path] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: cli.directory)
        var environment = ProcessInfo.processInfo.environment
        environment["ARTIFACTFS_CONFIG_DIR"] = cli.configDirectory
        environment["XDG_CONFIG_HOME"] = cli.directory + "-xdg"
        process.environment = environment
        let file = cli.directory + "/.unblocked-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        defer { unlink(file) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        if let signal {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline, process.isRunning, !ready() { usleep(50_000) }
            crash(process.processIdentifier, signal, reportingTo: file)
        }
        process.waitUntilExit()
        try handle.close()
        return try String(contentsOfFile: file, encoding: .utf8)
    }

    /// Sends `signal` to `pid` and waits for the runtime's crash report in `file`; the backtracer lets
    /// a process that was sent the signal (rather than faulting) run on, so SIGKILL ends it then.
    static func crash(_ pid: Int32, _ signal: Int32, reportingTo file: String) {
        kill(pid, signal)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline,
            !((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").contains("Backtrace took")
        {
            usleep(50_000)
        }
        kill(pid, SIGKILL)
    }

    /// The failures were real: each credential of the capturing server's components reached it.
    private static func expectCoverage(_ project: PlantedProject) {
        let requests = project.capture.requests
        let authorizations = requests.compactMap { $0.headers["authorization"] }
        for (scheme, what) in [
            ("AWS4-HMAC-SHA256", "SigV4"), ("Bearer ya29.leak-", "gcp token"),
            ("Bearer leak-mlflow-token-", "mlflow token"),
            ("Basic ", "mlflow basic"), ("SharedKey leakconn:", "connection string key"),
            ("SharedKey leakacct:", "named secret key"),
        ] {
            #expect(authorizations.contains { $0.hasPrefix(scheme) }, "a \(what) request reached the server")
        }
        #expect(requests.contains { $0.headers["x-amz-security-token"] != nil }, "the s3 session token was sent")
        #expect(requests.contains { $0.line.contains("sig=") }, "the SAS token was sent")
        #expect(requests.contains { $0.body.contains("assertion=") }, "a service-account assertion was sent")
    }
}
