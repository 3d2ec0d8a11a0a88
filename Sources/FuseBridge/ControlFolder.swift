/// The read-only virtual folder `.artifactfs/` at the mount root: what is mounted and how it is
/// doing. It is reachable by name but not listed, so tools that walk the mount never see it.
struct ControlFolder: Sendable {
    /// The folder's name at the mount root.
    static let name = ".artifactfs"
    /// The mount-relative path of the folder.
    static let path = "/" + name

    /// Fixed files (`component.json`, `stack.json`) given by whoever mounts.
    let files: [String: String]
    let stats: MountStats

    /// The names in the folder, sorted.
    var names: [String] { (Array(files.keys) + ["stats", "metrics"]).sorted() }

    /// True for the folder itself.
    func isFolder(_ path: String) -> Bool { path == Self.path }

    /// True for the folder or anything below it.
    func contains(_ path: String) -> Bool { path == Self.path || path.hasPrefix(Self.path + "/") }

    /// The current content of a file of the folder, or nil when there is no such file.
    func content(of path: String) -> [UInt8]? {
        guard path.hasPrefix(Self.path + "/") else { return nil }
        let name = String(path.dropFirst(Self.path.count + 1))
        if name == "stats" { return Array(stats.json().utf8) }
        if name == "metrics" { return Array(stats.prometheusText().utf8) }
        return files[name].map { Array($0.utf8) }
    }
}
