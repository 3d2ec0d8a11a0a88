import Foundation
import Testing

/// Shell completion as a user meets it: the bash script `--generate-completion-script` prints,
/// sourced into a real bash, offering names registered in the project and paths of its stores.
@Suite("shell completion")
struct CompletionTests {
    /// What bash offers after typing `words` (the last one partial) and TAB, through the script
    /// (called as `complete -F` calls it: command, current word, previous word).
    static func complete(_ ws: Workspace, _ words: [String]) throws -> [String] {
        let script = try ws.cli.run("--generate-completion-script", "bash")
        try #require(script.status == 0, "\(script.stderr)")
        let scriptPath = ws.path + "-completion.bash"
        try script.stdout.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: scriptPath) }
        let line = ([CLIRunner.binary.path] + words).joined(separator: " ")
        let quoted = ([CLIRunner.binary.path] + words).map { "'\($0)'" }.joined(separator: " ")
        let shell = """
            source '\(scriptPath)'
            COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count); COMP_LINE='\(line)'; COMP_POINT=${#COMP_LINE}
            _artifactfs "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let result = try CLIRunnerShell.bash(shell, in: ws)
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").map(String.init).sorted()
    }

    @Test func namesRegisteredInTheMetadataStoreAreOffered() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        for name in ["warehouse", "scratch"] {
            let registered = try ws.cli.run(
                "artifact-store",
                "register",
                name,
                "--flavor",
                "local",
                "--path=\(ws.path)/\(name)"
            )
            try #require(registered.status == 0, "\(registered.stderr)")
        }
        #expect(try ws.cli.run("stack", "register", "prod", "-a", "warehouse").status == 0)
        #expect(try ws.cli.run("secret", "create", "s3-keys", "--access-key=AKIA", "--secret-key=hidden").status == 0)

        #expect(try Self.complete(ws, ["artifact-store", "describe", ""]) == ["default", "scratch", "warehouse"])
        #expect(try Self.complete(ws, ["artifact-store", "describe", "wa"]) == ["warehouse"])
        #expect(try Self.complete(ws, ["stack", "set", "p"]) == ["prod"])
        #expect(try Self.complete(ws, ["secret", "get", ""]) == ["s3-keys"])
        #expect(try Self.complete(ws, ["stack", "register", "dev", "-a", "sc"]) == ["scratch"])
        let secretOffer = try Self.complete(ws, ["secret", "get", ""]).joined()
        #expect(!secretOffer.contains("hidden"), "completion never shows a secret's values")
    }

    @Test func pathsAreListedThroughTheStoreThatServesThem() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        #expect(try Self.complete(ws, ["ls", "runs/"]) == ["runs/1/", "runs/2/"])
        #expect(try Self.complete(ws, ["cp", "runs/1/m"]) == ["runs/1/metrics.json", "runs/1/model.bin"])
        #expect(try Self.complete(ws, ["sync", ws.path + "/runs/2/"]) == [ws.path + "/runs/2/model.bin"])
        #expect(try Self.complete(ws, ["cat", "mem"]) == ["memory://"])
    }
}

/// Runs a bash script in a workspace with its metadata folder, as `CLIRunner` runs the binary.
enum CLIRunnerShell {
    static func bash(_ script: String, in ws: Workspace) throws -> CLIRunner.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["--norc", "-c", script]
        process.currentDirectoryURL = URL(fileURLWithPath: ws.path)
        var environment = ProcessInfo.processInfo.environment
        environment["ARTIFACTFS_CONFIG_DIR"] = ws.cli.configDirectory
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIRunner.Result(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }
}
