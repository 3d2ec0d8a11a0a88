import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Mounts started the way the machine starts them: mount(8) with `-t fuse.artifactfs`, an
/// `/etc/fstab` line, and systemd's readiness notification. mount(8) finds the helper only as
/// `/sbin/mount.fuse.artifactfs`, so these tests link it there (and put back whatever was there),
/// and restore `/etc/fstab` even when they fail. Serialized: they share both files. Root only.
@Suite("mount(8), fstab and systemd", .serialized, .enabled(if: getuid() == 0, "mount(8) and /etc/fstab need root"))
struct SystemMountTests {
    static let helper = "/sbin/mount.fuse.artifactfs"

    /// Links the built binary as mount(8)'s helper for the duration of `body`.
    static func withHelper(_ body: () throws -> Void) throws {
        let previous = try? FileManager.default.destinationOfSymbolicLink(atPath: helper)
        unlink(helper)
        try FileManager.default.createSymbolicLink(atPath: helper, withDestinationPath: CLIRunner.binary.path)
        defer {
            unlink(helper)
            if let previous {
                try? FileManager.default.createSymbolicLink(atPath: helper, withDestinationPath: previous)
            }
        }
        try body()
    }

    static func fixtureWithAFile() throws -> MountFixture {
        let fixture = try MountFixture()
        try "weights".write(toFile: fixture.data + "/model.bin", atomically: true, encoding: .utf8)
        return fixture
    }

    @Test func mountDashTMountsReadOnlyWithTheOptionsGivenAndUmountUnmounts() throws {
        let fixture = try Self.fixtureWithAFile()
        defer { fixture.cleanUp() }
        try Self.withHelper {
            let options = "ro,allow_other,attr_ttl=5,config=\(fixture.path)/config"
            let mounted = try fixture.shell("mount -t fuse.artifactfs '\(fixture.data)' mnt -o \(options)")
            try #require(mounted.status == 0, "\(mounted.stderr)")
            #expect(fixture.isMounted)
            #expect(try fixture.shell("cat mnt/model.bin").stdout == "weights")
            let write = try fixture.shell("echo x > mnt/new.txt")
            #expect(write.status != 0 && write.stderr.contains("Read-only file system"), "\(write.stderr)")
            let listing = try fixture.cli.run("mounts", "--json")
            let rows = try #require(
                try JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]]
            )
            let row = try #require(rows.first { $0["mountpoint"] as? String == fixture.mountpoint })
            #expect(row["readOnly"] as? Bool == true)
            #expect(row["status"] as? String == "ok")
            let unmounted = try fixture.shell("umount mnt")
            #expect(unmounted.status == 0, "\(unmounted.stderr)")
            #expect(fixture.wait { !fixture.isMounted })
        }
    }

    @Test func anFstabLineMountsByItsMountpointAlone() throws {
        let fixture = try Self.fixtureWithAFile()
        defer { fixture.cleanUp() }
        let fstab = "/etc/fstab"
        let original = try Data(contentsOf: URL(fileURLWithPath: fstab))
        defer { try? original.write(to: URL(fileURLWithPath: fstab)) }
        try Self.withHelper {
            let line =
                "\(fixture.data) \(fixture.mountpoint) fuse.artifactfs "
                + "ro,noauto,nofail,_netdev,attr_ttl=5,list_ttl=10,memory_cache=64M,config=\(fixture.path)/config 0 0\n"
            try (original + Data(line.utf8)).write(to: URL(fileURLWithPath: fstab))
            let mounted = try fixture.shell("mount '\(fixture.mountpoint)'")
            try #require(mounted.status == 0, "\(mounted.stderr)")
            #expect(fixture.isMounted)
            #expect(try fixture.shell("cat mnt/model.bin").stdout == "weights")
            #expect(try fixture.shell("touch mnt/new.txt").stderr.contains("Read-only file system"), "ro from fstab")
            #expect(try fixture.shell("umount '\(fixture.mountpoint)'").status == 0)
            #expect(fixture.wait { !fixture.isMounted })
        }
    }

    @Test func anUnknownOptionIsRefusedByNameAndNothingIsMounted() throws {
        let fixture = try Self.fixtureWithAFile()
        defer { fixture.cleanUp() }
        try Self.withHelper {
            let refused = try fixture.shell("mount -t fuse.artifactfs '\(fixture.data)' mnt -o ro,vfs_cache_mode=full")
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("unknown option 'vfs_cache_mode=full'"), "\(refused.stderr)")
            #expect(!fixture.isMounted)
        }
    }

    @Test func aForegroundMountTellsSystemdItIsReadyOnceUsable() throws {
        let fixture = try Self.fixtureWithAFile()
        defer { fixture.cleanUp() }
        let socketPath = fixture.path + "/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0)
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = ["mount", "--foreground", fixture.data, fixture.mountpoint]
        var environment = ProcessInfo.processInfo.environment
        environment["ARTIFACTFS_CONFIG_DIR"] = fixture.path + "/config"
        environment["NOTIFY_SOCKET"] = socketPath
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        var buffer = [UInt8](repeating: 0, count: 512)
        let got = recv(fd, &buffer, buffer.count, 0)
        try #require(got > 0, "no readiness notification within 30 s")
        let message = String(decoding: buffer[..<got], as: UTF8.self)
        #expect(message.hasPrefix("READY=1\n"), "\(message)")
        #expect(fixture.isMounted, "READY=1 is sent only once the mount is usable")
        #expect(try fixture.shell("cat mnt/model.bin").stdout == "weights")
        #expect(try fixture.cli.run("unmount", fixture.mountpoint).status == 0)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
