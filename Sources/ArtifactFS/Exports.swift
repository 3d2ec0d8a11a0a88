// `import ArtifactFS` is all a Swift step needs: `fileio` and its types, the metadata store and the
// model registry come along.
@_exported import FileIO
@_exported import ModelRegistry
@_exported import Stacks
