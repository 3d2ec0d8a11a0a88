import Foundation
import Testing

@Suite("artifactfs model registry")
struct ModelCommandTests {
    @Test func aModelRegisteredFromAFolderIsReadByStage() throws {
        let ws = try Workspace()
        defer { ws.remove() }
        let missing = try ws.cli.run("model-registry", "models", "list")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("stack 'default' has no model registry"))
        #expect(try ws.cli.run("model-registry", "register", "models", "--flavor", "default").status == 0)
        #expect(try ws.cli.run("stack", "update", "default", "--model-registry", "models").status == 0)
        #expect(try ws.cli.run("model-registry", "models", "register", "resnet", "-t", "team=vision").status == 0)
        let registered = try ws.cli.run(
            "model-registry",
            "models",
            "register-version",
            "resnet",
            "-u",
            "runs/1",
            "--pipeline-name",
            "train"
        )
        #expect(
            registered.stdout
                == "Registered version 1 of model 'resnet' at \(ws.path)-config/artifacts/models/resnet/1.\n"
        )
        #expect(try ws.cli.run("model-registry", "models", "register-version", "resnet", "-u", "runs/2").status == 0)
        #expect(
            try ws.cli.run("model-registry", "models", "update-version", "resnet", "-v", "1", "--stage", "production")
                .status == 0
        )
        #expect(try ws.cli.run("cat", "models://resnet/production/model.bin").stdout == "model one")

        let refused = try ws.cli.run(
            "model-registry",
            "models",
            "update-version",
            "resnet",
            "-v",
            "2",
            "-s",
            "Production"
        )
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("artifactfs: version 1 of model 'resnet' is in Production"))
        #expect(
            try ws.cli.run(
                "model-registry",
                "models",
                "update-version",
                "resnet",
                "-v",
                "2",
                "-s",
                "Production",
                "--archive-existing"
            ).status == 0
        )
        #expect(try ws.cli.run("cat", "models://resnet/production/model.bin").stdout == "model two")

        let listed = try JSONSerialization.jsonObject(
            with: Data(try ws.cli.run("model-registry", "models", "list-versions", "resnet", "--json").stdout.utf8)
        )
        let stages = (listed as? [[String: Any]])?.compactMap { $0["stage"] as? String }
        #expect(stages == ["Archived", "Production"])
        let written = try ws.cli.run("cp", "runs/1/model.bin", "models://resnet/1/other.bin")
        #expect(written.status == 1)
        #expect(written.stderr.contains("models:// is read-only"))
        #expect(try ws.cli.run("model-registry", "models", "delete", "resnet").status == 1, "deleting needs --yes")
        #expect(try ws.cli.run("model-registry", "models", "delete", "resnet", "--yes").status == 0)
        #expect(!FileManager.default.fileExists(atPath: ws.path + "-config/artifacts/models/resnet/1"))
    }
}
