import ArtifactStoreConformance
import FileIO
import GCSStore
import TestServers
import Testing

@Suite("gcp flavor conformance on fake-gcs-server")
struct GCSConformanceTests {
    @Test(arguments: ArtifactStoreConformance.cases)
    func conformance(_ check: ConformanceCase) throws {
        let prefix = SharedGCSServer.uniquePrefix("suite")
        try check.run(on: SharedGCSServer.store(prefix: prefix), under: "gs://\(SharedGCSServer.bucket)/\(prefix)")
    }
}
