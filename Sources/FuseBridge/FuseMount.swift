import CFuse
import FileIO
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Why a mount could not start: names the mountpoint and what is wrong with it.
public struct MountError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in words a user can act on.
    public var message: String

    /// Creates an error with a message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// Serves one artifact store as a directory through libfuse3.
public enum FuseMount {
    /// Mounts `store` at `options.mountpoint`, calls `ready` once the mount is usable, and serves
    /// requests on the multi-threaded loop until it is unmounted (`fusermount3 -u`) or the
    /// process gets SIGINT, SIGTERM or SIGHUP; then unmounts and returns.
    /// - Throws: ``MountError`` when libfuse refuses the options or the mount;
    ///   ``ArtifactStoreError`` when `options.root` is not a path of `store`.
    public static func serve(store: any ArtifactStore, options: MountOptions, ready: () -> Void) throws {
        let fileSystem = try FuseFileSystem(store: store, options: options)
        var mountOptions = ["fsname=\(escape(options.sourceName))", "subtype=artifactfs", "default_permissions"]
        if fileSystem.readOnly { mountOptions.append("ro") }
        if options.allowOther { mountOptions.append("allow_other") }
        var arguments = ["artifactfs", "-o", mountOptions.joined(separator: ",")]
        if options.debug { arguments.append("-d") }

        // libfuse keeps (and may reallocate) argv: hand it heap copies it can own.
        let argv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: arguments.count + 1)
        for (index, argument) in arguments.enumerated() { argv[index] = strdup(argument) }
        argv[arguments.count] = nil
        var args = fuse_args(argc: Int32(arguments.count), argv: argv, allocated: 0)

        var operations = FuseOperations.table()
        let state = Unmanaged.passRetained(fileSystem)
        defer { state.release() }
        guard let fuse = cfuse_new(&args, &operations, state.toOpaque()) else {
            throw MountError("libfuse refused the mount options \(mountOptions.joined(separator: ","))")
        }
        defer { fuse_destroy(fuse) }
        guard fuse_mount(fuse, options.mountpoint) == 0 else {
            throw MountError("\(options.mountpoint): mount failed (is /dev/fuse usable and fusermount3 installed?)")
        }
        defer { fuse_unmount(fuse) }
        let session = fuse_get_session(fuse)
        guard fuse_set_signal_handlers(session) == 0 else {
            throw MountError("\(options.mountpoint): cannot install signal handlers")
        }
        defer { fuse_remove_signal_handlers(session) }
        ready()
        let result = cfuse_loop_mt(fuse, options.maxThreads)
        if result < 0 {
            throw MountError("\(options.mountpoint): the FUSE loop stopped with error \(-result)")
        }
    }

    /// Escapes the characters libfuse's option parser treats specially.
    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ",", with: "\\,")
    }
}
