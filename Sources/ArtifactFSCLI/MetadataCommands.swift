import ArgumentParser
import ArtifactFS
import Foundation

/// `artifactfs metadata`: the whole project's metadata as one document, to move it between backends.
struct MetadataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metadata",
        abstract: "Move a project's metadata between backends (SQLite, PostgreSQL) as one YAML document.",
        subcommands: [ExportMetadata.self, ImportMetadata.self]
    )
}

struct ExportMetadata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every component, stack, plugin flavor, secret name and model as YAML.",
        discussion: """
            Secrets are names and keys only, unless --include-secrets: then their values are written \
            encrypted with the project key (ARTIFACTFS_SECRETS_KEY), which the import needs too.
            """
    )

    @Argument(help: "The YAML file to write (mode 0600); - for standard output.")
    var file: String = "-"

    @Flag(help: "Write secret values too, encrypted with ARTIFACTFS_SECRETS_KEY.")
    var includeSecrets = false

    func run() throws {
        guard try writeExport(Project.store().exportMetadata(includeSecrets: includeSecrets), to: file) else { return }
        Output.line("Exported the metadata of \(try Project.store().location) to \(file).")
    }
}

struct ImportMetadata: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a metadata export, all or nothing.",
        discussion: """
            Checked in full before one transaction writes it: a conflict (a name held here with other \
            content), a bad field or an unknown flavor is refused and nothing is written. Items already \
            here with the same content are left, so importing twice is a no-op.
            """
    )

    @Argument(help: "The YAML file; - for standard input.")
    var file: String

    @Flag(help: "Check the document and print what would be imported, writing nothing.")
    var dryRun = false

    func run() throws {
        let yaml = try readText(file)
        let store = try Project.store()
        let report = try store.importMetadata(
            yaml: yaml,
            source: file == "-" ? "standard input" : file,
            dryRun: dryRun
        )
        let verb = dryRun ? "Would add" : "Added"
        if report.replacedDefault {
            Output.line("\(dryRun ? "Would replace" : "Replaced") the new store's default stack and artifact store.")
        }
        for item in report.added { Output.line("\(verb) \(item).") }
        for item in report.unchanged { Output.line("Already here: \(item).") }
        if report.setActiveStack, let active = report.activeStack {
            Output.line("\(dryRun ? "Would set" : "Set") the active stack to '\(active)'.")
        }
        for secret in report.missingSecrets {
            let flags = secret.keys.map { "--\($0)=..." }.joined(separator: " ")
            Output.error(
                "artifactfs: warning: secret '\(secret.name)' (keys: \(secret.keys.joined(separator: ", "))) was exported as a reference only and does not exist here: create it with `artifactfs secret create \(secret.name) \(flags)`"
            )
        }
        let summary =
            report.added.isEmpty && !report.replacedDefault
            ? "Nothing to import: everything in \(file) is already here."
            : "\(dryRun ? "Would import" : "Imported") \(report.added.count) items into \(store.location)\(dryRun ? "; nothing was written" : "")."
        Output.line(summary)
    }
}
