import Foundation
import Testing

/// A component that no longer passes its flavor's checks — planted by editing the database, as an
/// older release or a hand edit would leave it — breaks only its own paths, and `doctor` finds it.
@Suite("artifactfs doctor and stored components that no longer validate")
struct DoctorTests {
    @Test func aPlantedInvalidComponentFailsOnlyItsOwnPathsAndDoctorReportsIt() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let cli = ws.cli
        #expect(try cli.run("doctor").stdout == "All components, stacks and plugin flavors check out.\n")
        #expect(
            try cli.run("artifact-store", "register", "good", "--flavor", "local", "--path", ws.path + "/good").status
                == 0
        )
        #expect(
            try cli.run("artifact-store", "register", "bad", "--flavor", "memory", "--path=memory://bad").status == 0
        )
        try plant(#"{"colour":"red","path":"memory://bad"}"#, for: "bad", in: ws.path + "-config/metadata.db")

        #expect(try cli.run("cp", "runs/1/model.bin", ws.path + "/good/model.bin").status == 0)
        #expect(try cli.run("cat", ws.path + "/good/model.bin").stdout == "model one")
        #expect(try cli.run("cp", "runs/1/model.bin", "memory://elsewhere/model.bin").status == 0)
        let refused = try cli.run("cp", "runs/1/model.bin", "memory://bad/model.bin")
        #expect(refused.status == 1)
        #expect(
            refused.stderr.contains("artifact store 'bad' no longer passes its flavor's checks"),
            "\(refused.stderr)"
        )
        #expect(refused.stderr.contains("unknown field 'colour'"), "\(refused.stderr)")

        let doctor = try cli.run("doctor")
        #expect(doctor.status == 1)
        #expect(
            doctor.stdout.contains("artifact store 'bad': unknown field 'colour' for flavor 'memory'"),
            "\(doctor.stdout)"
        )
        #expect(doctor.stdout.contains("fix: `artifactfs artifact-store update bad"))
        #expect(doctor.stdout.hasSuffix("1 problem found.\n"))
        let json = try cli.run("doctor", "--json")
        let problems = try JSONDecoder().decode([[String: String]].self, from: Data(json.stdout.utf8))
        #expect(problems.map { $0["subject"] } == ["artifact store 'bad'"])

        #expect(try cli.run("artifact-store", "update", "bad", "--unset", "colour").status == 0)
        #expect(try cli.run("doctor").status == 0)
        #expect(try cli.run("cp", "runs/1/model.bin", "memory://bad/model.bin").status == 0)
    }

    /// Rewrites a component's stored config behind the metadata store's back (Python's sqlite3).
    private func plant(_ config: String, for name: String, in database: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute('UPDATE component SET config = ? WHERE name = ?', (sys.argv[2], sys.argv[3])); db.commit()",
            database, config, name,
        ]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
