import FileIO
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// How a mount logs an operation that failed: one line naming the operation, the store path and
/// the errno, at a level that says how much it matters, so `--log-level info` shows refusals and
/// `debug` every "no such file" a lookup expects, while the default shows only I/O failures.
struct FailureLog: Sendable {
    let logger: Logger

    /// A logger writing to standard error (the daemon's log file) from `level` up.
    init(level: Logger.Level) {
        var logger = Logger(label: "artifactfs.mount") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = level
        self.logger = logger
    }

    /// The level of a failure with `errno`: `error` for EIO (data did not move), `info` for a
    /// refusal a user may not expect, `debug` for the answers lookups and probes expect.
    static func level(for errno: Int32) -> Logger.Level {
        switch errno {
        case EIO: .error
        case EACCES, EPERM, EROFS, ENOSPC, EDQUOT, ENOTSUP, EXDEV, EFBIG, ENAMETOOLONG: .info
        default: .debug
        }
    }

    /// Logs `operation` failing with `error`.
    func failed(_ operation: MountStats.Operation, _ error: ArtifactStoreError) {
        logger.log(
            level: Self.level(for: error.errno),
            "\(operation) failed: \(error.message)",
            metadata: ["path": "\(error.path)", "errno": "\(error.errno) (\(Self.name(of: error.errno)))"]
        )
    }

    /// Logs `operation` failing with an error of no known kind (answered EIO).
    func failed(_ operation: MountStats.Operation, _ error: any Error) {
        logger.error("\(operation) failed: \(error)", metadata: ["errno": "\(EIO) (EIO)"])
    }

    /// The symbolic names of the errnos a mount answers with.
    private static let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", EIO: "EIO", EACCES: "EACCES", EEXIST: "EEXIST", EXDEV: "EXDEV",
        ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL", EFBIG: "EFBIG", ENOSPC: "ENOSPC", EROFS: "EROFS",
        ENAMETOOLONG: "ENAMETOOLONG", ENOSYS: "ENOSYS", ENOTEMPTY: "ENOTEMPTY", ENODATA: "ENODATA",
        ENOTSUP: "ENOTSUP", EDQUOT: "EDQUOT", EBADF: "EBADF",
    ]

    /// The symbolic name of common errnos (`ENOENT`), else the number.
    static func name(of errno: Int32) -> String { names[errno] ?? "errno \(errno)" }
}
