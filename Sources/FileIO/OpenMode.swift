/// How a file is opened: the reference framework's `r`, `rb`, `w`, `wb`, `a`, `ab`.
///
/// Text and binary modes behave alike (bytes in, bytes out); the `b` is accepted so that paths
/// and modes copied from Python pipelines work unchanged.
public enum OpenMode: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Read an existing file from the start.
    case read
    /// Create or replace a file; the new content becomes visible when the handle closes.
    case write
    /// Add to the end of a file, creating it when missing.
    case append

    /// Parses `r`, `rb`, `w`, `wb`, `a` or `ab`.
    /// - Throws: ``ArtifactStoreError/Code/invalidArgument`` naming the mode and the accepted ones.
    public init(parsing text: String, path: String) throws {
        switch text {
        case "r", "rb": self = .read
        case "w", "wb": self = .write
        case "a", "ab": self = .append
        default:
            throw ArtifactStoreError(
                .invalidArgument,
                path: path,
                "unknown open mode '\(text)' (use r, rb, w, wb, a or ab)"
            )
        }
    }

    /// True for the modes that write.
    public var isWriting: Bool { self != .read }

    /// `r`, `w` or `a`.
    public var description: String {
        switch self {
        case .read: "r"
        case .write: "w"
        case .append: "a"
        }
    }
}

/// Where a `seek` offset counts from, as `whence` does for `lseek(2)`.
public enum SeekOrigin: Sendable {
    /// From the start of the file (`SEEK_SET`).
    case start
    /// From the current position (`SEEK_CUR`).
    case current
    /// From the end of the file (`SEEK_END`).
    case end
}
