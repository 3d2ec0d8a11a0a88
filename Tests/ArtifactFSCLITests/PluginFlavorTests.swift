import ArtifactFS
import ArtifactFSPlugin
import ArtifactStoreConformance
import FileIO
import Foundation
import PluginHost
import Stacks
import Testing

/// Registering a separately built flavor plugin and using it from new `artifactfs` processes.
@Suite("plugin flavors through the CLI")
struct PluginFlavorCLITests {
    @Test func aRegisteredPluginFlavorIsListedDescribedAndUsedByNewProcesses() throws {
        let library = try PluginFixtures.exampleLibrary()
        let workspace = try Workspace()
        defer { workspace.remove() }
        let cli = workspace.cli

        let registered = try cli.run("artifact-store", "flavor", "register", library)
        #expect(registered.status == 0, "\(registered.stderr)")
        #expect(registered.stdout.contains("Registered artifact store flavor 'blob'"))

        let list = try cli.run("artifact-store", "flavor", "list", "--json")
        let flavors = try JSONDecoder().decode([[String: JSONValue]].self, from: Data(list.stdout.utf8))
        let blob = try #require(flavors.first { $0["name"] == .string("blob") })
        #expect(blob["source"] == .string(library))
        #expect(flavors.contains { $0["name"] == .string("local") && $0["source"] == .string("built-in") })

        let describe = try cli.run("artifact-store", "flavor", "describe", "blob")
        #expect(describe.stdout.contains("folder"))
        #expect(describe.stdout.contains("source: \(library)"))

        let folder = workspace.path + "-blobs"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let component = try cli.run(
            "artifact-store",
            "register",
            "models",
            "--flavor",
            "blob",
            "--path",
            "blob://models",
            "--folder",
            folder
        )
        #expect(component.status == 0, "\(component.stderr)")
        #expect(try cli.run("cp", "-r", "runs/1", "blob://models/run-1").status == 0)
        #expect(try cli.run("cat", "blob://models/run-1/model.bin").stdout == "model one")
        #expect(try cli.run("ls", "blob://models/run-1").stdout == "metrics.json\nmodel.bin\n")

        // The stack's artifact store serves the blob:// paths of a stack that uses it.
        #expect(try cli.run("stack", "register", "blobs", "--artifact-store", "models").status == 0)
        #expect(try cli.run("stack", "set", "blobs").status == 0)
        #expect(try cli.run("cp", "runs/2/model.bin", "blob://models/run-2/model.bin").status == 0)
        #expect(try cli.run("cat", "blob://models/run-2/model.bin").stdout == "model two")

        // A missing file through the plugin is the same notFound as anywhere.
        let missing = try cli.run("cat", "blob://models/ghost.bin")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("blob://models/ghost.bin"))
    }

    @Test func aRelativePathIsTakenFromTheFolderWhereInitRan() throws {
        let library = try PluginFixtures.exampleLibrary()
        let workspace = try Workspace()
        defer { workspace.remove() }
        let project = CLIRunner(directory: workspace.path, configDirectory: nil)
        #expect(try project.run("init").status == 0)
        try FileManager.default.createDirectory(atPath: workspace.path + "/plugins", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: library, toPath: workspace.path + "/plugins/libBlobStoreFlavor.so")

        let inSubfolder = CLIRunner(directory: workspace.path + "/runs/1", configDirectory: nil)
        let registered = try inSubfolder.run("artifact-store", "flavor", "register", "plugins/libBlobStoreFlavor.so")
        #expect(registered.status == 0, "\(registered.stderr)")
        #expect(
            try inSubfolder.run("artifact-store", "flavor", "list").stdout.contains(
                workspace.path + "/plugins/libBlobStoreFlavor.so"
            )
        )
    }

    @Test func aPackageFolderIsBuiltAndRegisteredByTheExampleScript() throws {
        _ = try PluginFixtures.exampleLibrary()  // the build is shared; the script's own build finds it done
        let script = PluginFixtures.run(
            "/usr/bin/env",
            ["bash", PluginFixtures.examplePackage + "/run.sh"],
            environment: ["ARTIFACTFS": CLIRunner.binary.path]
        )
        #expect(script.status == 0, "\(script.output)")
        #expect(script.output.contains("custom-flavor: all steps passed"))
    }

    @Test func aPluginRemovedAfterRegistrationIsStillListedAndFailsClearlyWhenUsed() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let library = workspace.path + "/libBlobStoreFlavor.so"
        try FileManager.default.copyItem(atPath: try PluginFixtures.exampleLibrary(), toPath: library)
        let cli = workspace.cli
        #expect(try cli.run("artifact-store", "flavor", "register", library).status == 0)
        #expect(
            try cli.run(
                "artifact-store",
                "register",
                "b",
                "--flavor",
                "blob",
                "--path",
                "blob://b",
                "--folder",
                workspace.path + "/blobs"
            ).status == 0
        )
        try FileManager.default.removeItem(atPath: library)
        #expect(try cli.run("artifact-store", "flavor", "list").stdout.contains(library))
        let used = try cli.run("cat", "blob://b/model.bin")
        #expect(used.status == 1)
        #expect(used.stderr.contains("no plugin at '\(library)': the file does not exist"), "\(used.stderr)")
    }

    @Test func aFlavorOfAnotherComponentTypeValidatesComponentsFromItsDescription() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let fields = #"[{"name":"channel","type":"string","required":true,"secret":false,"help":"where alerts go"}]"#
        let library = try PluginFixtures.cPlugin(
            in: workspace.path,
            name: "notify",
            flavors:
                #"[{"name":"notify","type":"alerter","summary":"Alerts to a channel.","schemes":[],"fields":\#(fields)}]"#
        )
        let cli = workspace.cli
        #expect(try cli.run("alerter", "flavor", "register", library).status == 0)
        #expect(try cli.run("alerter", "flavor", "describe", "notify").stdout.contains("where alerts go"))
        let missing = try cli.run("alerter", "register", "ops", "--flavor", "notify")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("missing required field 'channel'"))
        #expect(try cli.run("alerter", "register", "ops", "--flavor", "notify", "--channel=ml-ops").status == 0)
    }

    @Test func theRulesAPluginDeclaresAreEnforcedAtRegistrationWithoutLoadingIt() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let fields = [
            #"{"name":"channel","type":"string","required":true,"secret":false,"help":"where alerts go","rule":{"allowed":["ops","ml"]}}"#,
            #"{"name":"retries","type":"integer","required":false,"secret":false,"help":"attempts","rule":{"minimum":1,"maximum":5}}"#,
            #"{"name":"webhook","type":"string","required":false,"secret":false,"help":"a URL","rule":{"urlSchemes":["https"]}}"#,
            #"{"name":"email","type":"string","required":false,"secret":false,"help":"an address"}"#,
        ]
        .joined(separator: ",")
        let library = try PluginFixtures.cPlugin(
            in: workspace.path,
            name: "ruled",
            flavors:
                #"[{"name":"ruled","type":"alerter","summary":"Alerts.","schemes":[],"fields":[\#(fields)],"exclusive":[["webhook","email"]]}]"#
        )
        let cli = workspace.cli
        #expect(try cli.run("alerter", "flavor", "register", library).status == 0)
        let describe = try cli.run("alerter", "flavor", "describe", "ruled").stdout
        #expect(
            describe.contains("ops|ml") && describe.contains("1..5") && describe.contains("https URL"),
            "\(describe)"
        )
        #expect(describe.contains("at most one of: webhook, email"))
        for (arguments, message) in [
            (["--channel=sales"], "field 'channel' of flavor 'ruled' must be one of ops, ml, got 'sales'"),
            (["--channel=ops", "--retries=9"], "field 'retries' of flavor 'ruled' must be at most 5, got 9"),
            (
                ["--channel=ops", "--webhook=http://hooks"],
                "field 'webhook' of flavor 'ruled' must be a URL of the form https://"
            ),
            (
                ["--channel=ops", "--webhook=https://hooks", "--email=a@b"],
                "fields 'webhook' and 'email' of flavor 'ruled' exclude each other"
            ),
        ] {
            let refused = try cli.run(["alerter", "register", "ops", "--flavor", "ruled"] + arguments)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains(message), "\(refused.stderr)")
        }
        #expect(try cli.run("alerter", "list").stdout.contains("ops") == false)
        #expect(
            try cli.run("alerter", "register", "ops", "--flavor", "ruled", "--channel=ml", "--retries=5").status == 0
        )
    }
}

/// Every refusal of `flavor register` and `flavor delete`, each with a message naming what is wrong,
/// and none leaving anything registered.
@Suite("plugin flavor refusals")
struct PluginFlavorRefusalTests {
    /// Runs `artifact-store flavor register PATH` expecting a refusal whose message holds every part.
    func expectRefused(_ workspace: Workspace, _ arguments: [String], mentioning parts: [String]) throws {
        let result = try workspace.cli.run(arguments)
        #expect(result.status == 1)
        for part in parts { #expect(result.stderr.contains(part), "\(result.stderr)") }
        let list = try workspace.cli.run("artifact-store", "flavor", "list")
        let fresh = try Workspace()
        defer { fresh.remove() }
        #expect(
            list.stdout == (try fresh.cli.run("artifact-store", "flavor", "list").stdout),
            "only the header and the built-ins: \(list.stdout)"
        )
    }

    @Test func aMissingFile() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try expectRefused(
            workspace,
            ["artifact-store", "flavor", "register", workspace.path + "/nowhere/libgone.so"],
            mentioning: ["no plugin at '\(workspace.path)/nowhere/libgone.so'", "does not exist"]
        )
    }

    @Test func aFileThatIsNotASharedLibrary() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try "not a library".write(toFile: workspace.path + "/libfake.so", atomically: true, encoding: .utf8)
        try expectRefused(
            workspace,
            ["artifact-store", "flavor", "register", workspace.path + "/libfake.so"],
            mentioning: [
                "'\(workspace.path)/libfake.so' is not an ArtifactFS plugin", "does not load as a shared library",
            ]
        )
    }

    @Test func aSharedLibraryWithoutTheEntryPoint() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let library = try PluginFixtures.cPlugin(in: workspace.path, name: "noentry", entry: false)
        try expectRefused(
            workspace,
            ["artifact-store", "flavor", "register", library],
            mentioning: ["is not an ArtifactFS plugin", "exports no 'artifactfs_plugin_entry' entry point"]
        )
    }

    @Test func anIncompatibleABIVersion() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let library = try PluginFixtures.cPlugin(in: workspace.path, name: "future", abi: 99)
        try expectRefused(
            workspace,
            ["artifact-store", "flavor", "register", library],
            mentioning: [
                "plugin '\(library)' speaks plugin ABI version 99",
                "this artifactfs speaks ABI version \(PluginABI.version)", "rebuild",
            ]
        )
    }

    @Test func aNameTakenByABuiltInFlavor() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let library = try PluginFixtures.cPlugin(
            in: workspace.path,
            name: "shadow",
            flavors: #"[{"name":"local","type":"artifact_store","summary":"x","schemes":["shadow://"],"fields":[]}]"#
        )
        try expectRefused(
            workspace,
            ["artifact-store", "flavor", "register", library],
            mentioning: ["plugin flavor 'local' collides with the built-in artifact store flavor 'local'"]
        )
    }

    @Test func aPluginDeclaringOneNameTwice() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let twin = #"{"name":"twin","type":"artifact_store","summary":"x","schemes":["twin://"],"fields":[]}"#
        let library = try PluginFixtures.cPlugin(in: workspace.path, name: "twins", flavors: "[\(twin),\(twin)]")
        try expectRefused(
            workspace,
            ["artifact-store", "flavor", "register", library],
            mentioning: ["plugin '\(library)' declares two artifact store flavors named 'twin'"]
        )
    }

    @Test func aNameAlreadyRegistered() throws {
        let library = try PluginFixtures.exampleLibrary()
        let workspace = try Workspace()
        defer { workspace.remove() }
        #expect(try workspace.cli.run("artifact-store", "flavor", "register", library).status == 0)
        let again = try workspace.cli.run("artifact-store", "flavor", "register", library)
        #expect(again.status == 1)
        #expect(
            again.stderr.contains("artifact store flavor 'blob' is already registered from '\(library)'"),
            "\(again.stderr)"
        )
        #expect(again.stderr.contains("flavor delete blob"))
    }

    @Test func aPluginWithoutFlavorsOfTheType() throws {
        let library = try PluginFixtures.exampleLibrary()
        let workspace = try Workspace()
        defer { workspace.remove() }
        let result = try workspace.cli.run("alerter", "flavor", "register", library)
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("declares no alerter flavors (it declares: artifact store 'blob')"),
            "\(result.stderr)"
        )
        #expect(try workspace.cli.run("alerter", "flavor", "list").stdout.contains("No alerter flavors"))
    }

    @Test func deletingAFlavorInUseABuiltInOrAnUnknownOne() throws {
        let library = try PluginFixtures.exampleLibrary()
        let workspace = try Workspace()
        defer { workspace.remove() }
        let cli = workspace.cli
        #expect(try cli.run("artifact-store", "flavor", "register", library).status == 0)
        #expect(
            try cli.run(
                "artifact-store",
                "register",
                "b",
                "--flavor",
                "blob",
                "--path",
                "blob://b",
                "--folder",
                workspace.path + "/blobs"
            ).status == 0
        )
        let inUse = try cli.run("artifact-store", "flavor", "delete", "blob")
        #expect(inUse.status == 1)
        #expect(inUse.stderr.contains("artifact store flavor 'blob' is used by component 'b'"))
        let builtIn = try cli.run("artifact-store", "flavor", "delete", "local")
        #expect(builtIn.stderr.contains("'local' is built in and cannot be deleted"))
        let unknown = try cli.run("artifact-store", "flavor", "delete", "nope")
        #expect(unknown.stderr.contains("no plugin artifact store flavor named 'nope'"))
        #expect(try cli.run("artifact-store", "delete", "b").status == 0)
        #expect(try cli.run("artifact-store", "flavor", "delete", "blob").status == 0)
        #expect(try !cli.run("artifact-store", "flavor", "list").stdout.contains("blob"))
    }
}

/// A Swift step that opens the project's metadata store routes `fileio` through plugin components.
@Suite("plugin flavors from Swift")
struct PluginFlavorLibraryTests {
    @Test func aStoreOpenedLaterRoutesFileioThroughAPluginComponent() throws {
        let library = try PluginFixtures.exampleLibrary()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "plugin-meta-\(UUID().uuidString)"
        ).path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try ArtifactFS.openMetadataStore(directory: directory + "/config")
        try first.registerPluginFlavors(from: library, type: .artifactStore, base: "/")
        try first.registerComponent(
            name: "models",
            type: .artifactStore,
            flavor: "blob",
            config: ["path": .string("blob://models"), "folder": .string(directory + "/blobs")]
        )

        // As a new process would: a fresh registry of flavors, filled from the metadata store alone.
        let later = try ArtifactFS.openMetadataStore(directory: directory + "/config")
        #expect(later.flavors.artifactStoreFlavors.contains { $0.name == "blob" })
        let routes = FilesystemRegistry()
        try later.configure(routes)
        let store = try routes.store(for: "blob://models/run/model.bin")
        try store.write("blob://models/run/model.bin", contents: Array("weights".utf8))
        #expect(try routes.store(for: "blob://models/run").listdir("blob://models/run") == ["model.bin"])
        #expect(try store.read("blob://models/run/model.bin") == Array("weights".utf8))
        #expect(try store.stat("blob://models/run/model.bin").etag?.hasPrefix("sha256:") == true)
    }
}

/// The example plugin's store, seen through the host adapter, passes the suite every flavor passes.
@Suite("plugin flavor conformance")
struct PluginConformanceTests {
    @Test(arguments: ArtifactStoreConformance.cases)
    func conformance(_ check: ConformanceCase) throws {
        let library = try PluginFixtures.exampleLibrary()
        let plugin = try PluginLibrary.load(library)
        let description = try #require(plugin.flavors.first { $0.name == "blob" })
        let flavor = PluginArtifactStoreFlavor(
            description,
            pin: try PluginFixtures.pin(library, type: .artifactStore, name: "blob")
        )
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("blob-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try flavor.makeStore(
            flavor.validate(["path": .string("blob://conformance"), "folder": .string(folder)])
        )
        #expect(store is PluginArtifactStore)
        try check.run(on: store, under: "blob://conformance")
    }
}

/// A JSON value, to read `--json` output without a type per command.
enum JSONValue: Decodable, Equatable {
    case string(String)
    case other

    init(from decoder: any Decoder) throws {
        self = (try? decoder.singleValueContainer().decode(String.self)).map(JSONValue.string) ?? .other
    }
}
