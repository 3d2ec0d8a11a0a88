import Foundation
import Synchronization

/// Runs blocking work (transfers) on threads of its own, so that a wait on the network never
/// holds a Dispatch worker that other code needs.
public enum Parallel {
    /// Starts `work` on a new thread and returns at once.
    public static func detach(_ work: @escaping @Sendable () -> Void) {
        let thread = Thread(block: work)
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Runs `first` on this thread and `second` on one of its own, at once, and waits for both:
    /// two requests that do not depend on each other cost one round trip instead of two. Each
    /// outcome is kept apart, so the caller decides which failure matters.
    public static func both<First, Second: Sendable>(
        _ first: () throws -> First,
        _ second: @escaping @Sendable () throws -> Second
    ) -> (Result<First, any Error>, Result<Second, any Error>) {
        let secondResult = Outcome<Second>()
        let done = DispatchSemaphore(value: 0)
        detach {
            secondResult.keep(Result { try second() })
            done.signal()
        }
        let firstResult = Result { try first() }
        done.wait()
        return (firstResult, secondResult.kept)
    }

    /// Calls `body` for each index in `0..<count` on up to `concurrency` threads and waits for all.
    /// After the first failure no new index starts; that first error is rethrown.
    /// - Throws: the first error `body` threw.
    public static func forEach(_ count: Int, concurrency: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws
    {
        guard count > 0 else { return }
        if count == 1 || concurrency <= 1 {
            for index in 0..<count { try body(index) }
            return
        }
        let next = SharedCounter()
        let failure = Mutex<(any Error)?>(nil)
        let done = DispatchGroup()
        let workers = min(count, concurrency)
        for _ in 0..<workers {
            done.enter()
            detach {
                defer { done.leave() }
                while failure.withLock({ $0 == nil }) {
                    let index = next.take()
                    guard index < count else { return }
                    do { try body(index) } catch { failure.withLock { if $0 == nil { $0 = error } } }
                }
            }
        }
        done.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }
}

/// A bounded set of threads for blocking fetches, shared by the whole process: past `limit`
/// threads, work waits in a queue instead of starting more, so many open files reading ahead
/// cannot start threads without end. Work submitted must not wait on other work of the pool.
public final class FetchPool: Sendable {
    /// The pool read-ahead uses: 32 threads.
    public static let shared = FetchPool(limit: 32)

    private struct State {
        var queue: [@Sendable () -> Void] = []
        var threads = 0
        var busy = 0
    }

    private let limit: Int
    private let state = Mutex(State())
    private let queued = DispatchSemaphore(value: 0)

    /// Creates a pool that runs at most `limit` pieces of work at once.
    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Queues `work`, starting a thread when every thread is busy and the limit allows one more.
    public func submit(_ work: @escaping @Sendable () -> Void) {
        let start = state.withLock { state in
            state.queue.append(work)
            guard state.threads < limit, state.queue.count > state.threads - state.busy else { return false }
            state.threads += 1
            return true
        }
        queued.signal()
        if start { Parallel.detach { [self] in serve() } }
    }

    private func serve() {
        while true {
            queued.wait()
            let work = state.withLock { state in
                state.busy += 1
                return state.queue.removeFirst()
            }
            work()
            state.withLock { $0.busy -= 1 }
        }
    }
}

/// What work on another thread came to, handed back to the thread waiting for it.
private final class Outcome<Value: Sendable>: Sendable {
    private let result = Mutex<Result<Value, any Error>?>(nil)
    func keep(_ outcome: Result<Value, any Error>) { result.withLock { $0 = outcome } }
    /// The outcome kept; only read after the work signalled that it finished.
    var kept: Result<Value, any Error> { result.withLock { $0! } }
}

/// The next index to work on, shared by worker threads (an `Atomic` cannot be captured by escaping closures).
private final class SharedCounter: Sendable {
    private let next = Atomic<Int>(0)
    func take() -> Int { next.add(1, ordering: .relaxed).oldValue }
}
