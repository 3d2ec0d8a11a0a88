// A flavor author imports this one module: it brings the artifact-store protocol and the stack model along.
@_exported import FileIO
@_exported import ModelRegistryAPI
@_exported import StackModel
