"""ArtifactFS from Python, in-process: ``artifactfs.fileio`` (the reference framework's ``fileio``),
the fsspec file system ``artifactfs://`` (:class:`artifactfs.filesystem.ArtifactFileSystem`) and the
reference framework's artifact-store flavor (``artifactfs.zenml``), over libArtifactFSC through ctypes.

The library loads on first use (``from artifactfs import fileio``, ``artifactfs.activate``), not on
``import artifactfs``, so the flavor registers where the library is not built.

>>> from artifactfs import fileio
>>> with fileio.open("s3://bucket/runs/1/metrics.json", "w") as f:
...     f.write('{"accuracy": 0.93}')
"""

__all__ = ["activate", "fileio", "library_path", "LibraryNotFoundError"]
__version__ = "0.1.0"


def __getattr__(name):
    import importlib

    if name in ("activate", "LibraryNotFoundError"):
        return getattr(importlib.import_module(__name__ + "._library"), name)
    if name == "library_path":
        return importlib.import_module(__name__ + "._library").path
    if name == "fileio":
        return importlib.import_module(__name__ + ".fileio")
    raise AttributeError("module 'artifactfs' has no attribute %r" % name)


try:
    import fsspec as _fsspec
except ImportError:  # fsspec is optional
    pass
else:
    _fsspec.register_implementation("artifactfs", "artifactfs.filesystem.ArtifactFileSystem", clobber=True)
