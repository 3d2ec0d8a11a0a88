// `ModelRegistryError` is FileIO's `CodedError` over this module's code, and registries load
// models through FileIO's stores; importing ModelRegistryAPI brings FileIO along.
@_exported import FileIO
