import AzureStore
import GCSStore
import S3Store

/// The flavors every ArtifactFS process carries, one type per line: the artifact stores, then the
/// model registries. Plugin flavors join them from the metadata store (``openMetadataStore(directory:environment:)``).
public func builtInFlavors() -> FlavorRegistry {
    FlavorRegistry([
        LocalArtifactStoreFlavor(), MemoryArtifactStoreFlavor(), S3ArtifactStoreFlavor(), GCSArtifactStoreFlavor(),
        AzureArtifactStoreFlavor(),
        DefaultModelRegistryFlavor(), MLflowModelRegistryFlavor(),
    ])
}
