import Foundation
import Stacks
import TestServers
import Testing

/// `artifactfs init --metadata`: two project folders (two machines) on one PostgreSQL server.
@Suite("artifactfs on a shared metadata server")
struct SharedMetadataCommandTests {
    @Test func twoProjectsInitialisedOnOneServerShareTheirComponents() throws {
        let server = try PostgresTestServer.shared()
        let database = "cli_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "_")
        try server.createDatabase(database)
        let url = server.url(database: database, includingPassword: false)
        let password = ["PGPASSWORD": server.password]
        let laptop = try Workspace()
        let cluster = try Workspace()
        defer {
            laptop.remove()
            cluster.remove()
        }
        let first = CLIRunner(directory: laptop.path, configDirectory: nil)
        let second = CLIRunner(directory: cluster.path, configDirectory: nil)

        let withPassword = try first.run("init", "--metadata", server.url(database: database), environment: password)
        #expect(withPassword.status != 0)
        #expect(withPassword.stderr.contains("must not carry a password"))
        #expect(!withPassword.stderr.contains(server.password))
        #expect(!FileManager.default.fileExists(atPath: laptop.path + "/.artifactfs"), "a refused init makes nothing")

        let initialised = try first.run("init", "--metadata", url, environment: password)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        #expect(initialised.stdout.contains("Metadata on \(url)"))
        #expect(try second.run("init", "--metadata", url, environment: password).status == 0)
        #expect(
            try first.run(
                "artifact-store",
                "register",
                "team-store",
                "--flavor",
                "local",
                "--path=\(laptop.path)/store",
                environment: password
            ).status == 0
        )
        let listed = try second.run("artifact-store", "list", environment: password)
        #expect(listed.stdout.contains("team-store"), "\(listed.stdout)\(listed.stderr)")

        let unreachable = try second.run("status", environment: ["PGPASSWORD": "PLANTED-WRONG"])
        #expect(unreachable.status != 0)
        #expect(unreachable.stderr.contains("127.0.0.1:\(server.port)"), "\(unreachable.stderr)")
        #expect(!unreachable.stderr.contains("PLANTED-WRONG"))
    }
}
