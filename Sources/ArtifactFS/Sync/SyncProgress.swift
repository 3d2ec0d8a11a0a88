import FileIO

/// Hears of a sync while it runs, for a progress line: the size of the plan once it is made, then
/// the bytes and files of the copies as they move (from the transfer threads).
public struct SyncProgress: Sendable {
    /// Called once, before any copy, with the number and total size of the files to copy.
    public var planned: @Sendable (_ files: Int, _ bytes: UInt64) -> Void
    /// Hears of each copy's bytes as they are written, and of each file once complete.
    public var transfer: TransferProgress

    /// Creates an observer from the plan callback and the transfer observer.
    public init(
        planned: @escaping @Sendable (_ files: Int, _ bytes: UInt64) -> Void,
        transfer: TransferProgress
    ) {
        self.planned = planned
        self.transfer = transfer
    }
}
