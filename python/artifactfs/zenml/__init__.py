"""The reference framework's artifact-store flavor ``artifactfs``: every call of its store goes
through ArtifactFS (the project's components, credentials and endpoints).

Register it with ``zenml artifact-store flavor register artifactfs.zenml.ArtifactFSArtifactStoreFlavor``.
Importing this package (the flavor and its config) loads neither libArtifactFSC nor the store, so
the flavor registers and validates configs where the library is not built.
"""

from .config import ArtifactFSArtifactStoreConfig
from .flavor import ArtifactFSArtifactStoreFlavor

__all__ = ["ArtifactFSArtifactStoreConfig", "ArtifactFSArtifactStoreFlavor"]
