/// The project routing `artifactfs` uses, for other executables built on it (the benchmarks):
/// the same flavors, components and stacks, so a path reaches the same store as on the command line.
public enum ArtifactFSProject {
    /// Opens the project's metadata store found from the working directory and routes `fileio` through it.
    /// - Throws: `StackError` when the metadata store cannot be opened.
    public static func activate() throws {
        _ = try Project.store()
    }
}
