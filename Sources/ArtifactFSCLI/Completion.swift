import ArgumentParser
import ArtifactFS
import FuseBridge

/// What the shell completes for an argument, asked of this binary at TAB time: the scripts of
/// `artifactfs --generate-completion-script bash|zsh|fish` call `artifactfs ---completion ...`,
/// which runs one of these closures. Names come from the project's metadata store, paths from
/// listing the store that serves them, so `s3://bucket/ru<TAB>` completes like a local path.
///
/// Completion never fails loudly: anything that cannot be read offers nothing.
enum Completion {
    /// Registered components of one type.
    static func components(_ type: StackComponentType) -> CompletionKind {
        .custom { _, _, prefix in
            names(prefix) { try $0.components(of: type).map(\.name) }
        }
    }

    /// Registered stacks.
    static let stacks = CompletionKind.custom { _, _, prefix in
        names(prefix) { try $0.stacks().map(\.name) }
    }

    /// Stored secrets (their names only).
    static let secrets = CompletionKind.custom { _, _, prefix in
        names(prefix) { try $0.secretKeys().map(\.name) }
    }

    /// Paths and URIs of any store `fileio` routes.
    static let paths = CompletionKind.custom { _, _, prefix in
        guard (try? Project.store()) != nil else { return [] }
        return PathCompletion.candidates(prefix)
    }

    /// What `mount` mounts: an artifact-store component, or a path or URI.
    static let mountSources = CompletionKind.custom { _, _, prefix in
        let components = names(prefix) { try $0.components(of: .artifactStore).map(\.name) }
        return components + PathCompletion.candidates(prefix)
    }

    /// The mountpoints of this machine's artifactfs mounts.
    static let mountpoints = CompletionKind.custom { _, _, prefix in
        KernelMount.artifactfs().map(\.mountpoint).filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// The names `read` lists from the metadata store that start with `prefix`, sorted.
    private static func names(_ prefix: String, _ read: (MetadataStore) throws -> [String]) -> [String] {
        guard let store = try? Project.store(), let all = try? read(store) else { return [] }
        return all.filter { $0.hasPrefix(prefix) }.sorted()
    }
}

/// Completes a path or URI by listing the folder it names so far: `runs/` offers `runs/1/` and
/// `runs/2/`, `s3://bucket/` the bucket's top level; a word with no folder yet also offers the
/// roots of registered artifact stores and `memory://`.
enum PathCompletion {
    /// Candidates for the word `prefix`: folders end in `/`, so the shell keeps completing.
    static func candidates(_ prefix: String) -> [String] {
        let folder: String
        if let slash = prefix.lastIndex(of: "/") {
            folder = String(prefix[...slash])
        } else {
            folder = ""
        }
        var candidates: [String] = []
        if let entries = try? fileio.scandir(folder.isEmpty ? "." : folder) {
            candidates = entries.map { folder + $0.name + ($0.kind == .directory ? "/" : "") }
        }
        if !folder.contains("://") || folder.hasSuffix("://") {
            candidates += roots()
        }
        return Set(candidates).filter { $0.hasPrefix(prefix) && $0 != prefix }.sorted()
    }

    /// The roots of registered artifact stores that are URIs (`s3://bucket/`), and `memory://`.
    private static func roots() -> [String] {
        let components = (try? Project.store().components(of: .artifactStore)) ?? []
        let paths = components.compactMap { $0.config["path"]?.stringValue }.filter { $0.contains("://") }
        return (paths + ["memory://"]).map { $0.hasSuffix("/") ? $0 : $0 + "/" }
    }
}
