import CArtifactFSPlugin
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Exports Swift flavors through the C plugin table, so `artifactfs` can load them from a shared
/// library built separately. A plugin's whole glue is one function:
///
/// ```swift
/// @_cdecl("artifactfs_plugin_entry")
/// public func artifactfsPluginEntry() -> UnsafeRawPointer {
///     PluginExport.table([BlobStoreFlavor()])
/// }
/// ```
public enum PluginExport {
    /// Registers `flavors` (the first call wins) and returns the table for the entry point to return.
    public static func table(_ flavors: [any Flavor]) -> UnsafeRawPointer {
        exported.withLock { if $0 == nil { $0 = flavors } }
        return UnsafeRawPointer(bitPattern: tableAddress)!
    }

    static let exported = Mutex<[any Flavor]?>(nil)

    static var flavors: [any Flavor] { exported.withLock { $0 ?? [] } }

    /// The table (version 2: the version-1 table first), allocated once and never freed: the
    /// host may call it until the process ends.
    static let tableAddress: UInt = {
        let table = UnsafeMutablePointer<afs_plugin_v2>.allocate(capacity: 1)
        table.initialize(
            to: afs_plugin_v2(
                v1: afs_plugin_v1(
                    abi_version: PluginABI.version,
                    sdk_version: UnsafePointer(strdup(PluginABI.sdkVersion)),
                    describe: { UnsafePointer(PluginExport.description()) },
                    prepare: { type, flavor, config, result in
                        PluginExport.answer(result) { try PluginExport.prepare(type, flavor, config) }
                    },
                    store_make: { flavor, config, store, result in
                        PluginExport.answer(result) {
                            let made = try PluginExport.makeStore(flavor, config)
                            store?.pointee = Unmanaged.passRetained(StoreBox(made)).toOpaque()
                            return try PluginJSON.encode(StoreDescription(made))
                        }
                    },
                    store_call: { store, request, result in
                        PluginExport.answer(result) {
                            try StoreBox.from(store).call(PluginJSON.decode(StoreRequest.self, from: text(request)))
                        }
                    },
                    store_release: { store in
                        if let store { Unmanaged<StoreBox>.fromOpaque(store).release() }
                    },
                    file_open: { store, path, mode, file, error in
                        PluginExport.answer(error) {
                            let box = try StoreBox.from(store)
                            let name = text(path)
                            let handle = try box.store.open(name, mode: OpenMode(parsing: text(mode), path: name))
                            file?.pointee = Unmanaged.passRetained(FileBox(handle)).toOpaque()
                            return nil
                        }
                    },
                    file_read: { file, buffer, count, offset, error in
                        PluginExport.count(error) {
                            let handle = try FileBox.from(file).handle
                            let target = UnsafeMutableRawBufferPointer(start: buffer, count: Int(count))
                            return offset < 0
                                ? try handle.read(into: target) : try handle.read(at: UInt64(offset), into: target)
                        }
                    },
                    file_write: { file, buffer, count, error in
                        Int32(
                            PluginExport.count(error) {
                                try FileBox.from(file).handle.write(
                                    UnsafeRawBufferPointer(start: buffer, count: Int(count))
                                )
                                return 0
                            }
                        )
                    },
                    file_seek: { file, offset, origin, error in
                        PluginExport.count(error) {
                            let from: SeekOrigin = origin == 0 ? .start : origin == 1 ? .current : .end
                            return Int(try FileBox.from(file).handle.seek(to: offset, from: from))
                        }
                    },
                    file_close: { file, error in
                        Int32(
                            PluginExport.count(error) {
                                try FileBox.from(file).handle.close()
                                return 0
                            }
                        )
                    },
                    file_release: { file in
                        if let file { Unmanaged<FileBox>.fromOpaque(file).release() }
                    },
                    free_string: { text in free(text) }
                ),
                component_make: { type, flavor, config, component, result in
                    PluginExport.answer(result) {
                        let made = try PluginExport.makeComponent(type, flavor, config)
                        component?.pointee = Unmanaged.passRetained(made).toOpaque()
                        return "{}"
                    }
                },
                component_call: { component, request, result in
                    PluginExport.answer(result) { try ComponentBox.from(component).call(text(request)) }
                },
                component_release: { component in
                    if let component { Unmanaged<ComponentBox>.fromOpaque(component).release() }
                }
            )
        )
        return UInt(bitPattern: table)
    }()

    /// The `describe` text, made once and kept for the life of the process.
    static let descriptionAddress = Mutex<UInt?>(nil)

    static func description() -> UnsafeMutablePointer<CChar>? {
        descriptionAddress.withLock { address in
            if address == nil {
                let text =
                    (try? PluginJSON.encode(PluginDescription(flavors: flavors.map(FlavorDescription.init))))
                    ?? #"{"flavors":[]}"#
                address = UInt(bitPattern: strdup(text))
            }
            return UnsafeMutablePointer(bitPattern: address!)
        }
    }

    static func flavor(_ name: String, type: StackComponentType) throws -> any Flavor {
        guard let flavor = flavors.first(where: { $0.name == name && $0.type == type }) else {
            throw StackError(.notFound, "this plugin has no \(type.displayName) flavor '\(name)'")
        }
        return flavor
    }

    static func prepare(
        _ typeName: UnsafePointer<CChar>?,
        _ name: UnsafePointer<CChar>?,
        _ config: UnsafePointer<CChar>?
    ) throws -> String {
        guard let type = StackComponentType(rawValue: text(typeName)) else {
            throw StackError(.invalidArgument, "unknown component type '\(text(typeName))'")
        }
        let flavor = try flavor(text(name), type: type)
        return try PluginJSON.encode(flavor.validate(PluginJSON.decode(ComponentConfig.self, from: text(config))))
    }

    static func makeStore(_ name: UnsafePointer<CChar>?, _ config: UnsafePointer<CChar>?) throws -> any ArtifactStore {
        let flavor = try flavor(text(name), type: .artifactStore)
        guard let storeFlavor = flavor as? any ArtifactStoreFlavor else {
            throw StackError(.invalidArgument, "flavor '\(flavor.name)' does not conform to ArtifactStoreFlavor")
        }
        return try storeFlavor.makeStore(PluginJSON.decode(ComponentConfig.self, from: text(config)))
    }

    /// Makes a component of a type other than artifact store: today a model registry.
    static func makeComponent(
        _ typeName: UnsafePointer<CChar>?,
        _ name: UnsafePointer<CChar>?,
        _ config: UnsafePointer<CChar>?
    ) throws
        -> ComponentBox
    {
        guard let type = StackComponentType(rawValue: text(typeName)) else {
            throw StackError(.invalidArgument, "unknown component type '\(text(typeName))'")
        }
        let flavor = try flavor(text(name), type: type)
        guard let registryFlavor = flavor as? any StandaloneModelRegistryFlavor else {
            throw StackError(
                .invalidArgument,
                "\(type.displayName) flavor '\(flavor.name)' has no implementation a plugin can serve (model-registry flavors conform to StandaloneModelRegistryFlavor)"
            )
        }
        return ComponentBox(
            registry: try registryFlavor.makeRegistry(PluginJSON.decode(ComponentConfig.self, from: text(config)))
        )
    }

    /// Runs `body`, putting its JSON answer (or the error's) into `out`; 0 on success, -1 on failure.
    static func answer(
        _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
        _ body: () throws -> String?
    ) -> Int32 {
        do {
            let text = try body()
            if let text { out?.pointee = strdup(text) }
            return 0
        } catch {
            out?.pointee = strdup(
                (try? PluginJSON.encode(PluginFailure(error)))
                    ?? #"{"domain":"store","code":"io","path":"","message":"unencodable error"}"#
            )
            return -1
        }
    }

    /// Runs `body`, returning its count, or -1 with the error's JSON in `out`.
    static func count(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ body: () throws -> Int) -> Int64 {
        var result: Int64 = -1
        _ = answer(out) {
            result = Int64(try body())
            return nil
        }
        return result
    }
}

/// A C string as Swift text; a null pointer as "".
func text(_ pointer: UnsafePointer<CChar>?) -> String {
    pointer.map { String(cString: $0) } ?? ""
}

/// A store handed to the host as an opaque pointer.
final class StoreBox: Sendable {
    let store: any ArtifactStore

    init(_ store: any ArtifactStore) {
        self.store = store
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) throws -> StoreBox {
        guard let pointer else { throw ArtifactStoreError(.invalidArgument, path: "", "null store pointer") }
        return Unmanaged<StoreBox>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Runs one request against the store and encodes its answer.
    func call(_ request: StoreRequest) throws -> String {
        func required(_ value: String?, _ name: String) throws -> String {
            guard let value else {
                throw ArtifactStoreError(.invalidArgument, path: "", "request '\(request.op)' lacks '\(name)'")
            }
            return value
        }
        switch request.op {
        case "stat": return try PluginJSON.encode(store.stat(required(request.path, "path")))
        case "scandir": return try PluginJSON.encode(store.scandir(required(request.path, "path")))
        case "mkdir": try store.mkdir(required(request.path, "path"))
        case "rmdir": try store.rmdir(required(request.path, "path"))
        case "remove": try store.remove(required(request.path, "path"))
        case "rename":
            try store.rename(
                required(request.source, "source"),
                required(request.destination, "destination"),
                overwrite: request.overwrite ?? false
            )
        case "copyfile":
            try store.copyfile(
                required(request.source, "source"),
                required(request.destination, "destination"),
                overwrite: request.overwrite ?? false
            )
        default:
            throw ArtifactStoreError(
                .unsupportedOperation,
                path: request.path ?? "",
                "unknown store operation '\(request.op)'"
            )
        }
        return "{}"
    }
}

/// A component handed to the host as an opaque pointer: today always a model registry.
final class ComponentBox: Sendable {
    let registry: any ModelRegistry

    init(registry: any ModelRegistry) {
        self.registry = registry
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) throws -> ComponentBox {
        guard let pointer else { throw ModelRegistryError(.invalidValue, "null component pointer") }
        return Unmanaged<ComponentBox>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// Decodes one ``ModelRegistryCall`` and runs it.
    func call(_ request: String) throws -> String {
        let call: ModelRegistryCall
        do {
            call = try PluginJSON.decode(ModelRegistryCall.self, from: request)
        } catch {
            throw ModelRegistryError(.invalidValue, "malformed model-registry call \(request): \(error)", cause: error)
        }
        return try call.perform(on: registry)
    }
}

/// A file handle handed to the host as an opaque pointer.
final class FileBox: Sendable {
    let handle: any ArtifactFileHandle

    init(_ handle: any ArtifactFileHandle) {
        self.handle = handle
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) throws -> FileBox {
        guard let pointer else { throw ArtifactStoreError(.invalidArgument, path: "", "null file pointer") }
        return Unmanaged<FileBox>.fromOpaque(pointer).takeUnretainedValue()
    }
}
