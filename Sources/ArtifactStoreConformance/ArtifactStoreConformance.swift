import FileIO

/// The suite every artifact-store flavor passes unchanged: `local`, `memory`, `s3`, and custom
/// flavors alike.
public enum ArtifactStoreConformance {
    /// Every case, in a stable order.
    public static let cases: [ConformanceCase] =
        fileCases + directoryCases + transferCases + listingCases + streamingCases + pathCases + metadataCases

    /// Runs every case and returns the failures (empty when the store conforms).
    public static func run(on store: any ArtifactStore, under scratch: String) -> [(ConformanceCase, any Error)] {
        cases.compactMap { check in
            do {
                try check.run(on: store, under: scratch)
                return nil
            } catch {
                return (check, error)
            }
        }
    }
}
