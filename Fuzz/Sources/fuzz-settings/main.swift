import ArtifactFSCLI
import AzureStore
import FuzzSupport
import GCSStore
import S3Store
import StackModel

/// The artifact-store flavors whose configs are checked, picked by the input's first line.
let flavors: [any ArtifactStoreFlavor] = [
    S3ArtifactStoreFlavor(), GCSArtifactStoreFlavor(), AzureArtifactStoreFlavor(), LocalArtifactStoreFlavor(),
    MemoryArtifactStoreFlavor(),
]

/// Input: a flavor name, then one command-line argument per line (`--KEY=VALUE`, or `--KEY` and
/// `VALUE`). Runs them through the CLI's settings parser, the flavor's schema and its validation,
/// as `artifactstore register` does, and checks that only typed errors come out, that no error
/// repeats a value given to a secret field, and that a valid config validates again unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSettings(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let fields = FuzzInput(start, count).fields
    guard let name = fields.first else { return 0 }
    let flavor = flavors.first { $0.name == name } ?? flavors[Int(name.utf8.count) % flavors.count]
    let secretValues = secretValues(Array(fields.dropFirst()), schema: flavor.schema)
    do {
        let settings = try parseSettings(Array(fields.dropFirst()))
        let config = try flavor.validate(flavor.schema.parse(settings, flavor: flavor.name))
        invariant(
            (try? flavor.validate(config)) == config,
            "\(flavor.name): a validated config does not validate to itself: \(config)"
        )
    } catch let error as StackError {
        for value in secretValues {
            invariant(!error.message.contains(value), "\(flavor.name): an error repeats a secret value: \(error)")
        }
    } catch {
        invariant(
            String(describing: type(of: error)) == "ValidationError",
            "\(flavor.name): an untyped \(type(of: error)): \(error)"
        )
    }
    return 0
}

/// The values given to secret fields (`--secret_access_key=VALUE`), long enough to look for in
/// messages and found in no other argument (which a message may rightly quote).
func secretValues(_ arguments: [String], schema: ConfigSchema) -> [String] {
    arguments.enumerated().compactMap { index, argument in
        guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return nil }
        let key = argument[argument.index(argument.startIndex, offsetBy: 2)..<equals].replacingOccurrences(
            of: "-",
            with: "_"
        )
        let value = String(argument[argument.index(after: equals)...])
        guard schema.field(key)?.secret == true, value.count >= 6, SecretReference(value) == nil,
            !arguments.enumerated().contains(where: { $0.offset != index && $0.element.contains(value) })
        else { return nil }
        return value
    }
}

runFuzzer(fuzzSettings)
