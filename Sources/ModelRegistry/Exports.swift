// The model-registry protocol and its value types live in the light `ModelRegistryAPI` (the SDK
// plugin authors use); this module re-exports them so its users need one import.
@_exported import ModelRegistryAPI
