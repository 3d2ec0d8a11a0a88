import ArtifactFS

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One thread's last failure, as the C API reports it: a code, an errno and three C strings that
/// stay valid until the thread's next failure replaces the record.
final class LastError {
    let code: Int32
    let errno: Int32
    let name: UnsafeMutablePointer<CChar>
    let message: UnsafeMutablePointer<CChar>
    let path: UnsafeMutablePointer<CChar>

    init(code: Int32, errno: Int32, name: String, message: String, path: String) {
        self.code = code
        self.errno = errno
        self.name = strdup(name)
        self.message = strdup(message)
        self.path = strdup(path)
    }

    deinit {
        free(name)
        free(message)
        free(path)
    }

    /// The record for `error`: an ``ArtifactStoreError`` keeps its code, errno and path; any other
    /// error (the metadata store's, a config's) is `ARTIFACTFS_ERR_OTHER` with `EIO`.
    convenience init(_ error: any Error) {
        if let error = error as? ArtifactStoreError {
            self.init(
                code: Self.number(of: error.code),
                errno: error.errno,
                name: error.code.description,
                message: error.description,
                path: error.path
            )
        } else if let error = error as? any ArtifactFSError {
            self.init(code: Self.other, errno: EIO, name: "\(error.code)", message: error.description, path: "")
        } else {
            self.init(code: Self.other, errno: EIO, name: "other", message: "\(error)", path: "")
        }
    }

    /// `ARTIFACTFS_ERR_OTHER`.
    static let other: Int32 = 100

    /// The `ARTIFACTFS_ERR_*` number of each code, by the code's stable name (see artifactfs.h).
    private static let numbers: [String: Int32] = [
        "notFound": 1, "alreadyExists": 2, "notADirectory": 3, "isADirectory": 4, "directoryNotEmpty": 5,
        "permissionDenied": 6, "readOnly": 7, "invalidPath": 8, "invalidArgument": 9, "unsupportedScheme": 10,
        "unsupportedOperation": 11, "io": 12, "notPermitted": 13, "nameTooLong": 14, "noSuchAttribute": 15,
    ]

    /// The C number of a code; a code added to FileIO later reads as `ARTIFACTFS_ERR_OTHER` until
    /// it is given one here and in the header.
    static func number(of code: ArtifactStoreError.Code) -> Int32 {
        numbers[code.description] ?? other
    }

    // MARK: - The thread's record

    /// The thread-local slot; a thread's record is released when the thread ends.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<LastError>.fromOpaque(pointer).release() }
        }
        return key
    }()

    /// This thread's last failure; a record of no failure (code 0, empty strings) when none, kept
    /// in the slot so its strings stay valid as the others do.
    static var currentOrNone: LastError {
        if let pointer = pthread_getspecific(key) {
            return Unmanaged<LastError>.fromOpaque(pointer).takeUnretainedValue()
        }
        let none = LastError(code: 0, errno: 0, name: "", message: "", path: "")
        pthread_setspecific(key, Unmanaged.passRetained(none).toOpaque())
        return none
    }

    /// Makes `error` this thread's last failure, releasing the previous one.
    static func record(_ error: any Error) {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, Unmanaged.passRetained(LastError(error)).toOpaque())
        if let previous { Unmanaged<LastError>.fromOpaque(previous).release() }
    }
}

/// Runs `body`; on a thrown error records it as this thread's last failure and returns `failure`.
func guarded<Result>(_ failure: Result, _ body: () throws -> Result) -> Result {
    do {
        return try body()
    } catch {
        LastError.record(error)
        return failure
    }
}
