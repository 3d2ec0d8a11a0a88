import ArtifactFSPlugin
import PluginHost

extension MetadataStore {
    /// Everything ``diagnose()`` finds, plus the registered plugin flavors checked against their
    /// libraries: the file is there, loads, speaks an ABI this `artifactfs` knows and still
    /// declares the flavor. What `artifactfs doctor` reports.
    /// - Throws: ``StackError`` when the metadata store itself cannot be read.
    public func doctor() throws -> [MetadataProblem] {
        var problems = try diagnose()
        for registration in try pluginFlavorRegistrations() {
            let type = registration.type
            let subject = "\(type.displayName) flavor '\(registration.name)'"
            let fix =
                "rebuild the plugin, or `artifactfs \(type.cliName) flavor delete \(registration.name)` and register it again"
            do {
                let library = try PluginLibrary.load(registration.library)
                try library.checkServes(type)
                guard library.flavors.contains(where: { $0.name == registration.name && $0.type == type.rawValue })
                else {
                    problems.append(
                        MetadataProblem(
                            subject: subject,
                            problem: "the plugin '\(registration.library)' no longer declares it",
                            fix: fix
                        )
                    )
                    continue
                }
            } catch let error as StackError {
                problems.append(MetadataProblem(subject: subject, problem: error.message, fix: fix))
            }
        }
        return problems
    }
}
