import CSystemShims
import Synchronization

/// The bytes a process lets its reads in flight and upload buffers hold at once, beside the
/// ``BlockCache``: what `artifactfs mount --memory-limit` divides between the two.
///
/// Read-ahead asks before it fetches a block ahead (``tryReserve(_:)``) and reads only what it is
/// asked for when refused, so reads never wait on the budget and never exceed it. A writer's part
/// buffers are counted too (``forceReserve(_:)``): a writer refused room waits for its own parts in
/// flight rather than holding more, which never waits on another file. ``shared`` has no limit
/// until one is set.
public final class MemoryBudget: Sendable {
    /// What the budget holds and did.
    public struct Counters: Sendable, Equatable {
        /// The most bytes granted at once by ``tryReserve(_:)``.
        public var limit: Int = .max
        /// Bytes held now.
        public var inUse: Int = 0
        /// The most bytes held at once.
        public var peak: Int = 0
        /// Requests refused for want of room (a block not read ahead, a writer slowed).
        public var refused: UInt64 = 0

        /// No limit, nothing held.
        public init() {}
    }

    /// The budget of the process: no limit until ``limit`` is set.
    public static let shared = MemoryBudget(limit: .max)

    private let state: Mutex<Counters>

    /// A budget granting at most `limit` bytes at once.
    public init(limit: Int) {
        var initial = Counters()
        initial.limit = max(0, limit)
        state = Mutex(initial)
    }

    /// The most bytes granted at once; `Int.max` for no limit.
    public var limit: Int {
        get { state.withLock { $0.limit } }
        set { state.withLock { $0.limit = max(0, newValue) } }
    }

    /// True when a limit is set: callers that would otherwise recycle buffers let them go.
    public var isLimited: Bool { limit != .max }

    /// The counters now.
    public var counters: Counters { state.withLock { $0 } }

    /// Takes `bytes` when they fit under the limit; false (counted as refused) when they do not.
    public func tryReserve(_ bytes: Int) -> Bool {
        state.withLock { state in
            guard bytes <= state.limit - state.inUse else {
                state.refused += 1
                return false
            }
            state.inUse += bytes
            state.peak = max(state.peak, state.inUse)
            return true
        }
    }

    /// Takes `bytes` whether or not they fit: for memory already committed (a writer's one part
    /// being filled), so other callers see the pressure.
    public func forceReserve(_ bytes: Int) {
        state.withLock { state in
            state.inUse += bytes
            state.peak = max(state.peak, state.inUse)
        }
    }

    /// Has allocations of `threshold` bytes or more (blocks, parts) mapped on their own and given
    /// back to the system when freed, so the resident size follows what is held, not its peak:
    /// glibc otherwise moves such buffers into its heap after the first frees and keeps the pages.
    public static func returnLargeBuffersWhenFreed(threshold: Int = 256 << 10) {
        _ = afs_set_mmap_threshold(Int32(clamping: threshold))
    }

    /// Gives back `bytes` taken before.
    public func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        state.withLock { $0.inUse = max(0, $0.inUse - bytes) }
    }
}
