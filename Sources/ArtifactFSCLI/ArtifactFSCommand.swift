import ArgumentParser
import ArtifactFS

#if canImport(Glibc)
import Glibc
#endif

/// The `artifactfs` command: file verbs over every scheme `fileio` serves.
public struct ArtifactFSCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "artifactfs",
        abstract: "One file layer over every artifact store: local paths, memory://, s3:// and more.",
        version: ArtifactFSVersion.current,
        subcommands: [
            List.self, Cat.self, Copy.self, Move.self, Remove.self, MakeDirectory.self, Stat.self, Glob.self, Find.self,
            SyncCommand.self, Init.self, Status.self, Doctor.self, StackCommand.self, SecretCommand.self,
            MetadataCommand.self,
            Mount.self,
            Unmount.self,
            Mounts.self,
        ] + ComponentTypeCommands.all
    )

    public init() {}

    /// Parses the arguments and runs the command. Exits 0 on success; 1 after an operation error,
    /// printed as `artifactfs: <path>: <reason>`; 64 on a usage error. Started as
    /// `mount.artifactfs` (or `mount.fuse.artifactfs`), it is mount(8)'s helper (``MountHelper``).
    public static func main() {
        if let name = CommandLine.arguments.first, MountHelper.isInvoked(as: name) {
            MountHelper.main(Array(CommandLine.arguments.dropFirst()))
        }
        do {
            var command = try parseAsRoot()
            // Every command but `init` works inside the project's metadata store, which routes fileio.
            if !(command is Init) { _ = try Project.store() }
            try command.run()
        } catch let error as any ArtifactFSError {
            Output.error("artifactfs: \(error)")
            Glibc.exit(1)
        } catch let error as ValidationError {
            Output.error("artifactfs: \(error.message)")
            Glibc.exit(64)
        } catch is PartialFailure {
            Glibc.exit(1)
        } catch {
            exit(withError: error)
        }
    }
}

/// Thrown by a command that acts on several paths after it has reported each failure itself.
struct PartialFailure: Error {}

/// Runs `body` for each path, reporting failures as they happen, and fails at the end if any did.
func forEachPath(_ paths: [String], _ body: (String) throws -> Void) throws {
    var failed = false
    for path in paths {
        do {
            try body(path)
        } catch let error as any ArtifactFSError {
            Output.error("artifactfs: \(error)")
            failed = true
        }
    }
    if failed { throw PartialFailure() }
}
