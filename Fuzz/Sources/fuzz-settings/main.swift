import AzureStore
import Foundation
import FuzzSupport
import GCSStore
import S3Store
import StackModel

/// The artifact-store flavors whose configs are checked, picked by the input's first line.
let flavors: [any ArtifactStoreFlavor] = [
    S3ArtifactStoreFlavor(), GCSArtifactStoreFlavor(), AzureArtifactStoreFlavor(), LocalArtifactStoreFlavor(),
    MemoryArtifactStoreFlavor(),
]

/// A value planted in every secret field, then looked for in the error messages.
let canary = "CANARY-7f3a9c21"

/// Input: a flavor name, then one command-line argument per line (`--KEY=VALUE`, or `--KEY` and
/// `VALUE`). Runs them through the CLI's settings parser (``SettingArguments``), the flavor's schema and its validation,
/// as a component's `register` does, and checks that only typed errors come out and that a valid
/// config validates again unchanged; then runs them again with a canary in place of every value
/// given to a secret field (`--secret=VALUE`) and checks that no error repeats it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSettings(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let fields = FuzzInput(start, count).fields
    guard let name = fields.first else { return 0 }
    let flavor = flavors.first { $0.name == name } ?? flavors[Int(name.utf8.count) % flavors.count]
    let arguments = Array(fields.dropFirst())
    if let config = check(arguments, flavor: flavor, planted: false) {
        invariant(
            (try? flavor.validate(config)) == config,
            "\(flavor.name): a validated config does not validate to itself: \(config)"
        )
    }
    // The fuzzer learns the canary from the comparisons it sees; an input holding it already proves nothing.
    let planted = arguments.map { plantingCanary($0, schema: flavor.schema) }
    if planted != arguments, !arguments.contains(where: { $0.contains(canary) }) {
        _ = check(planted, flavor: flavor, planted: true)
    }
    return 0
}

/// Parses and validates `arguments`: the config, or nil after checking the error is typed and,
/// when the canary was `planted`, does not hold it.
func check(_ arguments: [String], flavor: any ArtifactStoreFlavor, planted: Bool) -> ComponentConfig? {
    do {
        let settings = try SettingArguments.parse(arguments)
        return try flavor.validate(flavor.schema.parse(settings, flavor: flavor.name))
    } catch let error as StackError {
        invariant(
            !planted || !error.message.contains(canary),
            "\(flavor.name): an error repeats a secret value: \(error)"
        )
    } catch {
        invariant(false, "\(flavor.name): an untyped \(type(of: error)): \(error)")
    }
    return nil
}

/// `--KEY=VALUE` with the canary as its value when KEY is a secret field and VALUE is no reference.
func plantingCanary(_ argument: String, schema: ConfigSchema) -> String {
    guard argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") else { return argument }
    let key = String(argument[argument.index(argument.startIndex, offsetBy: 2)..<equals])
    let value = String(argument[argument.index(after: equals)...])
    guard schema.field(key.replacingOccurrences(of: "-", with: "_"))?.secret == true, SecretReference(value) == nil
    else { return argument }
    return "--\(key)=\(canary)"
}

runFuzzer(fuzzSettings)
