import Foundation

/// An S3 server started for tests (``S3TestServer``, ``SeaweedFSCluster``): its endpoint and
/// credentials, and what a test does with them through boto3, a client no one here wrote.
public protocol S3Endpoint: Sendable {
    /// `http://127.0.0.1:PORT`.
    var endpoint: String { get }
    /// The access key the server was started with.
    var accessKey: String { get }
    /// The matching secret key.
    var secretKey: String { get }
}

extension S3Endpoint {
    /// The environment a client needs to reach this server: the `AWS_*` credentials, region and
    /// `AWS_ENDPOINT_URL`.
    public var environment: [String: String] {
        [
            "AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_ENDPOINT_URL": endpoint,
            "AWS_REGION": "us-east-1",
        ]
    }

    /// Creates a bucket through boto3.
    /// - Throws: ``TestServerError`` with boto3's message.
    public func createBucket(_ name: String) throws {
        try runPython("import boto3\nboto3.client('s3').create_bucket(Bucket='\(name)')")
    }

    /// Runs a Python snippet with this server's `AWS_*` environment; returns its standard output.
    /// - Throws: ``TestServerError`` with the snippet's standard error when it fails.
    @discardableResult
    public func runPython(_ code: String, arguments: [String] = []) throws -> String {
        try ServerProcess.run(try ServerProcess.locate("python3"), ["-c", code] + arguments, environment: environment)
    }
}
