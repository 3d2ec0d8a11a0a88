import Foundation
import TestServers
import Testing

@Suite("artifactfs with the s3 flavor, against SeaweedFS")
struct S3CommandTests {
    @Test func pathsWorkFromTheEnvironmentAndThroughARegisteredComponent() throws {
        let server = try S3TestServer(.seaweedfs, buckets: ["cli-bucket"])
        defer { server.shutDown() }
        let ws = try Workspace()
        defer { ws.remove() }

        // No component: credentials and endpoint come from AWS_* variables.
        let env = server.environment
        #expect(
            try ws.cli.run("cp", "runs/1/model.bin", "s3://cli-bucket/direct/model.bin", environment: env).status == 0
        )
        #expect(try ws.cli.run("cat", "s3://cli-bucket/direct/model.bin", environment: env).stdout == "model one")
        #expect(try ws.cli.run("ls", "s3://cli-bucket/direct", environment: env).stdout == "model.bin\n")
        let missing = try ws.cli.run("cat", "s3://cli-bucket/direct/absent.bin", environment: env)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("absent.bin"))

        // A registered component: its own credentials (secret references) and endpoint, no AWS_* at all.
        let bare = [
            "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_S3": "",
        ]
        #expect(
            try ws.cli.run("secret", "create", "seaweed", "--key=\(server.accessKey)", "--secret=\(server.secretKey)")
                .status == 0
        )
        let registered = try ws.cli.run(
            "artifact-store",
            "register",
            "warehouse",
            "--flavor",
            "s3",
            "--path=s3://cli-bucket/warehouse",
            "--key={{seaweed.key}}",
            "--secret={{seaweed.secret}}",
            "--endpoint_url=\(server.endpoint)"
        )
        #expect(registered.status == 0, "\(registered.stderr)")
        #expect(try ws.cli.run("cp", "-r", "runs", "s3://cli-bucket/warehouse/runs", environment: bare).status == 0)
        #expect(
            try ws.cli.run("cat", "s3://cli-bucket/warehouse/runs/2/model.bin", environment: bare).stdout == "model two"
        )
        #expect(
            try ws.cli.run("find", "s3://cli-bucket/warehouse", "--type", "f", environment: bare).stdout.split(
                separator: "\n"
            ).count == 3
        )
        let described = try ws.cli.run("artifact-store", "describe", "warehouse")
        #expect(!described.stdout.contains(server.secretKey))

        // A plain secret value is refused at registration.
        let refused = try ws.cli.run(
            "artifact-store",
            "register",
            "leaky",
            "--flavor",
            "s3",
            "--path=s3://cli-bucket/x",
            "--secret=plain-value"
        )
        #expect(refused.status != 0)
        #expect(!refused.stderr.contains("plain-value"))
    }
}
