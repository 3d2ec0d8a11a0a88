"""An fsspec file system over ArtifactFS, registered under the protocol ``artifactfs``.

Paths are ArtifactFS paths: ``artifactfs://s3/bucket/key`` is ``s3://bucket/key``,
``artifactfs:///data/x`` is ``/data/x``, ``artifactfs://memory/scratch/a`` is
``memory://scratch/a``; ``fsspec.filesystem("artifactfs")`` also takes the plain forms
(``s3://bucket/key``, ``gs://...``, ``az://...``, ``/data/x``) and routes them through the
project's components. ``storage_options={"project": FOLDER}`` activates that project first.
"""

import datetime

from fsspec.spec import AbstractFileSystem
from fsspec.utils import stringify_path

from . import _library, fileio

_PREFIX = "artifactfs://"


def to_artifactfs_path(path):
    """The ArtifactFS path an ``artifactfs://`` URL (or a plain path) names."""
    path = stringify_path(path)
    if path.startswith(_PREFIX):
        rest = path[len(_PREFIX) :]
        if rest.startswith("/") or "://" in rest:
            path = rest
        else:
            scheme, _, tail = rest.partition("/")
            path = scheme + "://" + tail
    if path.startswith("file://"):
        path = path[len("file://") :]
    if len(path) > 1 and path.endswith("/") and not path.endswith("://"):
        path = path.rstrip("/") or "/"
    return path


class ArtifactFileSystem(AbstractFileSystem):
    """fsspec's interface over ``artifactfs.fileio``: every path goes through ArtifactFS's routing,
    so one file system serves ``s3://``, ``gs://``, ``az://``, ``memory://``, local and plugin paths."""

    protocol = ("artifactfs",)
    root_marker = ""

    def __init__(self, project=None, **storage_options):
        super().__init__(**storage_options)
        if project is not None:
            _library.activate(project)

    @classmethod
    def _strip_protocol(cls, path):
        if isinstance(path, (list, tuple)):
            return [cls._strip_protocol(p) for p in path]
        return to_artifactfs_path(path)

    def unstrip_protocol(self, name):
        name = to_artifactfs_path(name)
        if name.startswith("/"):
            return _PREFIX + name
        scheme, sep, rest = name.partition("://")
        return _PREFIX + scheme + "/" + rest if sep else _PREFIX + name

    @staticmethod
    def _join(directory, name):
        return directory + name if directory.endswith("/") else directory + "/" + name

    def _info_from_stat(self, path, result):
        kind = "directory" if fileio._stat.S_ISDIR(result.st_mode) else "file"
        return {"name": path, "size": result.st_size, "type": kind, "mtime": result.st_mtime}

    def info(self, path, **kwargs):
        path = self._strip_protocol(path)
        return self._info_from_stat(path, fileio.stat(path))

    def ls(self, path, detail=True, **kwargs):
        path = self._strip_protocol(path)
        try:
            entries = fileio.scandir(path)
        except NotADirectoryError:
            info = self.info(path)
            return [info] if detail else [path]
        names = sorted(entries, key=lambda e: e["name"])
        if not detail:
            return [self._join(path, e["name"]) for e in names]
        result = []
        for entry in names:
            full = self._join(path, entry["name"])
            kind = "directory" if entry["kind"] == "directory" else "file"
            info = {"name": full, "type": kind, "size": entry.get("size", 0 if kind == "directory" else None)}
            if kind == "file" and info["size"] is None:
                info = self.info(full)
            else:
                info["mtime"] = entry.get("mtime")
            result.append(info)
        return result

    def exists(self, path, **kwargs):
        try:
            return fileio.exists(self._strip_protocol(path))
        except (FileNotFoundError, NotADirectoryError):
            return False

    def isdir(self, path):
        try:
            return fileio.isdir(self._strip_protocol(path))
        except (FileNotFoundError, NotADirectoryError):
            return False

    def isfile(self, path):
        try:
            return self.info(path)["type"] == "file"
        except (FileNotFoundError, NotADirectoryError):
            return False

    def size(self, path):
        return self.info(path)["size"]

    def modified(self, path):
        return datetime.datetime.fromtimestamp(self.info(path)["mtime"], tz=datetime.timezone.utc)

    def _open(self, path, mode="rb", block_size=None, autocommit=True, cache_options=None, **kwargs):
        path = self._strip_protocol(path)
        if not autocommit:
            raise NotImplementedError("artifactfs publishes a file when it is closed; transactions are not supported")
        if mode not in ("rb", "wb", "ab"):
            raise ValueError("invalid mode %r (use rb, wb or ab; fsspec adds text modes)" % (mode,))
        return fileio.open(path, mode, buffering=block_size or -1)

    def cat_file(self, path, start=None, end=None, **kwargs):
        path = self._strip_protocol(path)
        with fileio.open(path, "rb", buffering=0) as raw:
            if start is None and end is None:
                return raw.readall()
            size = None
            if (start or 0) < 0 or (end is not None and end < 0):
                size = raw.seek(0, 2)
            start = 0 if start is None else (max(0, size + start) if start < 0 else start)
            if end is None:
                end = raw.seek(0, 2) if size is None else size
            elif end < 0:
                end = size + end
            return raw.pread(max(0, end - start), start)

    def pipe_file(self, path, value, mode="overwrite", **kwargs):
        path = self._strip_protocol(path)
        if mode == "create" and fileio.exists(path):
            raise FileExistsError(path)
        with fileio.open(path, "wb") as out:
            out.write(value)

    def mkdir(self, path, create_parents=True, **kwargs):
        path = self._strip_protocol(path)
        (fileio.makedirs if create_parents else fileio.mkdir)(path)

    def makedirs(self, path, exist_ok=False):
        path = self._strip_protocol(path)
        if not exist_ok and fileio.exists(path):
            raise FileExistsError(17, "the path exists", path)
        fileio.makedirs(path)

    def rmdir(self, path):
        path = self._strip_protocol(path)
        if fileio.listdir(path):
            raise OSError(39, "directory not empty", path)
        fileio.rmtree(path)

    def _rm(self, path):
        path = self._strip_protocol(path)
        if fileio.isdir(path):
            fileio.rmtree(path)
        else:
            fileio.remove(path)

    def rm_file(self, path):
        fileio.remove(self._strip_protocol(path))

    def rm(self, path, recursive=False, maxdepth=None):
        paths = path if isinstance(path, (list, tuple)) else [path]
        for one in paths:
            one = self._strip_protocol(one)
            if fileio.isdir(one):
                if not recursive:
                    raise IsADirectoryError(21, "is a directory (pass recursive=True)", one)
                fileio.rmtree(one)
            else:
                fileio.remove(one)

    def cp_file(self, path1, path2, **kwargs):
        fileio.copy(self._strip_protocol(path1), self._strip_protocol(path2), overwrite=True)

    def mv(self, path1, path2, recursive=False, maxdepth=None, **kwargs):
        fileio.rename(self._strip_protocol(path1), self._strip_protocol(path2), overwrite=True)

    def glob(self, path, maxdepth=None, **kwargs):
        if maxdepth is not None or kwargs.get("detail"):
            return super().glob(path, maxdepth=maxdepth, **kwargs)
        return fileio.glob(self._strip_protocol(path))

    def created(self, path):
        return self.modified(path)
