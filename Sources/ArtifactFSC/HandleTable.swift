import ArtifactFS
import Synchronization

/// The open files of the C API, by the opaque integers handed to callers.
///
/// The lock guards only the table: I/O runs on the handle after it is looked up, so calls on
/// different handles (and positional reads on one) proceed in parallel.
final class HandleTable: Sendable {
    private struct State {
        var next: Int64 = 1
        var handles: [Int64: any ArtifactFileHandle] = [:]
    }

    private let state = Mutex(State())

    /// The table every C call uses.
    static let shared = HandleTable()

    /// Keeps `handle` and returns its number (positive, never reused).
    func insert(_ handle: any ArtifactFileHandle) -> Int64 {
        state.withLock { state in
            let number = state.next
            state.next += 1
            state.handles[number] = handle
            return number
        }
    }

    /// The handle numbered `number`.
    /// - Throws: ``ArtifactStoreError/Code/invalidArgument`` for an unknown or closed handle.
    func handle(_ number: Int64) throws -> any ArtifactFileHandle {
        guard let handle = state.withLock({ $0.handles[number] }) else { throw Self.unknown(number) }
        return handle
    }

    /// Takes the handle numbered `number` out of the table.
    /// - Throws: ``ArtifactStoreError/Code/invalidArgument`` for an unknown or closed handle.
    func remove(_ number: Int64) throws -> any ArtifactFileHandle {
        guard let handle = state.withLock({ $0.handles.removeValue(forKey: number) }) else {
            throw Self.unknown(number)
        }
        return handle
    }

    private static func unknown(_ number: Int64) -> ArtifactStoreError {
        ArtifactStoreError(.invalidArgument, path: "", "no open file has handle \(number) (closed, or never opened)")
    }
}
