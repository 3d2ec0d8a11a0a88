import CLibFuzzer
import Foundation
import ObjectStore

/// One fuzz target's body, exported as `LLVMFuzzerTestOneInput` (libFuzzer's library refers to it):
/// called with each input libFuzzer makes; returns 0 (an input is never rejected).
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Hands the process to libFuzzer, which reads its flags (`-max_total_time=N`, corpus folders)
/// from the command line and calls `target` with each input; exits with libFuzzer's status.
public func runFuzzer(_ target: FuzzTarget) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, target))
}

/// The fuzzer's bytes as the inputs a target needs: text, or text split into fields.
public struct FuzzInput {
    /// The raw bytes libFuzzer passed.
    public let bytes: [UInt8]

    /// Copies the bytes of one libFuzzer call.
    public init(_ start: UnsafePointer<UInt8>?, _ count: Int) {
        bytes = Array(UnsafeBufferPointer(start: start, count: count))
    }

    /// The bytes as text, invalid UTF-8 replaced (as any `String` made from bytes would be).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The text split at each line feed byte (a `\r\n` too, which is one `Character`), so one input
    /// carries several fields (a pattern and a name, a method and a path); the seed corpus files
    /// are written the same way.
    public var fields: [String] {
        bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
    }
}

/// Stops the run with a message when an invariant fails: libFuzzer records the input as a crash.
public func invariant(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant broken: \(message())") }
}

/// What a listing page says, in a form two pages can be compared by: each object's key, size and
/// version, each prefix, the next page's token.
public func summary(_ page: ObjectListPage) -> [String] {
    page.objects.map { "object \($0.key.debugDescription) \($0.size) \(String(describing: $0.version))" }
        + page.prefixes.map { "prefix \($0.debugDescription)" } + ["next \(String(describing: page.nextToken))"]
}

/// Checks that a decoded listing `page`, written back as the service would write it (`rewritten`),
/// decodes to the same page.
public func expectRoundTrip(_ page: ObjectListPage, rewritten: [UInt8], decode: ([UInt8]) -> ObjectListPage?) {
    let again = decode(rewritten).map(summary)
    invariant(
        again == summary(page),
        "a page written back decodes differently:\n\(summary(page))\n\(String(decoding: rewritten, as: UTF8.self))\n\(String(describing: again))"
    )
}
