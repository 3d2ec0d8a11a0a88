import Dispatch
import FileIO
import Synchronization

/// Uploads the parts of one object (S3 multipart, GCS resumable chunks, Azure blocks) in parallel
/// with bounded memory: at most `concurrency` parts are in flight, and ``submit(_:bytes:)`` blocks
/// the writer until a slot frees up. Part buffers take their bytes from a ``MemoryBudget``
/// (``makeBuffer(capacity:)``) until sent: a writer refused room waits for its own parts first,
/// never for another file's, so many uploads at once hold about one part each. Part buffers are
/// recycled when the budget has no limit, so a long upload reuses the same few allocations.
public final class PartUploader: Sendable {
    /// Uploads one part and returns what the protocol needs to finish (an ETag, a block id).
    public typealias Upload = @Sendable (_ number: Int, _ bytes: [UInt8]) throws -> String

    private let slots: DispatchSemaphore
    private let running = DispatchGroup()
    private let upload: Upload
    private let budget: MemoryBudget
    private let state = Mutex<State>(State())

    private struct State {
        var finished: [Int: String] = [:]
        var failure: (any Error)?
        var spare: [[UInt8]] = []
    }

    /// Creates an uploader running `upload` for up to `concurrency` parts at once, their bytes
    /// counted in `budget`.
    public init(concurrency: Int, budget: MemoryBudget = .shared, upload: @escaping Upload) {
        slots = DispatchSemaphore(value: max(1, concurrency))
        self.budget = budget
        self.upload = upload
    }

    /// An empty buffer with room for `capacity` bytes, taken from the budget: when it has no room,
    /// after this upload's parts in flight are sent (so a writer holds about one part under
    /// pressure, and never waits on another file). Recycled from a sent part when one is large
    /// enough and the budget has no limit (smaller ones are let go: parts only grow).
    public func makeBuffer(capacity: Int) -> [UInt8] {
        if !budget.tryReserve(capacity) {
            running.wait()
            budget.forceReserve(capacity)
        }
        let recycled = state.withLock { state -> [UInt8]? in
            state.spare.removeAll { $0.capacity < capacity }
            return state.spare.popLast()
        }
        if let recycled { return recycled }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(capacity)
        return buffer
    }

    /// Starts uploading part `number`, waiting first for a free slot; the `reserved` bytes it
    /// holds in the budget are given back once it is sent (or failed).
    /// - Throws: the error of a part that already failed, so a writer stops early; checked again
    /// once a slot is free, since the part that freed it may have failed (a resumable upload must
    /// send no chunk after a failed one).
    public func submit(_ number: Int, bytes: [UInt8], reserved: Int = 0) throws {
        do {
            try checkFailure()
            slots.wait()
            do {
                try checkFailure()
            } catch {
                slots.signal()
                throw error
            }
        } catch {
            budget.release(reserved)
            throw error
        }
        let recycles = !budget.isLimited
        running.enter()
        Parallel.detach { [self] in
            defer {
                budget.release(reserved)
                slots.signal()
                running.leave()
            }
            do {
                let tag = try upload(number, bytes)
                state.withLock {
                    $0.finished[number] = tag
                    if recycles {
                        var recycled = bytes
                        recycled.removeAll(keepingCapacity: true)
                        $0.spare.append(recycled)
                    }
                }
            } catch {
                state.withLock { if $0.failure == nil { $0.failure = error } }
            }
        }
    }

    /// Waits for every submitted part and returns `(number, tag)` pairs in part order.
    /// - Throws: the first part's error.
    public func finish() throws -> [(number: Int, tag: String)] {
        running.wait()
        try checkFailure()
        return state.withLock { $0.finished.sorted { $0.key < $1.key }.map { (number: $0.key, tag: $0.value) } }
    }

    /// Waits for the parts in flight without reporting; for abandoning an upload.
    public func drain() {
        running.wait()
    }

    private func checkFailure() throws {
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }
}
