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

/// Writes an export to `file`, mode 0600 (it holds the project's configuration, perhaps sealed
/// secrets), or to standard output for `-`; returns whether it went to a file.
/// - Throws: ``StackError`` `.storage` naming the file when it cannot be written.
func writeExport(_ text: String, to file: String) throws -> Bool {
    if file == "-" {
        Output.line(text.trimmingCharacters(in: .newlines))
        return false
    }
    guard
        FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
    else { throw StackError(.storage, "cannot write '\(file)'") }
    return true
}

/// The text of the file an import names, or of standard input for `-`.
/// - Throws: ``StackError`` `.notFound` naming a file that cannot be read as UTF-8 text.
func readText(_ file: String) throws -> String {
    if file == "-" { return String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) }
    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
        throw StackError(.notFound, "cannot read '\(file)': no such file, or not UTF-8 text")
    }
    return text
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
