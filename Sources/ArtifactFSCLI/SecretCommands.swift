import ArgumentParser
import ArtifactFS
import Foundation

struct SecretCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret",
        abstract: "Manage secrets that component configs refer to as {{NAME.KEY}}.",
        subcommands: [CreateSecret.self, ListSecrets.self, GetSecret.self, UpdateSecret.self, DeleteSecret.self]
    )
}

/// Secret values from `--KEY=VALUE` flags (`--KEY=@FILE` reads a file) and, with `--stdin`,
/// from `KEY=VALUE` lines or a JSON object on standard input.
func readSecretValues(_ arguments: [String], stdin: Bool) throws -> [String: String] {
    var values: [String: String] = [:]
    if stdin {
        let text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        if let object = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)) {
            values = object
        } else {
            for line in text.split(whereSeparator: \.isNewline) where !line.trimmingCharacters(in: .whitespaces).isEmpty
            {
                guard let equals = line.firstIndex(of: "=") else {
                    throw ValidationError("standard input: expected KEY=VALUE lines or a JSON object")
                }
                values[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
        }
    }
    for (key, value) in try parseSettings(arguments) {
        if value.hasPrefix("@") {
            let path = String(value.dropFirst())
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw StackError(.notFound, "cannot read '\(path)' for key '\(key)'")
            }
            values[key] = String(decoding: contents, as: UTF8.self)
        } else {
            values[key] = value
        }
    }
    return values
}

struct CreateSecret: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Store a secret: artifactfs secret create NAME --KEY=VALUE ...",
        discussion: "--KEY=@FILE reads the value from a file; --stdin reads KEY=VALUE lines or a JSON object."
    )

    @Argument(help: "The secret's name.")
    var name: String

    @Flag(help: "Read values from standard input.")
    var stdin = false

    @Argument(parsing: .allUnrecognized, help: "Values as --KEY=VALUE.")
    var values: [String] = []

    func run() throws {
        try Project.store().createSecret(name, values: readSecretValues(values, stdin: stdin))
        Output.line("Created secret '\(name)'.")
    }
}

struct ListSecrets: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List secret names and keys (never values)."
    )

    @Flag(help: "Print a JSON array.")
    var json = false

    func run() throws {
        let secrets = try Project.store().secretKeys()
        struct Record: Encodable {
            let name: String
            let keys: [String]
        }
        if json { return try Output.json(secrets.map { Record(name: $0.name, keys: $0.keys) }) }
        guard !secrets.isEmpty else { return Output.line("No secrets are stored.") }
        Output.table(["SECRET", "KEYS"], secrets.map { [$0.name, $0.keys.joined(separator: ", ")] })
    }
}

struct GetSecret: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Print a secret's values.")

    @Argument(help: "The secret's name.", completion: Completion.secrets)
    var name: String

    @Option(help: "Print only this key's value.")
    var key: String?

    @Flag(help: "Print a JSON object.")
    var json = false

    func run() throws {
        let values = try Project.store().secret(name)
        if let key {
            guard let value = values[key] else {
                throw StackError(
                    .notFound,
                    "secret '\(name)' has no key '\(key)' (keys: \(values.keys.sorted().joined(separator: ", ")))"
                )
            }
            return Output.line(value)
        }
        if json { return try Output.json(values) }
        for (key, value) in values.sorted(by: { $0.key < $1.key }) { Output.line("\(key)=\(value)") }
    }
}

struct UpdateSecret: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Set or remove keys of a secret."
    )

    @Argument(help: "The secret's name.", completion: Completion.secrets)
    var name: String

    @Option(
        name: [.customLong("unset"), .customLong("remove-keys"), .customLong("remove")],
        help: "Remove a key (repeatable; --remove-keys as the reference CLI spells it)."
    )
    var unset: [String] = []

    @Flag(help: "Read values from standard input.")
    var stdin = false

    @Argument(parsing: .allUnrecognized, help: "Values as --KEY=VALUE.")
    var values: [String] = []

    func run() throws {
        var changes: [String: String?] = try readSecretValues(values, stdin: stdin).mapValues { $0 }
        for key in unset { changes[key] = .some(nil) }
        guard !changes.isEmpty else { throw ValidationError("nothing to update: give --KEY=VALUE or --unset KEY") }
        try Project.store().updateSecret(name, values: changes)
        Output.line("Updated secret '\(name)'.")
    }
}

struct DeleteSecret: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a secret.")

    @Argument(help: "The secret's name.", completion: Completion.secrets)
    var name: String

    func run() throws {
        try Project.store().deleteSecret(name)
        Output.line("Deleted secret '\(name)'.")
    }
}
