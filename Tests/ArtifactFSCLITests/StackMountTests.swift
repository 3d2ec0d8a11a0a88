import Foundation
import Testing

/// `artifactfs mount --stack`: every artifact-store component a folder of one mount, `models/` the
/// stack's model registry, each served by its own store; nothing moves between folders in place.
@Suite("stack mount", .serialized)
struct StackMountTests {
    /// Two local stores besides `default`, a model registry with a production version, all mounted.
    static func mountedStack(_ fixture: MountFixture) throws {
        try #require(try fixture.shell("mkdir -p data/run && echo weights > data/run/model.bin").status == 0)
        for arguments in [
            ["artifact-store", "register", "alpha", "--flavor", "local", "--path=\(fixture.data)/alpha"],
            ["artifact-store", "register", "beta", "--flavor", "local", "--path=\(fixture.data)/beta"],
            ["model-registry", "register", "registry", "--flavor", "default"],
            ["stack", "update", "default", "--model-registry", "registry"],
            ["model-registry", "models", "register", "resnet"],
            ["model-registry", "models", "register-version", "resnet", "-u", "data/run"],
            ["model-registry", "models", "update-version", "resnet", "-v", "1", "--stage", "production"],
            ["mount", "--stack", fixture.mountpoint],
        ] {
            let result = try fixture.cli.run(arguments)
            try #require(result.status == 0, "\(arguments): \(result.stderr)")
        }
    }

    @Test func eachComponentIsAFolderServedByItsOwnStore() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        try Self.mountedStack(fixture)
        #expect(try fixture.shell("ls mnt").stdout == "alpha\nbeta\ndefault\nmodels\n")
        #expect(
            try fixture.shell("echo a > mnt/alpha/a.txt && mkdir mnt/beta/sub && echo b > mnt/beta/sub/b.txt").status
                == 0
        )
        #expect(
            try fixture.shell("cat data/alpha/a.txt data/beta/sub/b.txt").stdout == "a\nb\n",
            "each write lands in its store"
        )
        #expect(try fixture.shell("echo c > data/beta/c.txt && cat mnt/beta/c.txt").stdout == "c\n")
        #expect(try fixture.shell("cat mnt/models/resnet/production/model.bin").stdout == "weights\n")
        #expect(try fixture.shell("readlink mnt/models/resnet/production").stdout == "1\n")
        #expect(try fixture.shell("echo x > mnt/models/resnet/new").stderr.contains("Read-only file system"))
        #expect(try fixture.shell("mkdir mnt/gamma").status != 0, "the root's folders are the stores")
        let listing = try fixture.cli.run("mounts", "--json")
        #expect(listing.stdout.contains("stack:\\/\\/default") || listing.stdout.contains("stack://default"))
    }

    @Test func renameAcrossFoldersIsEXDEVAndMvCopies() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        try Self.mountedStack(fixture)
        try #require(try fixture.shell("echo moved > mnt/alpha/m.txt && echo same > mnt/alpha/s.txt").status == 0)
        let rename = try fixture.shell(
            "python3 -c 'import os; os.rename(\"mnt/alpha/m.txt\", \"mnt/beta/m.txt\")' 2>&1; true"
        )
        #expect(rename.stdout.contains("Errno 18"), "rename across folders: \(rename.stdout)")
        #expect(try fixture.shell("mv mnt/alpha/m.txt mnt/beta/m.txt").status == 0)
        #expect(try fixture.shell("cat data/beta/m.txt").stdout == "moved\n")
        #expect(try fixture.shell("test -e data/alpha/m.txt").status != 0, "mv removed the source")
        #expect(try fixture.shell("mv mnt/alpha/s.txt mnt/alpha/t.txt && cat data/alpha/t.txt").stdout == "same\n")
    }
}
