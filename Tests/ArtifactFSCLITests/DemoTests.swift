import Foundation
import Testing

/// Runs `scripts/demo` as a user would after `bash scripts/bootstrap`, with the built `artifactfs`:
/// it must end with `demo passed` and leave no mount behind, even when it fails.
@Suite("demo", .serialized)
struct DemoTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/demo")

    /// The mount points under `folder` that `/proc/mounts` lists.
    static func mounts(under folder: String) -> [String] {
        let table = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        return table.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 1, fields[1].hasPrefix(folder + "/") else { return nil }
            return String(fields[1])
        }
    }

    @Test func demoPassesAndUnmounts() throws {
        let scratch = try MountFixture()
        defer {
            for mountpoint in Self.mounts(under: scratch.path) {
                _ = try? scratch.shell("fusermount3 -uz '\(mountpoint)'", timeout: 20)
            }
            scratch.cleanUp()
        }
        let result = try scratch.shell(
            "TMPDIR='\(scratch.path)' ARTIFACTFS='\(CLIRunner.binary.path)' ARTIFACTFS_CONFIG_DIR= bash '\(Self.script.path)'",
            timeout: 120
        )
        #expect(result.status == 0, "scripts/demo failed:\n\(result.stdout)\n\(result.stderr)")
        #expect(
            result.stdout.hasSuffix("demo passed\n"),
            "scripts/demo did not end with 'demo passed':\n\(result.stdout)"
        )
        #expect(result.stdout.contains("python: evaluated"), "the Python step did not run:\n\(result.stdout)")
        #expect(Self.mounts(under: scratch.path).isEmpty, "scripts/demo left mounts behind")
    }
}
