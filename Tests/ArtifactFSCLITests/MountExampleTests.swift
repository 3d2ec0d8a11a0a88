import Foundation
import Testing

/// Runs every script of `mount-examples/` as a user would, with the built `artifactfs` on the PATH.
@Suite("mount examples", .serialized)
struct MountExampleTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("mount-examples")

    static let scripts: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".sh") }.sorted()
    }()

    @Test func thereAreExamples() {
        #expect(Self.scripts.contains("local-default-store.sh"))
        #expect(Self.scripts.contains("python-read.sh"))
        #expect(Self.scripts.contains("s3-store.sh"))
        #expect(Self.scripts.contains("model-registry.sh"))
    }

    @Test(arguments: scripts)
    func exampleRuns(_ script: String) throws {
        let scratch = try MountFixture()
        defer { scratch.cleanUp() }
        let bin = CLIRunner.binary.deletingLastPathComponent().path
        let result = try scratch.shell(
            "PATH='\(bin)':\"$PATH\" ARTIFACTFS_CONFIG_DIR= bash '\(Self.folder.path)/\(script)'",
            timeout: 180
        )
        #expect(result.status == 0, "\(script) failed:\n\(result.stdout)\n\(result.stderr)")
    }
}
