import Foundation

/// Runs the built `artifactfs` binary and captures what it prints.
struct CLIRunner {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `artifactfs` built beside this test binary.
    static let binary: URL = {
        let candidates = [
            Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        ]
        for directory in candidates {
            var url = directory
            for _ in 0..<3 {
                let binary = url.appendingPathComponent("artifactfs")
                if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
                url.deleteLastPathComponent()
            }
        }
        fatalError("artifactfs binary not found near \(candidates)")
    }()

    let directory: String
    /// The metadata folder the runs use (`ARTIFACTFS_CONFIG_DIR`), never the user's own; nil
    /// leaves discovery to the working directory (for `artifactfs init` tests).
    var configDirectory: String?

    /// Runs `artifactfs ARGS` in `directory`, with `input` on standard input.
    func run(_ arguments: String..., input: String? = nil, environment extra: [String: String] = [:]) throws -> Result {
        try run(arguments, input: input, environment: extra)
    }

    /// Runs `artifactfs ARGS` in `directory`, with `input` on standard input.
    func run(_ arguments: [String], input: String? = nil, environment extra: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["ARTIFACTFS_CONFIG_DIR"] = configDirectory
        environment["XDG_CONFIG_HOME"] = directory + "-xdg"
        environment.merge(extra) { $1 }
        process.environment = environment
        let stdin = Pipe()
        process.standardInput = stdin
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }
}

/// A fresh directory with a small tree of artifacts, removed by `remove()`.
struct Workspace {
    let path: String
    let cli: CLIRunner

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("artifactfs-cli-\(UUID().uuidString)").path
        for (name, text) in [
            ("runs/1/model.bin", "model one"), ("runs/1/metrics.json", "{}"), ("runs/2/model.bin", "model two"),
        ] {
            let url = URL(fileURLWithPath: path + "/" + name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try text.write(to: url, atomically: false, encoding: .utf8)
        }
        cli = CLIRunner(directory: path, configDirectory: path + "-config")
    }

    func contents(_ relative: String) throws -> String {
        try String(contentsOfFile: path + "/" + relative, encoding: .utf8)
    }

    func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: path + "/" + relative)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: path + "-config")
        try? FileManager.default.removeItem(atPath: path + "-xdg")
    }
}
