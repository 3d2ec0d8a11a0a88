import ArtifactStoreConformance
import FileIO
import ObjectStore
import S3Store
import TestServers
import Testing

@Suite("s3 flavor conformance on SeaweedFS")
struct SeaweedFSConformanceTests {
    @Test(arguments: ArtifactStoreConformance.cases)
    func conformance(_ check: ConformanceCase) throws {
        let prefix = SharedServers.uniquePrefix("suite")
        try check.run(
            on: SharedServers.store(.seaweedfs, prefix: prefix),
            under: "s3://\(SharedServers.bucket)/\(prefix)"
        )
    }
}

@Suite("s3 flavor conformance on moto")
struct MotoConformanceTests {
    @Test(arguments: ArtifactStoreConformance.cases)
    func conformance(_ check: ConformanceCase) throws {
        let prefix = SharedServers.uniquePrefix("suite")
        try check.run(on: SharedServers.store(.moto, prefix: prefix), under: "s3://\(SharedServers.bucket)/\(prefix)")
    }
}
