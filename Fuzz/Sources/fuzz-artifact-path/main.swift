import FileIO
import FuzzSupport

/// The registry routing is checked against: the local store and two `memory://` stores, one inside the other.
let registry: FilesystemRegistry = {
    let registry = FilesystemRegistry.withDefaults()
    registry.register(try! MemoryArtifactStore(root: "memory://inner/deep"))
    return registry
}()

/// Parses the input as a path or URI in both modes, then checks what routing and containment promise:
/// a parsed path re-rendered parses to the same value; its parent contains it; only `invalidPath`
/// or `unsupportedScheme` errors are thrown; a routed store's root contains the path.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzArtifactPath(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = FuzzInput(start, count).text
    for keepEmpty in [false, true] {
        let path: ArtifactPath
        do {
            path = try ArtifactPath(parsing: text, keepEmptyComponents: keepEmpty)
        } catch let error as ArtifactStoreError {
            invariant(error.code == .invalidPath, "parsing '\(text)' threw \(error.code)")
            continue
        } catch {
            invariant(false, "parsing '\(text)' threw an untyped \(error)")
            continue
        }
        invariant(!path.components.contains("."), "'.' left in \(path.components)")
        invariant(!path.components.contains(".."), "'..' left in \(path.components)")
        invariant(
            !path.components.contains { $0.unicodeScalars.contains("/") },
            "'/' inside a component of \(path.components)"
        )
        let again = try? ArtifactPath(parsing: path.description, keepEmptyComponents: keepEmpty)
        invariant(
            again == path,
            "'\(text)' parses to \(path.scheme) \(path.components), rendered '\(path.description)', which parses to \(String(describing: again?.components))"
        )
        invariant(path.parent.contains(path), "the parent of \(path) does not contain it")
        invariant(path.appending("x").parent == path, "appending then parent is not \(path)")
        invariant(
            path.relativeComponents(of: path.appending("x")).map(Array.init) == ["x"],
            "relative components below \(path)"
        )
    }
    do {
        let store = try registry.store(for: text)
        let parsed = try ArtifactPath(parsing: text, keepEmptyComponents: true)
        invariant(store.root.contains(parsed), "'\(text)' routed to \(store.root), which does not contain it")
    } catch let error as ArtifactStoreError {
        invariant(
            [.invalidPath, .unsupportedScheme].contains(error.code),
            "routing '\(text)' threw \(error.code)"
        )
    } catch {
        invariant(false, "routing '\(text)' threw an untyped \(error)")
    }
    return 0
}

runFuzzer(fuzzArtifactPath)
