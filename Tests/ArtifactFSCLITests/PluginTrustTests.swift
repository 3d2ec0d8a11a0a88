import Foundation
import PluginHost
import Stacks
import Synchronization
import TestServers
import Testing

/// Plugin flavors pinned by content hash and trusted per machine: a plugin registered on one
/// machine is not built or loaded on another until that machine runs `flavor trust`, and a plugin
/// whose content changed is refused everywhere, the registering machine included.
@Suite("plugin trust")
struct PluginTrustTests {
    @Test func aChangedPluginIsRefusedOnTheMachineThatRegisteredItUntilTrustedAgain() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let library = workspace.path + "/plugins/libBlobStoreFlavor.so"
        try FileManager.default.createDirectory(atPath: workspace.path + "/plugins", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: try PluginFixtures.exampleLibrary(), toPath: library)
        let pinned = try PluginContentHash.of(library)
        let cli = workspace.cli

        let registered = try cli.run("artifact-store", "flavor", "register", library)
        #expect(registered.status == 0, "\(registered.stderr)")
        #expect(registered.stdout.contains("content \(pinned)"), "\(registered.stdout)")
        #expect(
            try cli.run(
                "artifact-store",
                "register",
                "models",
                "--flavor",
                "blob",
                "--path",
                "blob://models",
                "--folder",
                workspace.path + "/blobs"
            ).status == 0
        )
        #expect(try cli.run("cp", "runs/1/model.bin", "blob://models/model.bin").status == 0)
        #expect(try cli.run("artifact-store", "flavor", "list").stdout.contains(" trusted"))

        try append("changed", to: library)
        let changed = try PluginContentHash.of(library)
        let refused = try cli.run("cat", "blob://models/model.bin")
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("artifact store flavor 'blob' (plugin '\(library)') changed"),
            "\(refused.stderr)"
        )
        #expect(refused.stderr.contains("expected content hash \(pinned), found \(changed)"))
        #expect(refused.stderr.contains("`artifactfs artifact-store flavor trust blob`"))
        #expect(try cli.run("cat", "runs/1/model.bin").stdout == "model one", "other flavors keep working")
        #expect(try cli.run("artifact-store", "flavor", "list").stdout.contains("changed"))
        let doctor = try cli.run("doctor")
        #expect(doctor.status == 1)
        #expect(doctor.stdout.contains("artifact store flavor 'blob': artifact store flavor 'blob' (plugin"))
        #expect(doctor.stdout.contains("`artifactfs artifact-store flavor trust blob`"), "\(doctor.stdout)")

        let trusted = try cli.run("artifact-store", "flavor", "trust", "blob")
        #expect(trusted.status == 0, "\(trusted.stderr)")
        #expect(trusted.stdout.contains("from '\(library)'"))
        #expect(trusted.stdout.contains("content hash: \(changed)"))
        #expect(trusted.stdout.contains("changed since it was pinned (\(pinned))"))
        #expect(try cli.run("cat", "blob://models/model.bin").stdout == "model one")
        #expect(try cli.run("doctor").status == 0)
    }

    @Test func aPluginRegisteredOnOneMachineLoadsOnAnotherOnlyAfterItTrustsIt() throws {
        let team = try SharedProject()
        defer { team.remove() }
        let laptop = team.laptop
        let cluster = team.cluster
        let library = team.laptopFolder + "/plugins/libBlobStoreFlavor.so"
        try FileManager.default.createDirectory(
            atPath: team.laptopFolder + "/plugins",
            withIntermediateDirectories: true
        )
        try FileManager.default.copyItem(atPath: try PluginFixtures.exampleLibrary(), toPath: library)
        let pinned = try PluginContentHash.of(library)
        #expect(try team.run(laptop, "artifact-store", "flavor", "register", library).status == 0)
        let blobs = team.laptopFolder + "/blobs"
        #expect(
            try team.run(
                laptop,
                "artifact-store",
                "register",
                "models",
                "--flavor",
                "blob",
                "--path",
                "blob://models",
                "--folder",
                blobs
            ).status == 0
        )
        #expect(
            try team.run(
                laptop,
                "artifact-store",
                "register",
                "team-store",
                "--flavor",
                "local",
                "--path=\(team.laptopFolder)/store"
            ).status == 0
        )
        #expect(try team.run(laptop, "cp", "runs/1/model.bin", "blob://models/model.bin").status == 0)

        let refused = try team.run(cluster, "cat", "blob://models/model.bin")
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("artifact store flavor 'blob' (plugin '\(library)') is registered"),
            "\(refused.stderr)"
        )
        #expect(refused.stderr.contains("this machine has not trusted it (content hash \(pinned))"))
        #expect(refused.stderr.contains("`artifactfs artifact-store flavor trust blob`"))
        #expect(
            try team.run(cluster, "cp", "runs/2/model.bin", "\(team.laptopFolder)/store/two.bin").status == 0,
            "a component of another flavor keeps working"
        )
        #expect(try team.run(cluster, "artifact-store", "flavor", "list").stdout.contains("untrusted"))
        #expect(try team.run(laptop, "artifact-store", "flavor", "list").stdout.contains(" trusted"))
        let doctor = try team.run(cluster, "doctor")
        #expect(doctor.status == 1)
        #expect(doctor.stdout.contains("has not trusted it"), "\(doctor.stdout)")

        let trusted = try team.run(cluster, "artifact-store", "flavor", "trust", "blob")
        #expect(trusted.status == 0, "\(trusted.stderr)")
        #expect(trusted.stdout.contains("from '\(library)'"))
        #expect(trusted.stdout.contains("content hash: \(pinned)"))
        let trustFile = team.clusterFolder + "-xdg/artifactfs/trusted-plugins.json"
        #expect(try FileManager.default.attributesOfItem(atPath: trustFile)[.posixPermissions] as? Int == 0o600)
        #expect(try team.run(cluster, "cat", "blob://models/model.bin").stdout == "model one")

        try append("changed", to: library)
        for machine in [laptop, cluster] {
            let changed = try team.run(machine, "cat", "blob://models/model.bin")
            #expect(changed.status == 1)
            #expect(changed.stderr.contains("changed since it was registered: expected content hash \(pinned)"))
        }
        #expect(try team.run(laptop, "artifact-store", "flavor", "trust", "blob").status == 0)
        #expect(try team.run(laptop, "cat", "blob://models/model.bin").stdout == "model one")
        let repinned = try team.run(cluster, "cat", "blob://models/model.bin")
        #expect(repinned.status == 1, "re-pinned on the laptop, the new content needs the cluster's trust too")
        #expect(repinned.stderr.contains("this machine has not trusted it"), "\(repinned.stderr)")
    }

    @Test func aRefusedPackageIsNeverBuilt() throws {
        let team = try SharedProject()
        defer { team.remove() }
        let package = team.laptopFolder + "/marker-plugin"
        let marker = team.laptopFolder + "/built-marker"
        try FileManager.default.createDirectory(atPath: package + "/Sources/Marker", withIntermediateDirectories: true)
        // Building the package evaluates its manifest first, which leaves the marker.
        try """
        // swift-tools-version:5.9
        import Foundation
        import PackageDescription

        FileManager.default.createFile(atPath: "\(marker)", contents: Data("built".utf8))
        let package = Package(name: "Marker", targets: [.target(name: "Marker")])
        """.write(toFile: package + "/Package.swift", atomically: true, encoding: .utf8)
        try "public let marker = 1\n".write(
            toFile: package + "/Sources/Marker/Marker.swift",
            atomically: true,
            encoding: .utf8
        )
        // A teammate's registration as the shared store holds it; this machine never ran it.
        let pinned = try PluginContentHash.of(package)
        try team.openLaptopStore().insertPluginFlavors([
            PluginFlavorRegistration(
                type: .alerter,
                name: "marker",
                source: package,
                library: package + "/.build/release/libMarker.so",
                sdkVersion: "1.0.0",
                contentHash: pinned,
                declaration:
                    #"{"name":"marker","type":"alerter","summary":"Leaves a marker.","schemes":[],"fields":[]}"#,
                registered: Date()
            )
        ])
        let cluster = team.cluster
        func unbuilt() -> Bool {
            !FileManager.default.fileExists(atPath: marker)
                && !FileManager.default.fileExists(atPath: package + "/.build")
        }

        let untrusted = try team.run(cluster, "alerter", "register", "ops", "--flavor", "marker")
        #expect(untrusted.status == 1)
        #expect(untrusted.stderr.contains("`artifactfs alerter flavor trust marker`"), "\(untrusted.stderr)")
        #expect(unbuilt(), "an untrusted package is not built")

        #expect(try team.run(cluster, "alerter", "flavor", "trust", "marker").status == 0)
        try "public let marker = 2\n".write(
            toFile: package + "/Sources/Marker/Marker.swift",
            atomically: true,
            encoding: .utf8
        )
        let changed = try team.run(cluster, "alerter", "register", "ops", "--flavor", "marker")
        #expect(changed.status == 1)
        #expect(
            changed.stderr.contains("expected content hash \(pinned), found \(try PluginContentHash.of(package))"),
            "\(changed.stderr)"
        )
        #expect(unbuilt(), "a changed package is not built")

        #expect(try team.run(cluster, "alerter", "flavor", "trust", "marker").status == 0)
        _ = try team.run(cluster, "alerter", "register", "ops", "--flavor", "marker")
        #expect(FileManager.default.fileExists(atPath: marker), "once trusted, the package is built on this machine")
    }

    @Test func theTrustFileKeepsEveryTrustMadeAtOnceAndIsPrivate() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("trust-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        let trust = TrustedPlugins(environment: ["XDG_CONFIG_HOME": home])
        #expect(trust.path == home + "/artifactfs/trusted-plugins.json")
        let pins = (0..<16).map {
            PluginPin(
                type: .artifactStore,
                name: "flavor-\($0)",
                source: "/plugins/\($0).so",
                library: "/plugins/\($0).so",
                contentHash: "sha256:\($0)",
                trust: trust
            )
        }
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: pins.count) { index in
            do {
                try trust.trust(pins[index])
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(try trust.entries().map(\.name).sorted() == pins.map(\.name).sorted())
        #expect(try pins.allSatisfy(trust.trusts))
        var changed = pins[0]
        changed.contentHash = "sha256:other"
        #expect(try !trust.trusts(changed), "trust is for one content hash")
        #expect(try FileManager.default.attributesOfItem(atPath: trust.path)[.posixPermissions] as? Int == 0o600)
    }

    /// Appends `text` to the file at `path`: a shared library that still loads, with another content hash.
    private func append(_ text: String, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }
}

/// Two project folders (two machines, each with its own config home) initialised on one
/// database of the shared PostgreSQL test server.
private struct SharedProject {
    let laptop: CLIRunner
    let cluster: CLIRunner
    let password: [String: String]
    /// The database's URL with the password, for a store opened in this process.
    private let urlWithPassword: String
    private let laptopWorkspace: Workspace
    private let clusterWorkspace: Workspace

    init() throws {
        let server = try PostgresTestServer.shared()
        let database = "trust_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "_")
        try server.createDatabase(database)
        let url = server.url(database: database, includingPassword: false)
        password = ["PGPASSWORD": server.password]
        urlWithPassword = server.url(database: database)
        laptopWorkspace = try Workspace()
        clusterWorkspace = try Workspace()
        laptop = CLIRunner(directory: laptopWorkspace.path, configDirectory: nil)
        cluster = CLIRunner(directory: clusterWorkspace.path, configDirectory: nil)
        for machine in [laptop, cluster] {
            let initialised = try machine.run("init", "--metadata", url, environment: password)
            guard initialised.status == 0 else {
                remove()
                throw PluginFixtures.Failure(description: "init failed: \(initialised.stderr)")
            }
        }
    }

    var laptopFolder: String { laptopWorkspace.path }
    var clusterFolder: String { clusterWorkspace.path }

    /// Runs `artifactfs ARGS` on `machine` with the server's password.
    func run(_ machine: CLIRunner, _ arguments: String...) throws -> CLIRunner.Result {
        try machine.run(arguments, environment: password)
    }

    /// The laptop's metadata store, opened in this process.
    func openLaptopStore() throws -> MetadataStore {
        try MetadataStore(
            directory: laptopFolder + "/.artifactfs",
            environment: [MetadataServerURL.environmentKey: urlWithPassword]
        )
    }

    func remove() {
        laptopWorkspace.remove()
        clusterWorkspace.remove()
    }
}
