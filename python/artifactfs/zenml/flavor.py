"""The ``artifactfs`` artifact-store flavor: ties the config to the store, loading the store only
when the framework asks for its implementation."""

from typing import TYPE_CHECKING, Type

from zenml.artifact_stores import BaseArtifactStoreFlavor

from .config import ArtifactFSArtifactStoreConfig

if TYPE_CHECKING:
    from .artifact_store import ArtifactFSArtifactStore


class ArtifactFSArtifactStoreFlavor(BaseArtifactStoreFlavor):
    """An artifact store whose files live wherever ArtifactFS routes them."""

    @property
    def name(self) -> str:
        return "artifactfs"

    @property
    def config_class(self) -> Type[ArtifactFSArtifactStoreConfig]:
        return ArtifactFSArtifactStoreConfig

    @property
    def implementation_class(self) -> Type["ArtifactFSArtifactStore"]:
        from .artifact_store import ArtifactFSArtifactStore

        return ArtifactFSArtifactStore
