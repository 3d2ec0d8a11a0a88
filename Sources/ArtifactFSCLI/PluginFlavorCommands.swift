import ArgumentParser
import ArtifactFS
import Foundation
import PluginHost

struct RegisterFlavor<T: ComponentTypeSelector>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "register",
            abstract:
                "Register the \(T.type.displayName) flavors of a plugin: a built .so, or a Swift package folder (built first).",
            discussion:
                "A relative PATH is taken from the folder where `artifactfs init` ran. See the README's \"Custom flavors\"."
        )
    }

    @Argument(help: "The plugin's shared library (lib*.so) or its Swift package folder.")
    var path: String

    func run() throws {
        let store = try Project.store()
        let base = ConfigLocation.find().projectRoot ?? FileManager.default.currentDirectoryPath
        let registered = try store.registerPluginFlavors(from: path, type: T.type, base: base) { Output.error($0) }
        for flavor in registered {
            Output.line(
                "Registered \(T.type.displayName) flavor '\(flavor.name)' from '\(flavor.source)' (SDK \(flavor.sdkVersion), content \(flavor.contentHash))."
            )
        }
    }
}

struct TrustFlavor<T: ComponentTypeSelector>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "trust",
            abstract: "Trust a plugin flavor on this machine, so its plugin may be built and loaded here.",
            discussion:
                "Shows the plugin's source and content hash, then trusts that content. With a shared metadata server each machine trusts a teammate's plugin itself (kept in ~/.config/artifactfs/trusted-plugins.json); a plugin whose content changed since it was registered is pinned again to what it is now, and every other machine must trust it again. See the README's \"Custom flavors\"."
        )
    }

    @Argument(help: "The plugin flavor's name.")
    var name: String

    func run() throws {
        let store = try Project.store()
        let pin = try store.pluginPin(name, of: T.type)
        let found = try PluginContentHash.of(pin.source)
        Output.line("\(T.type.displayName) flavor '\(name)' from '\(pin.source)'")
        Output.line("content hash: \(found)")
        if pin.contentHash.isEmpty {
            Output.line("It was registered before plugins were pinned by content hash: pinning it to this content.")
        } else if found != pin.contentHash {
            Output.line(
                "It changed since it was pinned (\(pin.contentHash)): pinning it to this content\(pin.trust == nil ? "." : "; every other machine must trust it again.")"
            )
        }
        try store.trustPluginFlavor(pin, at: found)
        Output.line(
            pin.trust.map { "Trusted on this machine (\($0.path))." }
                ?? "Trusted (the project's own metadata store pins it)."
        )
    }
}

struct DeleteFlavor<T: ComponentTypeSelector>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "delete", abstract: "Remove a plugin flavor no component uses.")
    }

    @Argument(help: "The flavor's name.")
    var name: String

    func run() throws {
        try Project.store().deletePluginFlavor(name, of: T.type)
        Output.line("Deleted \(T.type.displayName) flavor '\(name)'.")
    }
}
