import ArgumentParser

/// A number of bytes as users write one: `536870912`, `512M`, `2G` (K, M, G and T are powers
/// of 1024; a trailing `B` or `iB` is allowed).
struct ByteCount: ExpressibleByArgument, Sendable {
    let bytes: Int

    init(bytes: Int) {
        self.bytes = bytes
    }

    init?(argument: String) {
        var text = argument.uppercased()
        for suffix in ["IB", "B"] where text.hasSuffix(suffix) && text.count > suffix.count {
            text.removeLast(suffix.count)
            break
        }
        let shifts: [Character: Int] = ["K": 10, "M": 20, "G": 30, "T": 40]
        var shift = 0
        if let last = text.last, let found = shifts[last] {
            shift = found
            text.removeLast()
        }
        guard let value = Int(text), value >= 0, value <= Int.max >> shift else { return nil }
        bytes = value << shift
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
