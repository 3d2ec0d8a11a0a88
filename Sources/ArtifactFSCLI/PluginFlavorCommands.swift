import ArgumentParser
import ArtifactFS
import Foundation

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
                "Registered \(T.type.displayName) flavor '\(flavor.name)' from '\(flavor.source)' (SDK \(flavor.sdkVersion))."
            )
        }
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
