/// The release `artifactfs --version` prints, kept equal to the Python package's
/// (`python/pyproject.toml`), so a bug report names one version for both.
public enum ArtifactFSVersion {
    /// The version, as `MAJOR.MINOR.PATCH`.
    public static let current = "0.1.0"
}
