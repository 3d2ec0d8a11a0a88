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

@Suite("local flavor specifics")
struct LocalSpecificTests {
    @Test func lstatReportsALinkAndWhereItPointsWhileStatFollowsIt() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let store = try LocalArtifactStore(root: scratch.path)
        try store.write(scratch.path + "/real.txt", contents: Array("content".utf8))
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/link.txt", withDestinationPath: "real.txt")
        let link = try store.lstat(scratch.path + "/link.txt")
        #expect(link.kind == .symlink && link.linkTarget == "real.txt")
        #expect(try store.readlink(scratch.path + "/link.txt") == "real.txt")
        #expect(try store.stat(scratch.path + "/link.txt").kind == .file)
        #expect(try store.lstat(scratch.path + "/real.txt").kind == .file)
        #expect(throws: ArtifactStoreError.self) { _ = try store.readlink(scratch.path + "/real.txt") }
    }

    @Test func writingThroughASymlinkReplacesItsTarget() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let store = try LocalArtifactStore(root: scratch.path)
        try store.write(scratch.path + "/real.txt", contents: Array("old".utf8))
        try FileManager.default.createSymbolicLink(atPath: scratch.path + "/link.txt", withDestinationPath: "real.txt")
        try store.write(scratch.path + "/link.txt", contents: Array("new".utf8))
        #expect(try String(contentsOfFile: scratch.path + "/real.txt", encoding: .utf8) == "new")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: scratch.path + "/link.txt") == "real.txt")
    }

    @Test func rmtreeRemovesASymlinkNotWhatItPointsAt() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let store = try LocalArtifactStore(root: scratch.path)
        try store.write(scratch.path + "/keep/precious.bin", contents: [1, 2, 3])
        try store.makedirs(scratch.path + "/tree")
        try FileManager.default.createSymbolicLink(
            atPath: scratch.path + "/tree/link",
            withDestinationPath: scratch.path + "/keep"
        )
        try store.rmtree(scratch.path + "/tree")
        #expect(try store.read(scratch.path + "/keep/precious.bin") == [1, 2, 3])
        #expect(try !store.exists(scratch.path + "/tree"))
    }

    @Test func theStoreRootCannotBeRemoved() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let store = try LocalArtifactStore(root: scratch.path)
        #expect(throws: ArtifactStoreError.self) { try store.rmtree(scratch.path) }
        #expect(FileManager.default.fileExists(atPath: scratch.path))
    }
}

@Suite("local store with a missing root")
struct LocalMissingRootTests {
    @Test func theFirstWriteCreatesTheRootFolder() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let root = scratch.path + "/not/yet/there"
        let store = try LocalArtifactStore(root: root)
        try store.write(root + "/run/model.bin", contents: [7])
        #expect(try store.read(root + "/run/model.bin") == [7])
    }
}
