import Foundation
import Testing

@Suite("artifactfs file verbs")
struct FileVerbTests {
    @Test func listsCatsAndFinds() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(try ws.cli.run("ls", "runs").stdout == "1/\n2/\n")
        #expect(try ws.cli.run("cat", "runs/1/model.bin", "runs/2/model.bin").stdout == "model onemodel two")
        let found = try ws.cli.run("find", "runs", "--type", "f", "--name", "*.bin")
        #expect(found.status == 0)
        #expect(found.stdout == "\(ws.path)/runs/1/model.bin\n\(ws.path)/runs/2/model.bin\n")
        let globbed = try ws.cli.run("glob", "runs/**/*.json")
        #expect(globbed.stdout == "\(ws.path)/runs/1/metrics.json\n")
    }

    @Test func jsonOutputsParse() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let listing = try JSONSerialization.jsonObject(with: Data(try ws.cli.run("ls", "--json", "runs/1").stdout.utf8))
        let entries = try #require(listing as? [[String: Any]])
        #expect(entries.map { $0["name"] as? String } == ["metrics.json", "model.bin"])
        #expect(entries.last?["size"] as? Int == 9)
        let stat = try JSONSerialization.jsonObject(
            with: Data(try ws.cli.run("stat", "--json", "runs/1/model.bin").stdout.utf8)
        )
        #expect((stat as? [String: Any])?["kind"] as? String == "file")
        let found = try JSONSerialization.jsonObject(with: Data(try ws.cli.run("find", "--json", "runs").stdout.utf8))
        #expect((found as? [[String: Any]])?.count == 6)
        let globbed = try JSONSerialization.jsonObject(
            with: Data(try ws.cli.run("glob", "--json", "runs/*/model.bin").stdout.utf8)
        )
        #expect((globbed as? [String])?.count == 2)
    }

    @Test func copiesMovesAndRemovesTrees() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(try ws.cli.run("cp", "-r", "runs", "backup").status == 0)
        #expect(try ws.contents("backup/2/model.bin") == "model two")
        #expect(try ws.cli.run("mkdir", "-p", "archive/2026").status == 0)
        #expect(try ws.cli.run("mv", "backup", "archive/2026").status == 0)
        #expect(try ws.contents("archive/2026/backup/1/metrics.json") == "{}")
        #expect(try ws.cli.run("rm", "-r", "archive").status == 0)
        #expect(!ws.exists("archive"))
    }

    @Test func copiesAcrossLocalAndMemoryInOneCommand() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        // memory:// lives as long as one process: the copy succeeds, and the next process starts empty.
        let copied = try ws.cli.run("cp", "-r", "runs", "memory://scratch/runs")
        #expect(copied.status == 0, "\(copied.stderr)")
        let missing = try ws.cli.run("ls", "memory://scratch/runs")
        #expect(missing.status == 1)
        #expect(missing.stderr == "artifactfs: memory://scratch/runs: no such file or directory\n")
    }

    @Test func unknownSchemeIsAnErrorNamingIt() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let result = try ws.cli.run("ls", "hdfs://bucket/x")
        #expect(result.status == 1)
        #expect(
            result.stderr.hasPrefix("artifactfs: hdfs://bucket/x: no artifact store is registered for scheme 'hdfs://'")
        )
        #expect(result.stderr.contains("memory://"))
    }

    @Test func missingFileIsAnError() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let result = try ws.cli.run("cat", "runs/3/model.bin")
        #expect(result.status == 1)
        #expect(result.stderr == "artifactfs: runs/3/model.bin: no such file or directory\n")
        #expect(result.stdout.isEmpty)
    }

    @Test func overwriteIsRefusedUnlessForced() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let refused = try ws.cli.run("cp", "runs/1/model.bin", "runs/2/model.bin")
        #expect(refused.status == 1)
        #expect(refused.stderr == "artifactfs: runs/2/model.bin: destination exists (overwrite not requested)\n")
        #expect(try ws.contents("runs/2/model.bin") == "model two")
        let movedOnto = try ws.cli.run("mv", "runs/1/model.bin", "runs/2/model.bin")
        #expect(movedOnto.status == 1)
        #expect(try ws.contents("runs/1/model.bin") == "model one")
        #expect(try ws.cli.run("cp", "--force", "runs/1/model.bin", "runs/2/model.bin").status == 0)
        #expect(try ws.contents("runs/2/model.bin") == "model one")
    }

    @Test func directoriesNeedRecursion() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let copy = try ws.cli.run("cp", "runs", "elsewhere")
        #expect(copy.status == 1)
        #expect(copy.stderr == "artifactfs: runs: is a directory (use cp -r)\n")
        let remove = try ws.cli.run("rm", "runs")
        #expect(remove.status == 1)
        #expect(ws.exists("runs/1/model.bin"))
    }

    @Test func removeReportsEachFailureAndGoesOn() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let result = try ws.cli.run("rm", "runs/1/model.bin", "runs/none", "runs/2/model.bin")
        #expect(result.status == 1)
        #expect(result.stderr == "artifactfs: runs/none: no such file or directory\n")
        #expect(!ws.exists("runs/1/model.bin") && !ws.exists("runs/2/model.bin"))
        #expect(try ws.cli.run("rm", "-f", "runs/none").status == 0)
    }

    @Test func usageErrorsExit64() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(try ws.cli.run("cp", "only-one").status == 64)
        #expect(try ws.cli.run("frobnicate").status == 64)
        #expect(try ws.cli.run("find", "--type", "x", "runs").status == 64)
    }
}
