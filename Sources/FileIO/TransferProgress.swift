/// Hears of a copy as its bytes move, so a caller can show progress measured on the real transfer
/// rather than estimated: `artifactfs cp`, `mv` and `sync` draw their progress line from it.
///
/// Both closures may be called from several threads at once (a sync copies on `--jobs` threads).
public struct TransferProgress: Sendable {
    /// Called after each chunk is written to the destination, with its size; once with the whole
    /// size after a copy the store made without the bytes passing through this process.
    public var bytesMoved: @Sendable (_ bytes: UInt64) -> Void
    /// Called once a file is complete at its destination.
    public var fileCopied: @Sendable () -> Void

    /// Creates an observer from its two callbacks.
    public init(
        bytesMoved: @escaping @Sendable (_ bytes: UInt64) -> Void,
        fileCopied: @escaping @Sendable () -> Void
    ) {
        self.bytesMoved = bytesMoved
        self.fileCopied = fileCopied
    }
}
