import Foundation
import Synchronization

/// A real multi-node SeaweedFS cluster on 127.0.0.1 for tests: one master (default replication
/// `001`: every volume has a second copy on another server of the same rack), three volume
/// servers, a filer and its S3 gateway, on free ports in a fresh temporary folder, with the
/// credentials of ``S3TestServer``.
///
/// Each program runs as a ``ServerProcess``: stopped by ``stop()``, by `deinit`, at process exit,
/// and — should the test process die — by its watchdog. One volume server can be killed with
/// SIGKILL (``killVolumeServer(_:)``) and started again on the same folder and ports.
public final class SeaweedFSCluster: S3Endpoint, Sendable {
    /// How many volume servers the cluster has.
    public static let volumeServers = 3
    /// The access key the gateway enforces.
    public let accessKey = "artifactfs-test"
    /// The matching secret key.
    public let secretKey = "artifactfs-test-secret"
    /// The cluster's data and log folder: `master`, `volume-N`, `filer` and a log of each.
    public let directory: String
    /// `http://127.0.0.1:PORT` of the S3 gateway.
    public var endpoint: String { "http://127.0.0.1:\(port(.gateway))" }
    /// `127.0.0.1:PORT.GRPCPORT` of the filer (what `weed mount -filer=` takes).
    public var filer: String { "127.0.0.1:\(port(.filer)).\(port(.filer, grpc: true))" }
    private let ports: Mutex<[Int]>
    private let servers = Mutex<[Role: ServerProcess]>([:])

    /// The programs of the cluster; each has an HTTP port and a gRPC port.
    private enum Role: Hashable {
        case master
        case volume(Int)
        case filer, gateway

        var index: Int {
            switch self {
            case .master: 0
            case .volume(let n): 1 + n
            case .filer: 1 + SeaweedFSCluster.volumeServers
            case .gateway: 2 + SeaweedFSCluster.volumeServers
            }
        }

        var name: String {
            switch self {
            case .master: "master"
            case .volume(let n): "volume-\(n)"
            case .filer: "filer"
            case .gateway: "s3"
            }
        }

        static var all: [Role] {
            [.master] + (0..<SeaweedFSCluster.volumeServers).map(Role.volume) + [.filer, .gateway]
        }
    }

    /// Starts the cluster and creates `buckets`.
    /// - Throws: ``TestServerError`` when `weed` is missing or a program does not answer within 60 s.
    public init(buckets: [String] = []) throws {
        directory = try ServerProcess.scratchDirectory("seaweedfs-cluster")
        let count = 2 * Role.all.count
        ports = Mutex(try FreePorts.take(count))
        // A port free a moment ago may be taken before a server binds it: retry on new ports.
        for attempt in 1...3 {
            do {
                for role in Role.all { try start(role) }
                break
            } catch is TestServerError where attempt < 3 {
                // The master's folder records its address: start afresh.
                stop()
                for role in Role.all { try? FileManager.default.removeItem(atPath: "\(directory)/\(role.name)") }
                ports.withLock { $0 = (try? FreePorts.take(count)) ?? $0 }
            }
        }
        for bucket in buckets { try createBucket(bucket) }
    }

    deinit { stop() }

    /// Kills volume server `index` (0, 1 or 2) with SIGKILL, as a crash would; its data stays.
    public func killVolumeServer(_ index: Int) {
        servers.withLock { $0.removeValue(forKey: .volume(index)) }?.kill()
    }

    /// Starts volume server `index` again on its folder and ports, and waits until the master lists
    /// it; does nothing when it runs.
    /// - Throws: ``TestServerError`` when it does not join within 60 s.
    public func startVolumeServer(_ index: Int) throws {
        guard servers.withLock({ $0[.volume(index)] == nil }) else { return }
        try start(.volume(index))
    }

    /// The HTTP port of volume server `index`.
    public func volumePort(_ index: Int) -> Int { port(.volume(index)) }

    /// The volume servers the master lists now, as `127.0.0.1:PORT`.
    func listedVolumeServers() -> [String] {
        let listing = """
            import json, urllib.request
            topology = json.load(urllib.request.urlopen('http://127.0.0.1:\(port(.master))/dir/status', timeout=5))['Topology']
            for center in topology.get('DataCenters') or []:
                for rack in center.get('Racks') or []:
                    for node in rack.get('DataNodes') or []: print(node['Url'])
            """
        return ((try? runPython(listing)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Stops every program of the cluster, the gateway first; the data stays.
    public func stop() {
        let running = servers.withLock { state in
            defer { state = [:] }
            return state
        }
        for role in Role.all.reversed() { running[role]?.stop() }
    }

    /// Stops the cluster and removes its folder.
    public func shutDown() {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func port(_ role: Role, grpc: Bool = false) -> Int {
        ports.withLock { $0[2 * role.index + (grpc ? 1 : 0)] }
    }

    /// `-ip`, `-ip.bind`, `-port` and `-port.grpc` of `role`.
    private func address(_ role: Role) -> [String] {
        ["-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-port=\(port(role))", "-port.grpc=\(port(role, grpc: true))"]
    }

    private func arguments(_ role: Role) -> [String] {
        let master = "-master=127.0.0.1:\(port(.master)).\(port(.master, grpc: true))"
        let folder = "\(directory)/\(role.name)"
        switch role {
        case .master:
            return ["master", "-mdir=\(folder)", "-defaultReplication=001", "-volumeSizeLimitMB=1024"]
                + address(role)
        case .volume:
            // One rack: replication 001 puts the second copy on another server of the same rack.
            return ["volume", "-dir=\(folder)", master, "-dataCenter=dc1", "-rack=rack1", "-max=16"] + address(role)
        case .filer:
            return ["filer", "-defaultStoreDir=\(folder)", master] + address(role)
        case .gateway:
            return ["s3", "-filer=\(filer)", "-port.iceberg=0", "-port.lance=0"] + address(role)
        }
    }

    private func start(_ role: Role) throws {
        try FileManager.default.createDirectory(
            atPath: "\(directory)/\(role.name)",
            withIntermediateDirectories: true
        )
        // The gateway makes its admin identity from the AWS_* variables, as `weed mini` does.
        let server = ServerProcess(
            name: "seaweedfs \(role.name)",
            program: try ServerProcess.locate("weed"),
            arguments: arguments(role),
            environment: ["AWS_ACCESS_KEY_ID": accessKey, "AWS_SECRET_ACCESS_KEY": secretKey],
            log: "\(directory)/\(role.name).log",
            scratch: directory,
            gracePeriod: 3
        )
        try server.start()
        servers.withLock { $0[role] = server }
        let port = port(role)
        switch role {
        case .master, .filer:
            try server.waitUntil(seconds: 60, "127.0.0.1:\(port)") { FreePorts.isListening(port) }
        case .volume(let n):
            try server.waitUntil(seconds: 60, "the master's list of volume servers") {
                listedVolumeServers().contains("127.0.0.1:\(volumePort(n))")
            }
        case .gateway:
            try server.waitUntil(seconds: 60, endpoint) {
                FreePorts.isListening(port)
                    && (try? runPython("import boto3\nboto3.client('s3').list_buckets()")) != nil
            }
        }
    }
}
