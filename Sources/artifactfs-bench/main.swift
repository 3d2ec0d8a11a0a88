import ArgumentParser
import ArtifactFS
import Foundation

/// `artifactfs-bench ROOT`: runs benchmark workloads through `fileio` on a store root and prints
/// one JSON line of figures per workload. `Benchmarks/run` drives it next to the peers.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "artifactfs-bench",
        abstract: "Times artifact-store workloads through fileio; one JSON line per workload."
    )

    @Argument(help: "The folder the workloads write under (a plain path, memory://..., s3://...).")
    var root: String

    @Option(help: "Comma-separated workloads (\(Workload.allCases.map(\.rawValue).joined(separator: ", "))).")
    var workloads: String = Workload.allCases.filter { $0 != .copyAcross }.map(\.rawValue).joined(separator: ",")

    @Option(help: "Size of the large file in bytes.")
    var size: UInt64 = 1 << 30

    @Option(help: "Number of small files.")
    var files: Int = 10_000

    @Option(help: "Size of each small file in bytes (at most 1 MiB).")
    var fileSize: Int = 4096

    @Option(help: "Positional reads per random-read workload.")
    var randomReads: Int = 2000

    @Option(help: "The folder copy-across copies the large file into.")
    var copyTo: String?

    @Flag(help: "Check every byte read against the pattern (outside the figures' purpose: costs time).")
    var verify = false

    @Flag(help: "Drop the kernel's page cache before each reading workload (root only).")
    var dropCaches = false

    func validate() throws {
        guard fileSize > 0, fileSize <= ContentPattern.blockSize else {
            throw ValidationError("--file-size must be between 1 and \(ContentPattern.blockSize)")
        }
        for name in workloads.split(separator: ",") where Workload(rawValue: String(name)) == nil {
            throw ValidationError(
                "unknown workload '\(name)' (known: \(Workload.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
    }

    func run() throws {
        try ArtifactFS.activate()
        let plan = WorkloadPlan(
            root: root,
            size: size,
            files: files,
            fileSize: fileSize,
            randomReads: randomReads,
            copyTo: copyTo,
            verify: verify
        )
        let runner = WorkloadRunner(plan: plan)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for name in workloads.split(separator: ",") {
            let workload = Workload(rawValue: String(name))!
            if dropCaches, workload.reads { ProcessMemory.dropPageCache() }
            ProcessMemory.resetPeak()
            var result = try runner.run(workload)
            result.peakRSSMiB = ProcessMemory.peakMiB()
            FileHandle.standardOutput.write(try encoder.encode(result) + Data("\n".utf8))
        }
    }
}

/// This process's peak resident memory, read and reset through /proc, and the page cache.
enum ProcessMemory {
    /// Resets VmHWM so the next reading covers one workload only.
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// VmHWM in MiB, or nil where /proc does not tell.
    static func peakMiB() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kib / 1024
    }

    /// Writes dirty pages, lets the device settle and drops clean ones, so a read starts from the
    /// device. A virtual disk keeps flushing on its host after `sync` returns: reads right after a
    /// large write ran at a quarter of their usual speed here, hence the pause.
    static func dropPageCache() {
        sync()
        sleep(1)
        try? "3".write(toFile: "/proc/sys/vm/drop_caches", atomically: false, encoding: .utf8)
    }
}

do {
    var command = try BenchCommand.parseAsRoot()
    try command.run()
} catch {
    BenchCommand.exit(withError: error)
}
