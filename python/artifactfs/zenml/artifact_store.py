"""The ``artifactfs`` artifact store: the framework's abstract methods over ``artifactfs.fileio``."""

import os
import threading
from typing import Any, Callable, Iterable, List, Optional, Tuple, cast

from zenml.artifact_stores import BaseArtifactStore

from .config import ArtifactFSArtifactStoreConfig

_activated = set()
_lock = threading.Lock()


def _str(path: Any) -> str:
    return os.fsdecode(path)


class ArtifactFSArtifactStore(BaseArtifactStore):
    """Every call goes through ArtifactFS with the project's routing (its components' endpoints
    and secrets), in-process, the GIL released during I/O."""

    @property
    def config(self) -> ArtifactFSArtifactStoreConfig:
        return cast(ArtifactFSArtifactStoreConfig, self._config)

    @property
    def _fileio(self):
        from artifactfs import _library, fileio

        project = self.config.project
        if project is not None and project not in _activated:
            with _lock:
                if project not in _activated:
                    _library.activate(project)
                    _activated.add(project)
        return fileio

    def open(self, path, mode: str = "r") -> Any:
        return self._fileio.open(_str(path), mode)

    def copyfile(self, src, dst, overwrite: bool = False) -> None:
        self._fileio.copy(_str(src), _str(dst), overwrite=overwrite)

    def exists(self, path) -> bool:
        return self._fileio.exists(_str(path))

    def glob(self, pattern) -> List[str]:
        return self._fileio.glob(_str(pattern))

    def isdir(self, path) -> bool:
        return self._fileio.isdir(_str(path))

    def listdir(self, path) -> List[str]:
        return self._fileio.listdir(_str(path))

    def makedirs(self, path) -> None:
        self._fileio.makedirs(_str(path))

    def mkdir(self, path) -> None:
        self._fileio.mkdir(_str(path))

    def remove(self, path) -> None:
        self._fileio.remove(_str(path))

    def rename(self, src, dst, overwrite: bool = False) -> None:
        self._fileio.rename(_str(src), _str(dst), overwrite=overwrite)

    def rmtree(self, path) -> None:
        self._fileio.rmtree(_str(path))

    def stat(self, path) -> Any:
        return self._fileio.stat(_str(path))

    def size(self, path) -> Optional[int]:
        return self._fileio.size(_str(path))

    def walk(
        self, top, topdown: bool = True, onerror: Optional[Callable[..., None]] = None
    ) -> Iterable[Tuple[str, List[str], List[str]]]:
        return self._fileio.walk(_str(top), topdown=topdown, onerror=onerror)
