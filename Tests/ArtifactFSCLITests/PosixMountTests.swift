import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A mounted store as a file system the everyday tools trust: on a local store every POSIX
/// operation reaches the disk (git, tar, cp -a, rsync and shutil.copytree keep modes, links and
/// times), and a memory store keeps them too. (Object stores keeping them in their objects'
/// metadata are `ObjectStoreMountTests`'.)
@Suite("POSIX on mounts", .serialized)
struct PosixMountTests {
    /// A tree with what copies must keep: modes (an executable, a private file, a private
    /// folder), a symbolic link, a hard link and times in the past.
    static let makeSourceTree = makeSourceTreeWithoutHardLinks + " && ln src/data/table.csv src/data/same.csv"

    /// ``makeSourceTree`` without its hard link, for stores that have none (7 paths).
    static let makeSourceTreeWithoutHardLinks = """
        mkdir -p src/bin src/private src/data && echo '#!/bin/sh' > src/bin/run && chmod 755 src/bin/run \
        && echo secret > src/private/key && chmod 600 src/private/key && chmod 700 src/private \
        && echo rows > src/data/table.csv && ln -s ../data/table.csv src/bin/table \
        && touch -h -d '2020-01-02 03:04:05' src/bin/table && touch -d '2020-01-02 03:04:05' src/data/table.csv src/bin/run \
        && touch -d '2019-05-06 07:08:09' src/private/key src/private
        """

    /// One line per path of a tree: type, mode and mtime (links: their own), and a link's target.
    static func describe(_ folder: String) -> String {
        "cd \(folder) && find . -mindepth 1 | sort | while read -r p; do "
            + "printf '%s %s\\n' \"$p\" \"$(stat -c '%F %a %Y' \"$p\")$( [ -L \"$p\" ] && readlink \"$p\")\"; done"
    }

    @Test func tarCpRsyncAndCopytreeKeepModesLinksAndTimesOnAMountedLocalStore() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        try #require(try fixture.shell(Self.makeSourceTree).status == 0)
        try #require(try fixture.mount(nil, "--allow-other").status == 0)
        let expected = try fixture.shell(Self.describe("src")).stdout
        try #require(expected.split(separator: "\n").count == 8, "\(expected)")

        let copies = [
            "tar": "tar -C src -cpf tree.tar . && mkdir mnt/tar && tar -C mnt/tar -xpf tree.tar",
            "cp": "cp -a src mnt/cp",
            "rsync": "rsync -aH src/ mnt/rsync/",
            "copytree": "python3 -c 'import shutil; shutil.copytree(\"src\", \"mnt/copytree\", symlinks=True)'",
        ]
        for (tool, command) in copies.sorted(by: { $0.key < $1.key }) {
            let copied = try fixture.shell(command)
            #expect(copied.status == 0, "\(tool): \(copied.stderr)")
            #expect(try fixture.shell(Self.describe("mnt/\(tool)")).stdout == expected, "\(tool) through the mount")
            #expect(try fixture.shell(Self.describe("data/\(tool)")).stdout == expected, "\(tool) on the disk below")
        }
        #expect(
            try fixture.shell("stat -c %i mnt/rsync/data/table.csv mnt/rsync/data/same.csv | uniq | wc -l").stdout
                == "1\n",
            "rsync -H keeps the hard link: one inode"
        )
        #expect(try fixture.shell("cmp src/private/key mnt/cp/private/key").status == 0)
    }

    @Test func gitClonesCommitsAndPassesFsckOnAMountedLocalStore() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        let made = try fixture.shell(
            """
            git init -q origin && cd origin && git config user.email t@example.com && git config user.name t \
            && mkdir -p tools && echo 'print(1)' > train.py && echo '#!/bin/sh' > tools/run.sh \
            && chmod +x tools/run.sh && ln -s train.py main.py && git add -A && git commit -qm one
            """
        )
        try #require(made.status == 0, "\(made.stderr)")
        try #require(try fixture.mount(nil, "--allow-other").status == 0)
        let cloned = try fixture.shell(
            """
            git clone -q --no-local origin mnt/repo && cd mnt/repo && git fsck --strict && git status --porcelain \
            && echo more >> train.py && git -c user.email=t@example.com -c user.name=t commit -qam two \
            && git gc -q && git fsck --strict && git log --oneline | wc -l
            """
        )
        #expect(cloned.status == 0, "\(cloned.stderr)")
        #expect(cloned.stdout == "2\n", "a clean clone, then two commits after gc: \(cloned.stdout)")
        #expect(try fixture.shell("stat -c %a mnt/repo/tools/run.sh").stdout == "755\n")
        #expect(try fixture.shell("readlink mnt/repo/main.py").stdout == "train.py\n")
    }

    @Test func eachMetadataChangeLandsOnTheDiskAndOutlivesARemount() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        try #require(try fixture.mount(nil, "--allow-other").status == 0)
        let changed = try fixture.shell(
            """
            cd mnt && echo x > f && chmod 640 f && touch -d '2020-01-01 00:00:00' f && ln -s f soft && ln f hard \
            && mkfifo pipe && setfattr -n user.origin -v run42 f && mkdir -m 700 private \
            && if [ "$(id -u)" = 0 ]; then chown 65534:65534 f; fi
            """
        )
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(try fixture.cli.run("unmount", fixture.mountpoint).status == 0)
        let owner = geteuid() == 0 ? "65534:65534" : "\(geteuid()):\(getegid())"
        let expected = "f 640 \(owner) 1577836800 2\nhard 640 \(owner) 1577836800 2\n"
        #expect(try fixture.shell("cd data && stat -c '%n %a %u:%g %Y %h' f hard").stdout == expected, "on the disk")
        try #require(try fixture.mount(nil, "--allow-other").status == 0)
        #expect(try fixture.shell("cd mnt && stat -c '%n %a %u:%g %Y %h' f hard").stdout == expected, "remounted")
        #expect(
            try fixture.shell("readlink mnt/soft && stat -c %F mnt/pipe mnt/private && stat -c %a mnt/private")
                .stdout == "f\nfifo\ndirectory\n700\n"
        )
        #expect(try fixture.shell("getfattr --only-values -n user.origin mnt/f").stdout == "run42")
        #expect(
            try fixture.shell("stat -c %i mnt/f mnt/hard | uniq | wc -l").stdout == "1\n",
            "two names of one file show one inode"
        )
        let space = try fixture.shell("df --output=size,avail data mnt | tail -2").stdout.split(separator: "\n")
            .map { $0.split(separator: " ").compactMap { Double($0) } }
        try #require(space.count == 2 && space.allSatisfy { $0.count == 2 }, "\(space)")
        #expect(space[0][0] == space[1][0], "df of the mount shows the disk's size: \(space)")
        #expect(abs(space[0][1] - space[1][1]) / space[0][1] < 0.05, "and its free space: \(space)")
    }

    /// A memory store keeps every attribute in the daemon's tree, as a RAM disk does.
    @Test func eachMetadataChangeIsKeptOnAMountedMemoryStore() throws {
        let fixture = try MountFixture()
        defer { fixture.cleanUp() }
        try #require(try fixture.mount("memory://scratch", "--allow-other", "--attr-ttl", "0").status == 0)
        let changed = try fixture.shell(
            """
            cd mnt && echo x > f && chmod 640 f && touch -d '2020-01-01 00:00:00' f && ln -s f soft && ln f hard \
            && mkfifo pipe && setfattr -n user.origin -v run42 f && mkdir -m 700 private && echo more >> hard \
            && if [ "$(id -u)" = 0 ]; then chown 65534:65534 f; fi
            """
        )
        #expect(changed.status == 0, "\(changed.stderr)")
        let owner = geteuid() == 0 ? "65534:65534" : "\(geteuid()):\(getegid())"
        #expect(
            try fixture.shell("cd mnt && stat -c '%n %a %u:%g %h %s' f hard").stdout
                == "f 640 \(owner) 2 7\nhard 640 \(owner) 2 7\n",
            "one file under two names: mode, owner, link count and the bytes appended through the second"
        )
        #expect(try fixture.shell("cat mnt/f").stdout == "x\nmore\n")
        #expect(
            try fixture.shell("readlink mnt/soft && cat mnt/soft && stat -c %F mnt/pipe mnt/private").stdout
                == "f\nx\nmore\nfifo\ndirectory\n"
        )
        #expect(try fixture.shell("stat -c %a mnt/private").stdout == "700\n")
        #expect(try fixture.shell("getfattr --only-values -n user.origin mnt/f").stdout == "run42")
        #expect(try fixture.shell("rm mnt/hard && stat -c %h mnt/f").stdout == "1\n")
        let copied = try fixture.shell(
            Self.makeSourceTree + " && cp -a src mnt/cp && (" + Self.describe("src") + ") > a && ("
                + Self.describe("mnt/cp") + ") > b && diff a b"
        )
        #expect(
            copied.status == 0,
            "cp -a keeps modes, links and times on a memory store: \(copied.stdout)\(copied.stderr)"
        )
    }
}
