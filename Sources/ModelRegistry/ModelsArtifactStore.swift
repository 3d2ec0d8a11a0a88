import FileIO
import Foundation
import Stacks

/// The read-only `models://` store: a model registry's versions as folders.
///
/// `models://NAME/VERSION/...`, `models://NAME/STAGE/...` (`production`, `staging`, `archived`,
/// `none`: the newest version in that stage) and `models://NAME@ALIAS/...` name a version's files,
/// which are read from wherever the registry keeps them, through `fileio`. `models://` lists the
/// models; `models://NAME` lists its versions and the stages that hold one.
public final class ModelsArtifactStore: ArtifactStore {
    /// The scheme of model paths.
    public static let schemes: Set<String> = ["models://"]

    public let root: ArtifactPath
    public var supportedSchemes: Set<String> { Self.schemes }
    public let capabilities = ArtifactStoreCapabilities(
        append: false,
        randomWrite: false,
        atomicRename: false,
        serverSideCopy: false,
        emptyDirectories: true,
        readOnly: true
    )
    private let registry: @Sendable () throws -> any ModelRegistry

    /// Creates the store over a registry, asked for anew on each call so stage moves show at once.
    public init(registry: @escaping @Sendable () throws -> any ModelRegistry) {
        self.root = ArtifactPath(scheme: "models", components: [])
        self.registry = registry
    }

    /// What a models:// path stands for.
    private enum Target {
        case modelList
        case versionList(model: String)
        /// A path inside a version's files (a real `fileio` path).
        case file(String)
        /// The folder of a version whose files are one file.
        case singleFile(folder: String, file: String)
    }

    public func open(_ path: String, mode: OpenMode) throws -> any ArtifactFileHandle {
        guard mode == .read else { throw readOnly(path) }
        switch try target(path) {
        case .file(let uri): return try fileio.open(uri, mode: "rb")
        default: throw ArtifactStoreError(.isADirectory, path: path, "is a directory")
        }
    }

    public func stat(_ path: String) throws -> FileInfo {
        let described = try resolve(path).description
        switch try target(path) {
        case .file(let uri):
            var info = try fileio.stat(uri)
            info.path = described
            info.permissions = info.isDirectory ? 0o555 : 0o444
            return info
        case .modelList, .versionList, .singleFile:
            return FileInfo(path: described, kind: .directory, size: 0, permissions: 0o555)
        }
    }

    /// A stage folder (`models://NAME/production`) is a symbolic link to the folder of the version
    /// in that stage (`1`), so a mount shows which version a stage points at; the rest is `stat`.
    public func lstat(_ path: String) throws -> FileInfo {
        let parts = try resolve(path).components
        guard parts.count == 2, !parts[0].contains("@"), let stage = Self.stage(named: parts[1]) else {
            return try stat(path)
        }
        let model = parts[0]
        guard let version = try call(path, { try $0.latestModelVersion(model, stage: stage) }) else {
            throw ArtifactStoreError(
                .notFound,
                path: path,
                "model '\(model)' has no version in stage \(stage.rawValue)"
            )
        }
        return FileInfo(
            path: try resolve(path).description,
            kind: .symlink,
            size: UInt64(version.version.utf8.count),
            modified: version.updated,
            permissions: 0o777,
            linkTarget: version.version
        )
    }

    public func scandir(_ path: String) throws -> [DirectoryEntry] {
        switch try target(path) {
        case .modelList:
            return try call(path) { try $0.models(nameContains: nil, tags: [:]) }.map {
                DirectoryEntry(name: $0.name, kind: .directory)
            }
        case .versionList(let model):
            let versions = try call(path) { try $0.modelVersions(ModelVersionFilter(model: model)) }
            let stages = Set(versions.map(\.stage)).map { $0.rawValue.lowercased() }
            return versions.map { DirectoryEntry(name: $0.version, kind: .directory) }
                + stages.sorted().map { DirectoryEntry(name: $0, kind: .symlink) }
        case .singleFile(_, let file):
            return [DirectoryEntry(name: file, kind: .file)]
        case .file(let uri):
            return try fileio.scandir(uri)
        }
    }

    public func mkdir(_ path: String) throws { throw readOnly(path) }
    public func rmdir(_ path: String) throws { throw readOnly(path) }
    public func remove(_ path: String) throws { throw readOnly(path) }
    public func rename(_ source: String, _ destination: String, overwrite: Bool) throws { throw readOnly(source) }
    public func copyfile(_ source: String, _ destination: String, overwrite: Bool) throws {
        throw readOnly(destination)
    }

    // MARK: - Resolution

    private func target(_ path: String) throws -> Target {
        let parts = try resolve(path).components
        guard let first = parts.first else { return .modelList }
        let (model, alias) = Self.splitAlias(first)
        let version: ModelVersion
        var rest = parts.dropFirst()
        if let alias {
            version = try call(path) { try $0.modelVersion(model, alias: alias) }
        } else if let selector = rest.first {
            rest = rest.dropFirst()
            version = try call(path) { registry in
                if let stage = Self.stage(named: selector) {
                    guard let latest = try registry.latestModelVersion(model, stage: stage) else {
                        throw ModelRegistryError(
                            .notFound,
                            "model '\(model)' has no version in stage \(stage.rawValue)"
                        )
                    }
                    return latest
                }
                return try registry.modelVersion(model, version: selector)
            }
        } else {
            _ = try call(path) { try $0.model(model) }
            return .versionList(model: model)
        }
        let stored = try ArtifactPath(parsing: version.storedURI, keepEmptyComponents: true)
        if try fileio.isdir(version.storedURI) {
            return .file(rest.reduce(stored) { $0.appending($1) }.description)
        }
        switch rest.count {
        case 0: return .singleFile(folder: stored.parent.description, file: stored.name)
        case 1 where rest.first == stored.name: return .file(stored.description)
        default:
            throw ArtifactStoreError(
                .notFound,
                path: path,
                "no such file in version \(version.version) of model '\(model)'"
            )
        }
    }

    private static func stage(named name: String) -> ModelVersionStage? {
        ModelVersionStage.allCases.first { $0.rawValue.lowercased() == name.lowercased() }
    }

    private static func splitAlias(_ segment: String) -> (model: String, alias: String?) {
        guard let at = segment.firstIndex(of: "@") else { return (segment, nil) }
        return (String(segment[..<at]), String(segment[segment.index(after: at)...]))
    }

    /// Runs a registry call, turning its errors into artifact-store errors about `path`.
    private func call<T>(_ path: String, _ body: (any ModelRegistry) throws -> T) throws -> T {
        do {
            return try body(registry())
        } catch let error as ModelRegistryError {
            throw ArtifactStoreError(error.code == .notFound ? .notFound : .io, path: path, error.message, cause: error)
        } catch let error as ArtifactStoreError {
            throw error
        } catch {
            throw ArtifactStoreError(.io, path: path, "the model registry failed: \(error)")
        }
    }

    private func readOnly(_ path: String) -> ArtifactStoreError {
        ArtifactStoreError(
            .readOnly,
            path: path,
            "models:// is read-only: register versions with `artifactfs model-registry models register-version`"
        )
    }
}

extension MetadataStore {
    /// Routes `models://` paths in `registry` through the active stack's model registry.
    public func configureModelPaths(_ registry: FilesystemRegistry) {
        registry.register(ModelsArtifactStore { [self] in try modelRegistry() })
    }
}
