import ArtifactFSPlugin
import Foundation
import PluginHost

extension MetadataStore {
    /// Everything ``diagnose()`` finds, plus the registered plugin flavors checked against their
    /// pins and libraries: the content has the pinned hash and this machine trusts it (checked
    /// before anything loads), the file is there, loads, speaks an ABI this `artifactfs` knows and
    /// still declares the flavor. What `artifactfs doctor` reports.
    /// - Throws: ``StackError`` when the metadata store itself cannot be read.
    public func doctor(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [MetadataProblem]
    {
        var problems = try diagnose()
        let trust = pluginTrust(environment: environment)
        for registration in try pluginFlavorRegistrations() {
            let type = registration.type
            let subject = "\(type.displayName) flavor '\(registration.name)'"
            let pinned = pin(of: registration, trust: trust)
            let fix =
                "rebuild the plugin, or `artifactfs \(type.cliName) flavor delete \(registration.name)` and register it again"
            do {
                let library = try pinned.load()
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
                let trustFix = "check the plugin at '\(registration.source)', then `\(pinned.trustCommand)`"
                problems.append(
                    MetadataProblem(
                        subject: subject,
                        problem: error.message,
                        fix: error.code == .untrusted ? trustFix : fix
                    )
                )
            }
        }
        return problems
    }
}
