import FileIO
import FuzzSupport

/// A memory store with a few names to glob over, hidden ones and nested folders among them.
let store: MemoryArtifactStore = {
    let store = try! MemoryArtifactStore(root: "memory://")
    for file in ["a/b.txt", "a/.hidden", "a/c/d.bin", "a/c/[x].txt", "e*f", "g/h/i/j.log"] {
        try! store.makedirs("memory://" + file.split(separator: "/").dropLast().joined(separator: "/"))
        try! store.write("memory://" + file, contents: [1])
    }
    return store
}()

/// Input: a pattern, then the names to match, one per line. Checks that matching never traps,
/// that a pattern without wildcards matches only itself, that a pattern the strict parser accepts
/// matches as the loose one does, and that every `glob` result exists and matches its pattern.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGlob(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let fields = FuzzInput(start, count).fields
    guard let text = fields.first else { return 0 }
    let loose = GlobPattern(text)
    let strict: GlobPattern?
    do {
        strict = try GlobPattern(validating: text, matchingHidden: false)
    } catch {
        invariant(!error.reason.isEmpty, "a syntax error without a reason for '\(text)'")
        strict = nil
    }
    for name in fields.dropFirst() {
        let matched = loose.matches(name)
        if !GlobPattern.hasWildcards(text) {
            invariant(matched == (name == text), "literal '\(text)' vs '\(name)': \(matched)")
        }
        if let strict {
            invariant(strict.matches(name) == matched, "strict and loose '\(text)' differ on '\(name)'")
        }
    }
    guard !text.isEmpty, !text.utf8.contains(0) else { return 0 }
    do {
        for found in try store.glob("memory://" + text) {
            invariant(try store.exists(found), "glob 'memory://\(text)' returned '\(found)', which does not exist")
        }
    } catch let error as ArtifactStoreError {
        invariant(error.code == .invalidPath, "glob 'memory://\(text)' threw \(error.code): \(error)")
    } catch {
        invariant(false, "glob 'memory://\(text)' threw an untyped \(error)")
    }
    return 0
}

runFuzzer(fuzzGlob)
