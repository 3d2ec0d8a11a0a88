import ArtifactStoreConformance
import AzureStore
import FileIO
import ObjectStore
import TestServers
import Testing

@Suite("azure flavor conformance on the project's Blob test server")
struct AzureConformanceTests {
    @Test(arguments: ArtifactStoreConformance.cases)
    func conformance(_ check: ConformanceCase) throws {
        let prefix = SharedAzureServer.uniquePrefix("suite")
        try check.run(
            on: SharedAzureServer.store(prefix: prefix),
            under: "az://\(SharedAzureServer.container)/\(prefix)"
        )
    }
}
