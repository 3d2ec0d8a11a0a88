import Foundation
import TestServers
import Testing

/// A team's load on one PostgreSQL server: 8 `artifactfs` processes at once from two machines
/// (two project folders on one database), each registering its own components and secrets,
/// racing the others for one component name, registering a model version and promoting it.
/// Afterwards nothing is lost, no name is taken twice, every version number is distinct, one
/// version is in Production and every refusal says why.
@Suite("8 processes of a team on one metadata server")
struct TeamConcurrencyTests {
    static let processes = 8
    static let rounds = 4

    @Test(.timeLimit(.minutes(5)))
    func eightProcessesOnTwoMachinesLoseNothingAndTakeNoNameTwice() throws {
        let server = try PostgresTestServer.shared()
        let database = "team_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "_")
        try server.createDatabase(database)
        let url = server.url(database: database, includingPassword: false)
        // The password reaches libpq from the environment; secrets need the team's key on a server.
        let password = ["PGPASSWORD": server.password, "ARTIFACTFS_SECRETS_KEY": "team key"]
        let machines = try [Workspace(), Workspace()]
        defer { for machine in machines { machine.remove() } }
        let runners = machines.map { CLIRunner(directory: $0.path, configDirectory: nil) }
        for runner in runners {
            let initialised = try runner.run("init", "--metadata", url, environment: password)
            try #require(initialised.status == 0, "\(initialised.stderr)")
        }
        let base = machines[0].path
        try FileManager.default.createDirectory(atPath: base + "/model", withIntermediateDirectories: true)
        try Data("weights".utf8).write(to: URL(fileURLWithPath: base + "/model/w.bin"))
        for arguments in [
            ["model-registry", "register", "models", "--flavor", "default"],
            ["stack", "update", "default", "--model-registry", "models"],
            ["model-registry", "models", "register", "bert"],
        ] {
            let result = try runners[0].run(arguments, environment: password)
            try #require(result.status == 0, "\(arguments): \(result.stderr)")
        }

        // Each process: its own components and secrets, the contested name, one model version
        // and its promotion. Every command's exit status and standard error go to its log.
        let script = """
            p=$1; cli=$2; base=$3; log=$4
            run() { "$cli" "$@" >>"$log.out" 2>>"$log.err"; echo "$? $*" >>"$log"; }
            for i in $(seq 1 \(Self.rounds)); do
              run artifact-store register "c-$p-$i" --flavor local "--path=$base/c-$p-$i"
              run secret create "s-$p-$i" "--value=v-$p-$i"
            done
            run artifact-store register contested --flavor local "--path=$base/contested-$p"
            run model-registry models register-version bert -u "$base/model" -d "from-$p"
            version=$("$cli" model-registry models list-versions bert --json 2>/dev/null \\
              | python3 -c "import json,sys; print([v['version'] for v in json.load(sys.stdin) if v.get('description') == 'from-$p'][0])")
            run model-registry models update-version bert -v "$version" --stage production
            """
        let processes = try (0..<Self.processes).map { index -> Process in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [
                "-c", script, "worker", String(index), CLIRunner.binary.path, base, base + "/worker-\(index).log",
            ]
            process.currentDirectoryURL = URL(fileURLWithPath: machines[index % 2].path)
            process.environment = ProcessInfo.processInfo.environment.merging(password) { $1 }
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }

        func log(_ index: Int, _ suffix: String = "") -> String {
            (try? String(contentsOfFile: base + "/worker-\(index).log" + suffix, encoding: .utf8)) ?? ""
        }
        let lines = (0..<Self.processes).flatMap { index in
            log(index).split(separator: "\n").map { (worker: index, line: String($0)) }
        }
        let failed = lines.filter { !$0.line.hasPrefix("0 ") }
        let contested = lines.filter { $0.line.contains("register contested") }
        #expect(contested.count == Self.processes)
        #expect(contested.filter { $0.line.hasPrefix("0 ") }.count == 1, "the contested name: \(contested)")
        let promotions = lines.filter { $0.line.contains("--stage production") }
        #expect(promotions.count == Self.processes)
        #expect(promotions.filter { $0.line.hasPrefix("0 ") }.count == 1, "promotions: \(promotions)")
        #expect(
            failed.count == 2 * (Self.processes - 1),
            "only the contested name and the later promotions may fail: \(failed)"
        )
        let errors = (0..<Self.processes).map { log($0, ".err") }.joined()
        #expect(
            !errors.contains("WARNING") && !errors.contains("ERROR:"),
            "the server's own words reached the user: \(errors)"
        )
        #expect(
            errors.components(separatedBy: "an artifact store named 'contested' already exists").count
                == Self.processes,
            "each refused registration names the name taken: \(errors)"
        )
        #expect(
            errors.components(separatedBy: "archive it explicitly").count == Self.processes,
            "each refused promotion says why: \(errors)"
        )

        // Both machines see every component, secret and version, each exactly once.
        for runner in runners {
            let stores = try runner.run("artifact-store", "list", environment: password).stdout
            let secrets = try runner.run("secret", "list", environment: password).stdout
            for index in 0..<Self.processes {
                for round in 1...Self.rounds {
                    #expect(stores.contains("c-\(index)-\(round)"), "component c-\(index)-\(round) lost")
                    #expect(secrets.contains("s-\(index)-\(round)"), "secret s-\(index)-\(round) lost")
                }
            }
            let listed = try runner.run(
                "model-registry",
                "models",
                "list-versions",
                "bert",
                "--json",
                environment: password
            )
            let versions = try #require(
                try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]],
                "\(listed.stdout)\(listed.stderr)"
            )
            #expect(versions.count == Self.processes, "\(versions)")
            #expect(
                Set(versions.compactMap { $0["version"] as? String }).count == Self.processes,
                "a version number twice"
            )
            #expect(
                versions.filter { ($0["stage"] as? String)?.lowercased() == "production" }.count == 1,
                "\(versions)"
            )
        }
        let secret = try runners[1].run("secret", "get", "s-0-1", environment: password)
        #expect(secret.status == 0 && secret.stdout.contains("v-0-1"), "\(secret.stdout)\(secret.stderr)")
    }
}
