import Foundation

/// Where the metadata store lives, found the way git finds its repository.
///
/// `ARTIFACTFS_CONFIG_DIR` wins; else the nearest `.artifactfs/` folder from the working directory
/// upwards (made by `artifactfs init`); else `$XDG_CONFIG_HOME/artifactfs` or `~/.config/artifactfs`.
public struct ConfigLocation: Sendable, Hashable {
    /// How the folder was chosen.
    public enum Source: String, Sendable {
        /// `ARTIFACTFS_CONFIG_DIR`.
        case environment
        /// A project's `.artifactfs/` folder.
        case project
        /// The user's config folder.
        case user
    }

    /// The folder name `artifactfs init` creates.
    public static let projectFolderName = ".artifactfs"

    /// The config folder.
    public let directory: String
    /// How it was found.
    public let source: Source

    /// The folder holding `.artifactfs/` (where `artifactfs init` ran), for project configs.
    public var projectRoot: String? {
        source == .project ? URL(fileURLWithPath: directory).deletingLastPathComponent().path : nil
    }

    /// Finds the config folder for a process working in `workingDirectory`.
    public static func find(
        from workingDirectory: String = FileManager.default.currentDirectoryPath,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> ConfigLocation {
        if let explicit = environment["ARTIFACTFS_CONFIG_DIR"], !explicit.isEmpty {
            return ConfigLocation(
                directory: URL(fileURLWithPath: explicit).standardizedFileURL.path,
                source: .environment
            )
        }
        var folder = URL(fileURLWithPath: workingDirectory).standardizedFileURL
        while true {
            let candidate = folder.appendingPathComponent(projectFolderName)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue
            {
                return ConfigLocation(directory: candidate.path, source: .project)
            }
            if folder.path == "/" { break }
            folder.deleteLastPathComponent()
        }
        let base =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return ConfigLocation(directory: base + "/artifactfs", source: .user)
    }

    /// Creates `.artifactfs/` in `folder`; returns false when it already existed.
    /// - Throws: ``StackErrorCode/storage`` when it cannot be created.
    public static func initialise(in folder: String) throws -> Bool {
        let path = URL(fileURLWithPath: folder).appendingPathComponent(projectFolderName).path
        if FileManager.default.fileExists(atPath: path) { return false }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw StackError(.storage, "cannot create '\(path)': \(error.localizedDescription)")
        }
        return true
    }
}
