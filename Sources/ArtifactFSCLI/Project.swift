import ArgumentParser
import ArtifactFS
import Foundation
import Synchronization

/// The metadata store of the project this process runs in, opened once, with `fileio` routed
/// through its components.
enum Project {
    private static let opened = Mutex<MetadataStore?>(nil)

    /// Opens the metadata store found from the working directory (see ``ConfigLocation``) and
    /// routes `fileio` through it; later calls return the same store.
    static func store() throws -> MetadataStore {
        try opened.withLock { opened in
            if let opened { return opened }
            let store = try ArtifactFS.activate()
            opened = store
            return store
        }
    }
}

/// Parses `KEY=VALUE` labels.
func parseLabels(_ labels: [String]) throws -> [String: String] {
    try labels.reduce(into: [:]) { result, label in
        guard let equals = label.firstIndex(of: "="), equals != label.startIndex else {
            throw ValidationError("label '\(label)' must be KEY=VALUE")
        }
        result[String(label[..<equals])] = String(label[label.index(after: equals)...])
    }
}

/// Parses free-form `--KEY=VALUE` (or `--KEY VALUE`) arguments (``SettingArguments``), a
/// mistake reported as a usage error.
func parseSettings(_ arguments: [String]) throws -> [(key: String, value: String)] {
    do {
        return try SettingArguments.parse(arguments)
    } catch {
        throw ValidationError(error.message)
    }
}
