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

/// Parses free-form `--KEY=VALUE` (or `--KEY VALUE`) arguments, as the reference CLI takes config
/// fields. Dashes in keys become underscores (`--endpoint-url` is `endpoint_url`).
package func parseSettings(_ arguments: [String]) throws -> [(key: String, value: String)] {
    var settings: [(key: String, value: String)] = []
    var index = 0
    while index < arguments.count {
        let argument = arguments[index]
        guard argument.hasPrefix("--"), argument.count > 2 else {
            throw ValidationError("unexpected argument '\(argument)': config fields are given as --KEY=VALUE")
        }
        let body = argument.dropFirst(2)
        if let equals = body.firstIndex(of: "=") {
            settings.append((normaliseKey(body[..<equals]), String(body[body.index(after: equals)...])))
            index += 1
        } else if index + 1 < arguments.count, !arguments[index + 1].hasPrefix("--") {
            settings.append((normaliseKey(body), arguments[index + 1]))
            index += 2
        } else {
            throw ValidationError("flag '\(argument)' needs a value (--\(body)=VALUE)")
        }
    }
    return settings
}

private func normaliseKey(_ key: Substring) -> String {
    key.replacingOccurrences(of: "-", with: "_")
}
