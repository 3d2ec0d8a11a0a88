import FileIO
import Testing

@Suite("artifact paths")
struct ArtifactPathTests {
    @Test(arguments: [
        ("s3://bucket/run/model.bin", "s3", ["bucket", "run", "model.bin"]),
        ("S3://bucket/a/./b/../c/", "s3", ["bucket", "a", "c"]),
        ("memory://tmp/a", "memory", ["tmp", "a"]),
        ("/data//x/./y/..", "", ["data", "x"]),
        ("file:///data/x", "", ["data", "x"]),
        ("file://localhost/data/x", "", ["data", "x"]),
        ("/../../etc", "", ["etc"]),
        ("My-Store.v2+x://b/k", "my-store.v2+x", ["b", "k"]),
        ("/runs/s3://b", "", ["runs", "s3:", "b"]),
    ])
    func parsing(text: String, scheme: String, components: [String]) throws {
        let path = try ArtifactPath(parsing: text)
        #expect(path.scheme == scheme)
        #expect(path.components == components)
    }

    @Test func keepsInteriorEmptyComponentsWhenAsked() throws {
        let path = try ArtifactPath(parsing: "s3://b/a//c/", keepEmptyComponents: true)
        #expect(path.components == ["b", "a", "", "c"])
        #expect(path.description == "s3://b/a//c")
    }

    /// Found by `scripts/fuzz fuzz-artifact-path`: `.` or `..` left an empty component first or
    /// last, which the rendered path loses, so it named another object (`s3:///t` is bucket `t`).
    @Test(arguments: ["s3://./////t/!", "s3://a/..//b", "s3://a//b/..", "s3://a/b//./"])
    func keptEmptyComponentsNeverStartOrEndAPath(_ text: String) throws {
        let path = try ArtifactPath(parsing: text, keepEmptyComponents: true)
        #expect(path.components.first?.isEmpty != true && path.components.last?.isEmpty != true)
        #expect(try ArtifactPath(parsing: path.description, keepEmptyComponents: true) == path)
    }

    /// Found by `scripts/fuzz fuzz-glob`: a combining mark after `/` made `/` and the mark one
    /// `Character`, so `memory://́x` lost its scheme and was routed to the local disk, and a `/`
    /// before such a mark did not separate components.
    @Test func aCombiningMarkAfterASlashStillSeparates() throws {
        let uri = try ArtifactPath(parsing: "memory://\u{301}x/a/\u{5A4}b")
        #expect(uri.scheme == "memory")
        #expect(uri.components == ["\u{301}x", "a", "\u{5A4}b"])
        let local = try ArtifactPath(parsing: "/\u{301}etc/x")
        #expect(local.components == ["\u{301}etc", "x"])
        let file = try ArtifactPath(parsing: "file:///\u{301}tmp")
        #expect(file.isLocal && file.components == ["\u{301}tmp"])
    }

    @Test func relativeLocalPathsResolveAgainstTheWorkingDirectory() throws {
        let path = try ArtifactPath(parsing: "some/file")
        #expect(path.isLocal)
        #expect(path.components.suffix(2) == ["some", "file"])
        #expect(path.components.count > 2 || path.description.hasPrefix("/"))
    }

    @Test func containmentIsByComponentNotByPrefix() throws {
        let root = try ArtifactPath(parsing: "s3://b/art")
        #expect(root.contains(try ArtifactPath(parsing: "s3://b/art/x")))
        #expect(root.contains(try ArtifactPath(parsing: "s3://b/art")))
        #expect(!root.contains(try ArtifactPath(parsing: "s3://b/artifacts2/x")))
        #expect(!root.contains(try ArtifactPath(parsing: "memory://b/art/x")))
    }

    @Test(arguments: ["", "s3://b/\u{0}x", "file://relative/x", "s3://b/../../x"])
    func malformedPathsAreRefused(text: String) {
        #expect(throws: ArtifactStoreError.self) { try ArtifactPath(parsing: text) }
        do {
            _ = try ArtifactPath(parsing: text)
        } catch let error as ArtifactStoreError {
            #expect(error.code == .invalidPath)
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func aRootWithAForeignSchemeIsRefusedNamingBoth() {
        do {
            _ = try MemoryArtifactStore(root: "s3://bucket/x")
            Issue.record("a memory store accepted an s3 root")
        } catch let error as ArtifactStoreError {
            #expect(error.code == .unsupportedScheme)
            #expect(error.description.contains("s3://bucket/x"))
            #expect(error.description.contains("memory://"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func aRelativeLocalRootIsResolvedFirst() throws {
        let store = try LocalArtifactStore(root: "relative/root")
        #expect(store.root.description.hasPrefix("/"))
        #expect(store.root.components.suffix(2) == ["relative", "root"])
    }
}
