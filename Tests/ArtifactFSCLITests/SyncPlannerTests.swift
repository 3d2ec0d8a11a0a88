import Foundation
import Testing

@testable import ArtifactFS

@Suite("sync: the planner, the filter and the ETag rule")
struct SyncPlannerTests {
    private let then = Date(timeIntervalSince1970: 1_800_000_000)

    private func plan(
        _ source: [SyncEntry],
        _ destination: [SyncEntry],
        comparison: SyncComparison = .sizeAndTime,
        delete: Bool = false
    ) -> SyncPlan {
        SyncPlanner.plan(
            source: SyncListing(source),
            destination: SyncListing(destination),
            comparison: comparison,
            delete: delete
        )
    }

    @Test func copiesWhatIsMissingOrDifferentBySizeAndTime() {
        let result = plan(
            [
                SyncEntry(relativePath: "missing", size: 1, modified: then),
                SyncEntry(relativePath: "resized", size: 2, modified: then),
                SyncEntry(relativePath: "newer", size: 3, modified: then + 5),
                SyncEntry(relativePath: "same", size: 4, modified: then),
                SyncEntry(relativePath: "uploaded-later", size: 5, modified: then),
                SyncEntry(relativePath: "sub-second", size: 6, modified: then + 0.7),
            ],
            [
                SyncEntry(relativePath: "resized", size: 9, modified: then + 100),
                SyncEntry(relativePath: "newer", size: 3, modified: then),
                SyncEntry(relativePath: "same", size: 4, modified: then),
                SyncEntry(relativePath: "uploaded-later", size: 5, modified: then + 60),
                SyncEntry(relativePath: "sub-second", size: 6, modified: then + 0.2),
            ]
        )
        #expect(
            result.copies == [
                SyncAction(.copy, path: "missing", reason: .missing, size: 1),
                SyncAction(.copy, path: "newer", reason: .newer, size: 3),
                SyncAction(.copy, path: "resized", reason: .size, size: 2),
            ]
        )
        #expect(result.unchanged == ["same", "sub-second", "uploaded-later"])
        #expect(result.deletions.isEmpty)
    }

    @Test func deletesOnlyWhenAskedAndOnlyWhatTheSourceLacks() {
        let source = [SyncEntry(relativePath: "kept", size: 1, modified: then)]
        let destination = [
            SyncEntry(relativePath: "kept", size: 1, modified: then),
            SyncEntry(relativePath: "old/gone", size: 7, modified: then),
        ]
        #expect(plan(source, destination).deletions.isEmpty)
        #expect(
            plan(source, destination, delete: true).deletions == [
                SyncAction(.delete, path: "old/gone", reason: .absentAtSource, size: 7)
            ]
        )
    }

    @Test func checksumComparesContentNotTime() {
        let source = [
            SyncEntry(relativePath: "edited", size: 3, modified: then, md5: "aa"),
            SyncEntry(relativePath: "touched", size: 3, modified: then + 50, md5: "bb"),
            SyncEntry(relativePath: "resized", size: 4, modified: then),
        ]
        let destination = [
            SyncEntry(relativePath: "edited", size: 3, modified: then + 50, md5: "ab"),
            SyncEntry(relativePath: "touched", size: 3, modified: then, md5: "bb"),
            SyncEntry(relativePath: "resized", size: 5, modified: then),
        ]
        #expect(
            SyncPlanner.checksumCandidates(source: SyncListing(source), destination: SyncListing(destination)) == [
                "edited", "touched",
            ]
        )
        let result = plan(source, destination, comparison: .checksum)
        #expect(result.copies.map(\.path) == ["edited", "resized"])
        #expect(result.copies.map(\.reason) == [.checksum, .size])
        #expect(result.unchanged == ["touched"])
    }

    @Test func onlyPlainMD5ETagsCountAsChecksums() {
        #expect(
            SyncChecksum.md5(fromETag: "\"9E107D9D372BB6826BD81D3542A419D6\"") == "9e107d9d372bb6826bd81d3542a419d6"
        )
        #expect(
            SyncChecksum.md5(fromETag: "md5:9e107d9d372bb6826bd81d3542a419d6") == "9e107d9d372bb6826bd81d3542a419d6"
        )
        // A multipart ETag is the MD5 of the parts' MD5s: never the content's.
        #expect(SyncChecksum.md5(fromETag: "\"9e107d9d372bb6826bd81d3542a419d6-2\"") == nil)
        #expect(SyncChecksum.md5(fromETag: "1701234567890123") == nil)  // a Cloud Storage generation
        #expect(SyncChecksum.md5(fromETag: "\"0x8DC1234567890AB\"") == nil)  // an Azure ETag
        #expect(SyncChecksum.md5(fromETag: nil) == nil)
    }

    @Test func filterRules() throws {
        let names = ["a.txt", "logs/x.log", "logs/deep/y.log", "runs/1/model.bin", "runs/1/tmp/t.txt", ".hidden"]
        func admitted(exclude: [String] = [], include: [String] = []) throws -> [String] {
            let filter = try SyncFilter(exclude: exclude, include: include)
            return names.filter(filter.admits)
        }
        #expect(try admitted() == names)
        #expect(try admitted(exclude: ["*.log"]) == ["a.txt", "runs/1/model.bin", "runs/1/tmp/t.txt", ".hidden"])
        #expect(try admitted(exclude: ["logs/"]) == ["a.txt", "runs/1/model.bin", "runs/1/tmp/t.txt", ".hidden"])
        #expect(
            try admitted(exclude: ["logs/*"]) == [
                "a.txt", "logs/deep/y.log", "runs/1/model.bin", "runs/1/tmp/t.txt", ".hidden",
            ]
        )
        #expect(
            try admitted(exclude: ["**/tmp/**"]) == [
                "a.txt", "logs/x.log", "logs/deep/y.log", "runs/1/model.bin", ".hidden",
            ]
        )
        #expect(
            try admitted(exclude: ["tmp/"]) == [
                "a.txt", "logs/x.log", "logs/deep/y.log", "runs/1/model.bin", ".hidden",
            ]
        )
        #expect(
            try admitted(exclude: ["/tmp/", "1/model.bin"]) == [
                "a.txt", "logs/x.log", "logs/deep/y.log", "runs/1/tmp/t.txt", ".hidden",
            ]
        )
        #expect(try admitted(exclude: ["uns/1/model.bin"]) == names)  // a tail match starts at a folder boundary
        #expect(try admitted(exclude: ["*"]) == [])
        #expect(try admitted(exclude: ["*"], include: ["*.txt"]) == ["a.txt", "runs/1/tmp/t.txt"])
        #expect(try admitted(include: ["runs/**"]) == ["runs/1/model.bin", "runs/1/tmp/t.txt"])
        #expect(try admitted(exclude: ["[!a]*"]) == ["a.txt"])
        #expect(
            try admitted(exclude: ["/a.?xt"]) == [
                "logs/x.log", "logs/deep/y.log", "runs/1/model.bin", "runs/1/tmp/t.txt", ".hidden",
            ]
        )
        #expect(throws: SyncFilter.PatternError.self) { try SyncFilter(exclude: ["runs/[1"], include: []) }
        #expect(throws: SyncFilter.PatternError.self) { try SyncFilter(exclude: [], include: [""]) }
        let reversed = #expect(throws: SyncFilter.PatternError.self) {
            try SyncFilter(exclude: ["runs/[9-1]/"], include: [])
        }
        #expect(reversed?.description == "'runs/[9-1]/': range '9-1' is reversed")
        #expect(try !SyncFilter(exclude: [], include: ["runs/**"]).admits("runs"))  // what is below, not the name
    }
}
