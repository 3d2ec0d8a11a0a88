import Foundation
import S3Store
import StackModel
import Testing

@Suite("s3 config resolution: config, then AWS_* variables, then ~/.aws")
struct S3ConfigurationTests {
    func temporaryHome(credentials: String) throws -> String {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("aws-home-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: home + "/.aws", withIntermediateDirectories: true)
        try credentials.write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        return home
    }

    @Test func configBeatsEnvironmentBeatsCredentialsFile() throws {
        let home = try temporaryHome(
            credentials:
                "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n[ci]\naws_access_key_id=CIKEY\naws_secret_access_key=cisecret\n"
        )
        defer { try? FileManager.default.removeItem(atPath: home) }
        let environment = AWSEnvironment(variables: [
            "HOME": home, "AWS_ACCESS_KEY_ID": "ENVKEY", "AWS_SECRET_ACCESS_KEY": "envsecret",
        ])
        let fromConfig = try S3Configuration(
            config: ["path": .string("s3://b"), "key": .string("CFGKEY"), "secret": .string("cfgsecret")],
            environment: environment
        )
        #expect(fromConfig.credentials?.accessKeyID == "CFGKEY")
        let fromEnvironment = try S3Configuration(config: ["path": .string("s3://b")], environment: environment)
        #expect(fromEnvironment.credentials?.accessKeyID == "ENVKEY")
        #expect(fromEnvironment.credentialSource.contains("AWS_ACCESS_KEY_ID"))
        #expect(!fromEnvironment.credentialSource.contains("envsecret"))
        // The key id is a secret field's value too: only its last four characters are named.
        #expect(fromEnvironment.credentialSource.contains("ending 'VKEY'"), "\(fromEnvironment.credentialSource)")
        #expect(!fromEnvironment.credentialSource.contains("ENVKEY"), "\(fromEnvironment.credentialSource)")
        let fromFile = try S3Configuration(
            config: ["path": .string("s3://b")],
            environment: AWSEnvironment(variables: ["HOME": home])
        )
        #expect(fromFile.credentials?.accessKeyID == "FILEKEY")
        let fromProfile = try S3Configuration(
            config: ["path": .string("s3://b")],
            environment: AWSEnvironment(variables: ["HOME": home, "AWS_PROFILE": "ci"])
        )
        #expect(fromProfile.credentials?.accessKeyID == "CIKEY")
        #expect(fromProfile.credentialSource.contains("profile 'ci'"))
    }

    @Test func endpointFromConfigClientKwargsOrEnvironment() throws {
        let environment = AWSEnvironment(variables: [
            "AWS_ENDPOINT_URL": "http://general:1", "AWS_ENDPOINT_URL_S3": "http://s3-specific:2",
            "HOME": "/nonexistent",
        ])
        #expect(
            try S3Configuration(config: ["path": .string("s3://b")], environment: environment).endpoint
                == "http://s3-specific:2"
        )
        #expect(
            try S3Configuration(
                config: ["path": .string("s3://b")],
                environment: AWSEnvironment(variables: ["AWS_ENDPOINT_URL": "http://general:1/"])
            )
            .endpoint == "http://general:1"
        )
        let kwargs = try S3Configuration(
            config: [
                "path": .string("s3://b"),
                "client_kwargs": .object(["endpoint_url": .string("http://kw:3"), "region_name": .string("eu-west-1")]),
            ],
            environment: environment
        )
        #expect(kwargs.endpoint == "http://kw:3")
        #expect(kwargs.region == "eu-west-1")
        #expect(kwargs.pathStyle)
        let aws = try S3Configuration(
            config: ["path": .string("s3://b"), "region": .string("us-west-2")],
            environment: AWSEnvironment(variables: [:])
        )
        #expect(aws.endpoint == "https://s3.us-west-2.amazonaws.com")
        #expect(!aws.pathStyle)
    }

    @Test func flavorValidatesItsConfig() throws {
        let flavor = S3ArtifactStoreFlavor()
        let valid = try flavor.validate([
            "path": .string("s3://bucket/prefix"), "endpoint_url": .string("http://127.0.0.1:9"),
        ])
        #expect(valid["part_size"] == .integer(8 << 20))
        #expect(throws: StackError.self) { try flavor.validate(["path": .string("gs://bucket")]) }
        #expect(throws: StackError.self) {
            try flavor.validate(["path": .string("s3://b"), "secret": .string("plain")])
        }
        #expect(throws: StackError.self) {
            try S3Configuration(config: ["path": .string("s3://b"), "part_size": .integer(1024)])
        }
        #expect(throws: StackError.self) {
            try S3Configuration(config: ["path": .string("s3://b"), "addressing_style": .string("sideways")])
        }
    }
}
