"""ArtifactFS from Python, in-process: ``artifactfs.fileio`` (the reference framework's ``fileio``)
and the fsspec file system ``artifactfs://`` (:class:`artifactfs.filesystem.ArtifactFileSystem`),
over libArtifactFSC through ctypes.

>>> from artifactfs import fileio
>>> with fileio.open("s3://bucket/runs/1/metrics.json", "w") as f:
...     f.write('{"accuracy": 0.93}')
"""

from ._library import LibraryNotFoundError, activate
from ._library import path as library_path
from . import fileio

__all__ = ["activate", "fileio", "library_path", "LibraryNotFoundError"]
__version__ = "0.1.0"

try:
    import fsspec as _fsspec
except ImportError:  # fsspec is optional
    pass
else:
    _fsspec.register_implementation("artifactfs", "artifactfs.filesystem.ArtifactFileSystem", clobber=True)
