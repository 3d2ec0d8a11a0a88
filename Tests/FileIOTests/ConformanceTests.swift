import ArtifactStoreConformance
import FileIO
import Foundation
import Testing

@Suite("local flavor conformance")
struct LocalConformanceTests {
    @Test(arguments: ArtifactStoreConformance.cases)
    func conformance(_ check: ConformanceCase) throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        try check.run(on: LocalArtifactStore(root: scratch.path), under: scratch.path)
    }
}

@Suite("memory flavor conformance")
struct MemoryConformanceTests {
    @Test(arguments: ArtifactStoreConformance.cases)
    func conformance(_ check: ConformanceCase) throws {
        try check.run(on: MemoryArtifactStore(root: "memory://conformance"), under: "memory://conformance")
    }
}
