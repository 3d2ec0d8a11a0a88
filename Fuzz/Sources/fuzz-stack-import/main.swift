import AzureStore
import Foundation
import FuzzSupport
import GCSStore
import S3Store
import StackModel
import Stacks

/// A metadata store in a fresh folder (under /dev/shm when there is one), replaced every few hundred
/// imports so the names imported before do not slow the run down.
final class Scratch {
    /// How many inputs were imported, which also names each round-trip's stack uniquely.
    private(set) var imports = 0
    private var folder = ""
    private var store: MetadataStore!

    init() { renew() }

    /// The store to import into, a new one every 500 imports.
    func next() -> MetadataStore {
        imports += 1
        if imports % 500 == 0 { renew() }
        return store
    }

    private func renew() {
        if !folder.isEmpty { try? FileManager.default.removeItem(atPath: folder) }
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        folder = base + "/artifactfs-fuzz-stack-import-\(getpid())"
        try? FileManager.default.removeItem(atPath: folder)
        let flavors = FlavorRegistry([
            LocalArtifactStoreFlavor(), MemoryArtifactStoreFlavor(), S3ArtifactStoreFlavor(), GCSArtifactStoreFlavor(),
            AzureArtifactStoreFlavor(),
        ])
        store = try! MetadataStore(directory: folder, flavors: flavors, environment: [:])
    }
}

nonisolated(unsafe) let scratch = Scratch()

/// Input: stack YAML as `stack export` writes it. Imports it and checks that a refusal is a
/// ``StackError`` that wrote nothing, and that an imported stack, exported and imported again,
/// reuses every component (the export round-trips).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStackImport(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let yaml = FuzzInput(start, count).text
    let store = scratch.next()
    let before = (try? store.components().count) ?? -1
    let stackName: String
    do {
        stackName = try store.importStack(yaml: yaml, source: "fuzz").stack.name
    } catch let error as StackError {
        invariant(!error.message.isEmpty, "an empty message for a refused import")
        invariant((try? store.components().count) == before, "a refused import wrote components: \(error)")
        return 0
    } catch {
        invariant(false, "an untyped \(type(of: error)) from importStack: \(error)")
        return 0
    }
    do {
        let exported = try store.exportStack(stackName)
        let again = try store.importStack(yaml: exported, name: "roundtrip-\(scratch.imports)", source: "the export")
        invariant(again.created.isEmpty, "re-importing the export of '\(stackName)' created \(again.created)")
    } catch {
        invariant(false, "the export of '\(stackName)' does not import again: \(error)")
    }
    return 0
}

runFuzzer(fuzzStackImport)
