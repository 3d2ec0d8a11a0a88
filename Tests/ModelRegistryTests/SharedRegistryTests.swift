import FileIO
import Foundation
import ModelRegistry
import Stacks
import Synchronization
import TestServers
import Testing

/// The `default` registry of a team on one PostgreSQL server: a promotion made on one machine is
/// what every other machine reads.
@Suite("default model registry on a shared PostgreSQL server")
struct SharedRegistryTests {
    /// Two machines' registries over one server, with a shared model folder to register.
    struct Team {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent(
            "artifactfs-team-\(UUID().uuidString)"
        ).path
        let machines: [DefaultModelRegistry]

        init() throws {
            let url = try PostgresTestServer.shared().createDatabase()
            try FileManager.default.createDirectory(atPath: base + "/model", withIntermediateDirectories: true)
            try Data("weights".utf8).write(to: URL(fileURLWithPath: base + "/model/model.bin"))
            machines = try ["laptop", "cluster"].map { [base] machine in
                let metadata = try MetadataStore(
                    directory: "\(base)/\(machine)/.artifactfs",
                    environment: [MetadataServerURL.environmentKey: url]
                )
                return try DefaultModelRegistry(metadata: metadata, storeRoot: base + "/store")
            }
        }

        func remove() { try? FileManager.default.removeItem(atPath: base) }
    }

    @Test func aPromotionOnOneMachineIsWhatTheOtherReads() throws {
        let team = try Team()
        defer { team.remove() }
        let (laptop, cluster) = (team.machines[0], team.machines[1])
        _ = try laptop.registerModel("resnet", description: "classifier", tags: [:])
        let version = try laptop.registerModelVersion(
            ModelVersionRequest(model: "resnet", sourceURI: team.base + "/model")
        )
        _ = try laptop.updateModelVersion(
            "resnet",
            version: version.version,
            description: nil,
            metadata: [:],
            removeMetadata: [],
            stage: .production,
            archiveExisting: false
        )
        try laptop.setAlias("resnet", alias: "champion", version: version.version)
        #expect(try cluster.latestModelVersion("resnet", stage: .production)?.version == version.version)
        #expect(try cluster.modelVersion("resnet", alias: "champion").storedURI == version.storedURI)
        #expect(try cluster.model("resnet").description == "classifier")
    }

    @Test func concurrentPromotionsFromTwoMachinesLeaveOneVersionInProduction() throws {
        let team = try Team()
        defer { team.remove() }
        let (laptop, cluster) = (team.machines[0], team.machines[1])
        _ = try laptop.registerModel("bert", description: nil, tags: [:])
        let versions = try (0..<4).map { _ in
            try cluster.registerModelVersion(ModelVersionRequest(model: "bert", sourceURI: team.base + "/model"))
        }
        let outcomes = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: versions.count) { index in
            let registry = team.machines[index % 2]
            do {
                _ = try registry.updateModelVersion(
                    "bert",
                    version: versions[index].version,
                    description: nil,
                    metadata: [:],
                    removeMetadata: [],
                    stage: .production,
                    archiveExisting: false
                )
                outcomes.withLock { $0.append("promoted") }
            } catch let error as ModelRegistryError {
                outcomes.withLock { $0.append(error.message) }
            } catch {
                outcomes.withLock { $0.append("unexpected: \(error)") }
            }
        }
        let results = outcomes.withLock { $0 }
        #expect(results.filter { $0 == "promoted" }.count == 1, "\(results)")
        #expect(
            results.filter { $0 != "promoted" }.allSatisfy { $0.contains("is in Production: archive it explicitly") },
            "\(results)"
        )
        #expect(try laptop.modelVersions(ModelVersionFilter(model: "bert", stage: .production)).count == 1)
    }
}
