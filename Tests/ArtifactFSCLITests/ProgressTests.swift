import Foundation
import Testing

/// Progress of `cp`, `mv`, `sync` and the model registry's copies as a user sees it: redrawn in place at a terminal (a
/// pseudo-terminal from util-linux's `script`), absent in a pipe, forced by `--progress`,
/// silenced by `--quiet`.
@Suite("progress on standard error")
struct ProgressTests {
    /// A workspace with a 64 MiB file: sixteen 4 MiB chunks, so the copy reports progress more than once.
    static func workspace() throws -> Workspace {
        let ws = try Workspace()
        let big = ws.path + "/big.bin"
        #expect(FileManager.default.createFile(atPath: big, contents: Data(count: 64 << 20)))
        return ws
    }

    /// Runs `artifactfs ARGS` at a pseudo-terminal (`script -qec`), returning what the terminal showed.
    static func atTerminal(_ ws: Workspace, _ arguments: [String]) throws -> CLIRunner.Result {
        let command = ([CLIRunner.binary.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        process.currentDirectoryURL = URL(fileURLWithPath: ws.path)
        var environment = ProcessInfo.processInfo.environment
        environment["ARTIFACTFS_CONFIG_DIR"] = ws.cli.configDirectory
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let shown = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIRunner.Result(
            status: process.terminationStatus,
            stdout: String(decoding: shown, as: UTF8.self),
            stderr: ""
        )
    }

    /// The progress lines drawn in place (`\r` + erase-line), in order.
    static func redraws(_ shown: String) -> [String] {
        shown.components(separatedBy: "\r\u{1B}[K").dropFirst().map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @Test func copyAtATerminalShowsBytesFilesRateAndETAInPlaceThenASummary() throws {
        let ws = try Self.workspace()
        defer { ws.remove() }
        let result = try Self.atTerminal(ws, ["cp", "big.bin", "memory://scratch/big.bin"])
        #expect(result.status == 0, "\(result.stdout)")
        let lines = Self.redraws(result.stdout)
        // The first redraw follows the first 4 MiB chunk written: counts come from the copy itself.
        let first = try #require(lines.first)
        #expect(first.hasPrefix("4.0 MiB / 64.0 MiB  0/1 files  "), "\(lines)")
        #expect(first.contains("/s  ETA "), "\(lines)")
        let summary = try #require(lines.last)
        #expect(summary.hasPrefix("copied 1 file, 64.0 MiB in "), "\(lines)")
        #expect(summary.hasSuffix("/s)"), "\(lines)")
        // Redraws are rate-limited to 10 a second, never one per chunk.
        let seconds = try #require(
            summary.firstMatch(of: /in (\d+\.\d) s/).flatMap { Double($0.1) },
            "\(summary)"
        )
        #expect(lines.count - 1 <= Int(seconds * 10) + 2, "\(lines.count - 1) redraws in \(seconds) s: \(lines)")
    }

    @Test func aTreeCopyCountsItsFilesAndMoveReportsWhatItMoved() throws {
        let ws = try Self.workspace()
        defer { ws.remove() }
        let copied = try Self.atTerminal(ws, ["cp", "-r", "runs", "runs-copy"])
        #expect(copied.status == 0, "\(copied.stdout)")
        let copySummary = try #require(Self.redraws(copied.stdout).last)
        #expect(copySummary.hasPrefix("copied 3 files, 20 B in "), "\(copied.stdout)")
        let moved = try Self.atTerminal(ws, ["mv", "runs-copy", "runs-moved"])
        #expect(moved.status == 0, "\(moved.stdout)")
        #expect(try #require(Self.redraws(moved.stdout).last).hasPrefix("moved 3 files, 20 B in "), "\(moved.stdout)")
        #expect(try ws.contents("runs-moved/1/model.bin") == "model one")
    }

    @Test func syncAtATerminalKeepsItsLinesAndAddsAProgressSummary() throws {
        let ws = try Self.workspace()
        defer { ws.remove() }
        let result = try Self.atTerminal(ws, ["sync", "runs", "mirror"])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("copy 1/model.bin (missing)"))
        #expect(result.stdout.contains("3 copied (20 bytes), 0 deleted, 0 unchanged"))
        #expect(
            try #require(Self.redraws(result.stdout).last).hasPrefix("synced 3 files, 20 B in "),
            "\(result.stdout)"
        )
        let quiet = try Self.atTerminal(ws, ["sync", "--quiet", "runs", "mirror-quiet"])
        #expect(quiet.status == 0)
        #expect(quiet.stdout.isEmpty, "--quiet prints nothing but errors: \(quiet.stdout)")
        #expect(try ws.contents("mirror-quiet/2/model.bin") == "model two")
    }

    @Test func registeringAndLoadingAModelVersionShowTheCopy() throws {
        let ws = try Self.workspace()
        defer { ws.remove() }
        #expect(try ws.cli.run("model-registry", "register", "models", "--flavor", "default").status == 0)
        #expect(try ws.cli.run("stack", "update", "default", "--model-registry", "models").status == 0)
        #expect(try ws.cli.run("model-registry", "models", "register", "big").status == 0)
        let registered = try Self.atTerminal(
            ws,
            ["model-registry", "models", "register-version", "big", "-u", "big.bin"]
        )
        #expect(registered.status == 0, "\(registered.stdout)")
        let lines = Self.redraws(registered.stdout)
        #expect(try #require(lines.first).hasPrefix("4.0 MiB / 64.0 MiB  0/1 files  "), "\(lines)")
        let summary = try #require(lines.last)
        #expect(summary.hasPrefix("copied 1 file, 64.0 MiB in "), "\(lines)")
        #expect(summary.contains("Registered version 1 of model 'big'"), "the result follows the summary: \(lines)")

        let loaded = try Self.atTerminal(ws, ["model-registry", "models", "load-version", "big", "-v", "1", "out"])
        #expect(loaded.status == 0, "\(loaded.stdout)")
        let loadSummary = try #require(Self.redraws(loaded.stdout).last)
        #expect(loadSummary.hasPrefix("copied 1 file, 64.0 MiB in "), "\(loaded.stdout)")
        #expect(FileManager.default.contents(atPath: ws.path + "/out/big.bin")?.count == 64 << 20)

        // A version already in the artifact store is registered where it lies: nothing is copied, so no summary.
        let stored = try #require(summary.firstMatch(of: #/ at (\S+)\.$/#).map { String($0.1) }, "\(summary)")
        let inPlace = try Self.atTerminal(ws, ["model-registry", "models", "register-version", "big", "-u", stored])
        #expect(inPlace.status == 0, "\(inPlace.stdout)")
        #expect(!inPlace.stdout.contains("copied"), "\(inPlace.stdout)")
        #expect(inPlace.stdout.contains("Registered version 2 of model 'big'"), "\(inPlace.stdout)")
        let piped = try ws.cli.run("model-registry", "models", "load-version", "big", "-v", "1", "piped")
        #expect(piped.status == 0)
        #expect(piped.stderr.isEmpty, "no progress in a pipe: \(piped.stderr)")
    }

    @Test func inAPipeNothingIsShownUnlessForced() throws {
        let ws = try Self.workspace()
        defer { ws.remove() }
        let piped = try ws.cli.run("cp", "big.bin", "memory://scratch/big.bin")
        #expect(piped.status == 0)
        #expect(piped.stderr.isEmpty, "no progress in a pipe: \(piped.stderr)")
        let sync = try ws.cli.run("sync", "runs", "mirror")
        #expect(sync.stderr.isEmpty, "no progress in a pipe: \(sync.stderr)")
        let forced = try ws.cli.run("cp", "--progress", "big.bin", "copy.bin")
        #expect(forced.status == 0)
        #expect(
            try #require(Self.redraws(forced.stderr).last).hasPrefix("copied 1 file, 64.0 MiB in "),
            "\(forced.stderr)"
        )
        let quiet = try Self.atTerminal(ws, ["cp", "-q", "big.bin", "memory://scratch/big.bin"])
        #expect(quiet.status == 0)
        #expect(quiet.stdout.isEmpty, "--quiet silences progress at a terminal: \(quiet.stdout)")
        let both = try ws.cli.run("cp", "--progress", "--quiet", "big.bin", "other.bin")
        #expect(both.status == 64)
        #expect(both.stderr.contains("--progress and --quiet"))
    }
}
