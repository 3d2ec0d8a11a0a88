import Foundation
import Testing

@Suite("artifactfs --version")
struct VersionTests {
    @Test func theVersionIsPrintedWithoutAProject() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let version = try ws.cli.run("--version")
        #expect(version.status == 0)
        #expect(
            version.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil,
            "\(version.stdout)"
        )
        #expect(!FileManager.default.fileExists(atPath: ws.path + "-config"), "--version opens no metadata store")
    }
}
