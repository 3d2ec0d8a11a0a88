"""The config of the ``artifactfs`` artifact-store flavor (no library, no store imported)."""

from typing import ClassVar, Optional, Set

from zenml.artifact_stores import BaseArtifactStoreConfig

#: The schemes ArtifactFS's built-in object-store and memory flavors serve.
ARTIFACTFS_SCHEMES = {"s3://", "gs://", "az://", "abfs://", "memory://"}


class ArtifactFSArtifactStoreConfig(BaseArtifactStoreConfig):
    """``path``: the store's root (``s3://bucket/zenml``, ``gs://...``, ``az://...``);
    ``project``: the ArtifactFS project folder whose components serve it (default: found from the
    working directory as ``artifactfs`` finds it)."""

    SUPPORTED_SCHEMES: ClassVar[Set[str]] = ARTIFACTFS_SCHEMES

    project: Optional[str] = None
