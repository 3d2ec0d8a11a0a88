import Foundation
import TestServers
import Testing

@Suite("artifactfs with the s3 flavor, against SeaweedFS")
struct S3CommandTests {
    /// `cp` of an object to a folder asks the server nothing before the data: the GET that brings
    /// the first bytes is also what finds the object (its size, its version) or finds it missing.
    @Test func copyingAnObjectOutSendsOneRequestBeforeTheData() throws {
        let server = try S3TestServer(.seaweedfs, buckets: ["cli-count"])
        defer { server.shutDown() }
        let proxy = try FaultProxy(upstream: server.endpoint)
        defer { proxy.stop() }
        let ws = try Workspace()
        defer { ws.remove() }
        var env = server.environment
        env["AWS_ENDPOINT_URL"] = proxy.endpoint
        env["AWS_ENDPOINT_URL_S3"] = proxy.endpoint
        #expect(try ws.cli.run("cp", "runs/1/model.bin", "s3://cli-count/model.bin", environment: env).status == 0)
        try FileManager.default.createDirectory(atPath: ws.path + "/out", withIntermediateDirectories: true)
        let before = proxy.events.count

        let copied = try ws.cli.run("cp", "s3://cli-count/model.bin", "out", environment: env)
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(try String(contentsOfFile: ws.path + "/out/model.bin", encoding: .utf8) == "model one")
        let requests = proxy.events.dropFirst(before).map { "\($0.request.method) \($0.request.path)" }
        #expect(requests == ["GET /cli-count/model.bin"], "\(proxy.log)")

        let missing = try ws.cli.run("cp", "s3://cli-count/absent.bin", "out", environment: env)
        #expect(missing.status == 1 && missing.stderr.contains("absent.bin"), "\(missing.stderr)")
        #expect(try ws.cli.run("mkdir", "-p", "s3://cli-count/folder", environment: env).status == 0)
        let folder = try ws.cli.run("cp", "s3://cli-count/folder", "out", environment: env)
        #expect(folder.status == 1 && folder.stderr.contains("use cp -r"), "\(folder.stderr)")
        #expect(!FileManager.default.fileExists(atPath: ws.path + "/out/folder"), "a refused copy writes nothing")
    }

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
