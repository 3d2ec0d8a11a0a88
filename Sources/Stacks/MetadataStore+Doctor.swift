import FileIO

/// One thing wrong with a project's metadata, as `artifactfs doctor` reports it.
public struct MetadataProblem: Sendable, Hashable, Codable {
    /// What is at fault: `artifact store 'warehouse'`, `stack 'prod'`, `plugin flavor 'blob'`.
    public var subject: String
    /// What is wrong, naming the field where there is one.
    public var problem: String
    /// The command (or step) that fixes it.
    public var fix: String

    /// A problem report.
    public init(subject: String, problem: String, fix: String) {
        self.subject = subject
        self.problem = problem
        self.fix = fix
    }
}

extension MetadataStore {
    /// Checks every stored component and stack against today's flavors and secrets, as
    /// registration would: what an older release, a plugin whose schema changed or a hand-edited
    /// database can leave behind. Reads only; secret values are resolved but never reported.
    /// - Throws: ``StackError`` when the metadata store itself cannot be read.
    public func diagnose() throws -> [MetadataProblem] {
        var problems: [MetadataProblem] = []
        var roots: [String: String] = [:]
        for component in try components() {
            let subject = "\(component.type.displayName) '\(component.name)'"
            let command = "artifactfs \(component.type.cliName)"
            guard let flavor = try? flavors.flavor(component.flavor, of: component.type) else {
                problems.append(
                    MetadataProblem(
                        subject: subject,
                        problem: "its flavor '\(component.flavor)' is not known to this artifactfs",
                        fix:
                            "`\(command) flavor register PLUGIN` for a plugin flavor, or `\(command) delete \(component.name)`"
                    )
                )
                continue
            }
            do {
                _ = try flavor.validate(component.config)
                _ = try resolvedConfig(of: component)
            } catch let error as StackError {
                // A plugin this machine may not load is reported once, for its flavor, by `doctor()`.
                if error.code != .untrusted {
                    problems.append(
                        MetadataProblem(
                            subject: subject,
                            problem: error.message,
                            fix: error.code == .secret
                                ? "`artifactfs secret create|update NAME --KEY=...`, or `\(command) update \(component.name) --FIELD=...`"
                                : "`\(command) update \(component.name) --FIELD=VALUE` (or `--unset FIELD`)"
                        )
                    )
                }
            }
            if component.type == .artifactStore, let root = component.config.text("path") {
                if let other = roots[root] {
                    problems.append(
                        MetadataProblem(
                            subject: subject,
                            problem:
                                "has the root '\(root)' of artifact store '\(other)': which one serves its paths is left to chance",
                            fix: "`\(command) update \(component.name) --path=\(root)/NAME` or delete one of them"
                        )
                    )
                } else {
                    roots[root] = component.name
                }
            }
        }
        for stack in try stacks() where stack.artifactStore == nil {
            problems.append(
                MetadataProblem(
                    subject: "stack '\(stack.name)'",
                    problem: "has no artifact store",
                    fix: "`artifactfs stack update \(stack.name) --artifact-store NAME`"
                )
            )
        }
        return problems
    }
}
