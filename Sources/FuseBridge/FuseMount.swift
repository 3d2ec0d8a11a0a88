import CFuse
import Dispatch
import FileIO
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Serves one artifact store as a directory through libfuse3.
public enum FuseMount {
    /// Mounts `store` at `options.mountpoint`, calls `ready` once the mount is usable, and serves
    /// requests on the multi-threaded loop until it is unmounted (`fusermount3 -u`) or the
    /// process gets SIGINT, SIGTERM or SIGHUP; then unmounts and returns. Files still open for
    /// writing then are uploaded before it returns, so an early unmount loses no write.
    /// - Throws: ``MountError`` when libfuse refuses the options or the mount;
    ///   ``ArtifactStoreError`` when `options.root` is not a path of `store`.
    public static func serve(store: any ArtifactStore, options: MountOptions, ready: () -> Void) throws {
        let fileSystem = try FuseFileSystem(store: store, options: options)
        let metrics = try options.metricsAddress.map { address in
            try MetricsServer(address: address) { [stats = fileSystem.stats] in stats.prometheusText() }
        }
        defer { metrics?.stop() }
        // No `auto_cache`: whether the kernel keeps a file's pages at an open is decided by its
        // version (``PageCacheVersions``), which a rewrite of the same size within a second changes.
        var mountOptions = ["fsname=\(escape(options.sourceName))", "subtype=artifactfs", "default_permissions"]
        mountOptions.append("max_read=\(maximumRead)")
        if fileSystem.readOnly { mountOptions.append("ro") }
        if options.allowOther { mountOptions.append("allow_other") }
        var arguments = ["artifactfs", "-o", mountOptions.joined(separator: ",")]
        if options.debug { arguments.append("-d") }

        // libfuse may reallocate argv, so it gets malloc'd copies it owns (`allocated`), freed
        // with them once the mount ends.
        let argv = malloc((arguments.count + 1) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride)!
            .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: arguments.count + 1)
        for (index, argument) in arguments.enumerated() { argv[index] = strdup(argument) }
        argv[arguments.count] = nil
        var args = fuse_args(argc: Int32(arguments.count), argv: argv, allocated: 1)
        defer { fuse_opt_free_args(&args) }

        var operations = FuseOperations.table()
        let state = Unmanaged.passRetained(fileSystem)
        defer { state.release() }
        guard let fuse = cfuse_new(&args, &operations, state.toOpaque()) else {
            throw MountError(.failed, "libfuse refused the mount options \(mountOptions.joined(separator: ","))")
        }
        defer { fuse_destroy(fuse) }
        fileSystem.kernel.attach(fuse)
        defer { fileSystem.kernel.attach(nil) }
        guard fuse_mount(fuse, options.mountpoint) == 0 else {
            throw MountError(
                .failed,
                "\(options.mountpoint): mount failed (is /dev/fuse usable and fusermount3 installed?)"
            )
        }
        let unmounter = Unmounter(fuse: fuse)
        defer { unmounter.unmount() }
        let (readAhead, mountpoint) = (options.kernelReadAheadKiB, options.mountpoint)
        if readAhead > 0 {
            // The kernel sets the read-ahead from FUSE's INIT reply: raise it once a first request
            // (served after INIT) has come back.
            DispatchQueue.global().async {
                var info = stat()
                guard stat(mountpoint, &info) == 0 else { return }
                setKernelReadAhead(readAhead, mountpoint: mountpoint)
            }
        }
        let signals = SignalUnmounter(unmounter)
        defer { signals.stop() }
        ready()
        let result = cfuse_loop_mt(fuse, options.maxThreads)
        fileSystem.publishOpenWriters()
        if result < 0, !signals.received {
            throw MountError(.failed, "\(options.mountpoint): the FUSE loop stopped with error \(-result)")
        }
    }

    /// Unmounts on SIGINT, SIGTERM and SIGHUP, whichever thread receives them. (libfuse's own
    /// handlers only wake the loop when the signal lands on its main thread, which is not
    /// guaranteed in a process that has other threads.) Unmounting ends the loop.
    private final class SignalUnmounter: @unchecked Sendable {
        private let unmounter: Unmounter
        private var sources: [any DispatchSourceSignal] = []
        private let signalled = Atomic<Bool>(false)

        /// True once a signal asked for the unmount (the loop then ends with EBADF, as expected).
        var received: Bool { signalled.load(ordering: .acquiring) }

        init(_ unmounter: Unmounter) {
            self.unmounter = unmounter
            for number in [SIGINT, SIGTERM, SIGHUP] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { [self] in
                    signalled.store(true, ordering: .releasing)
                    unmounter.unmount()
                }
                source.resume()
                sources.append(source)
            }
        }

        func stop() {
            for source in sources { source.cancel() }
        }
    }

    /// Unmounts once: a signal's unmount (on a dispatch thread) ends the FUSE loop, and the
    /// mount's own unmount after the loop must neither run beside it nor after it, since
    /// libfuse frees the session's mountpoint in it (AddressSanitizer saw a double free there).
    private final class Unmounter: @unchecked Sendable {
        private let fuse: OpaquePointer
        /// Held for the whole unmount, so a second caller waits for the first to finish.
        private let lock = NSLock()
        /// Guarded by `lock`.
        private var unmounted = false

        init(fuse: OpaquePointer) {
            self.fuse = fuse
        }

        func unmount() {
            lock.lock()
            defer { lock.unlock() }
            guard !unmounted else { return }
            fuse_unmount(fuse)
            unmounted = true
        }
    }

    /// Raises the mount's read-ahead, so sequential reads arrive as 1 MiB requests instead of
    /// 128 KiB ones. Best effort: without root it stays as it was. Finds the device in the kernel's
    /// mount list, never by asking the mount itself (which nobody serves yet).
    private static func setKernelReadAhead(_ kib: Int, mountpoint: String) {
        guard let mount = KernelMount.all().last(where: { $0.mountpoint == mountpoint }) else { return }
        let fd = open("/sys/class/bdi/\(mount.device)/read_ahead_kb", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        let value = Array("\(kib)\n".utf8)
        _ = value.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    /// The largest read request to ask of the kernel: 1 MiB, or less where a pipe cannot hold a
    /// whole reply (`/proc/sys/fs/pipe-max-size` less libfuse's header pages), since libfuse
    /// copies instead of splicing a reply that does not fit its pipe.
    static let maximumRead: Int = {
        let page = 4096
        let text = (try? String(contentsOfFile: "/proc/sys/fs/pipe-max-size", encoding: .utf8)) ?? ""
        let pipe = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return max(32 * page, min(1 << 20, (pipe - 4 * page) / page * page))
    }()

    /// Escapes the characters libfuse's option parser treats specially.
    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ",", with: "\\,")
    }
}
