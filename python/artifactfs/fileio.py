"""The reference framework's ``fileio`` over ArtifactFS: the same function names and semantics,
every path routed to the project's artifact-store components (``s3://``, ``gs://``, ``az://``,
``memory://``, plain paths, plugin schemes) exactly as the ``artifactfs`` command routes them.

Errors are ``FileNotFoundError``, ``FileExistsError``, ``IsADirectoryError``,
``NotADirectoryError``, ``PermissionError`` or ``OSError`` with the errno, the message and the path.
"""

import json
import os
import stat as _stat

from . import _library
from ._file import open_file
from ._library import check, encode, lib, take_block

__all__ = [
    "open",
    "copy",
    "exists",
    "glob",
    "isdir",
    "listdir",
    "makedirs",
    "mkdir",
    "remove",
    "rename",
    "rmtree",
    "stat",
    "size",
    "walk",
    "scandir",
]


def _call(function, *paths, extra=()):
    _library.ensure_active()
    return check(function(*[encode(p) for p in paths], *extra), paths[0] if paths else None)


def open(path, mode="r", buffering=-1, encoding=None, errors=None, newline=None):  # noqa: A001
    """Opens a file: ``rb``/``wb``/``ab`` give a buffered binary file, ``r``/``w``/``a`` a text file
    (UTF-8 unless ``encoding`` says otherwise). A file opened for writing appears, complete, when
    it is closed."""
    return open_file(path, mode, buffering, encoding, errors, newline)


def copy(src, dst, overwrite=False):
    """Copies a file, within a store or across stores; ``FileExistsError`` when ``dst`` exists and
    ``overwrite`` is false."""
    _call(lib.artifactfs_copy, src, dst, extra=(1 if overwrite else 0,))


copyfile = copy


def exists(path):
    """True when something exists at ``path``."""
    return _call(lib.artifactfs_exists, path) == 1


def glob(pattern):
    """The paths matching a pattern with ``*``, ``?``, ``[...]`` and ``**``, sorted."""
    _library.ensure_active()
    return _names(take_block(lib.artifactfs_glob, encode(pattern), path=pattern))


def isdir(path):
    """True when ``path`` is a directory."""
    return _call(lib.artifactfs_isdir, path) == 1


def listdir(path):
    """The base names in a directory, sorted; ``FileNotFoundError`` for a missing one."""
    _library.ensure_active()
    return _names(take_block(lib.artifactfs_listdir, encode(path), path=path))


def scandir(path):
    """The entries of a directory from one listing: dicts with ``name``, ``kind`` (``file``,
    ``directory``, ``symlink``, ``other``) and, where the listing has them, ``size`` and ``mtime``."""
    _library.ensure_active()
    return json.loads(take_block(lib.artifactfs_scandir, encode(path), path=path))


def makedirs(path):
    """Creates a directory and its missing parents; an existing directory is fine."""
    _call(lib.artifactfs_makedirs, path)


def mkdir(path):
    """Creates one directory; its parent must exist."""
    _call(lib.artifactfs_mkdir, path)


def remove(path):
    """Removes a file."""
    _call(lib.artifactfs_remove, path)


def rename(src, dst, overwrite=False):
    """Moves a file or directory, within or across stores; ``FileExistsError`` when ``dst`` exists
    and ``overwrite`` is false."""
    _call(lib.artifactfs_rename, src, dst, extra=(1 if overwrite else 0,))


def rmtree(path):
    """Removes a directory and everything below it."""
    _call(lib.artifactfs_rmtree, path)


_KIND_MODES = {0: _stat.S_IFREG | 0o644, 1: _stat.S_IFDIR | 0o755, 2: _stat.S_IFLNK | 0o777, 3: 0o644}


def stat(path):
    """An ``os.stat_result`` for ``path``: ``st_mode`` says file or directory, ``st_size``, and
    ``st_mtime`` (0 where the store keeps no time)."""
    _library.ensure_active()
    kind = _library.ctypes.c_int32()
    size_ = _library.ctypes.c_uint64()
    mtime = _library.ctypes.c_double()
    check(
        lib.artifactfs_stat(
            encode(path), _library.ctypes.byref(kind), _library.ctypes.byref(size_), _library.ctypes.byref(mtime)
        ),
        path,
    )
    when = 0.0 if mtime.value != mtime.value else mtime.value
    return os.stat_result((_KIND_MODES[kind.value], 0, 0, 1, 0, 0, size_.value, when, when, when))


def size(path):
    """The size of a file, or the sum of the sizes of the files below a directory."""
    return _call(lib.artifactfs_size, path)


def walk(top, topdown=True, onerror=None):
    """Yields ``(dirpath, dirnames, filenames)`` for ``top`` and every directory below it, as
    ``os.walk`` does: top-down, removing names from ``dirnames`` prunes the walk; errors below
    ``top`` go to ``onerror`` (an ``OSError``) when given, else raise. ``top`` must be a directory.

    The tree is listed in one library call (object stores: one listing of the whole prefix),
    then yielded."""
    _library.ensure_active()
    document = json.loads(
        take_block(lib.artifactfs_walk, encode(top), 1 if topdown else 0, 1 if onerror else 0, path=top)
    )
    for failure in document["errors"]:
        onerror(OSError(failure["errno"], failure["message"], failure["path"] or None))
    if not topdown:
        for dirpath, dirnames, filenames in document["entries"]:
            yield dirpath, dirnames, filenames
        return
    allowed = None
    for dirpath, dirnames, filenames in document["entries"]:
        key = dirpath.rstrip("/") or dirpath
        if allowed is not None and key not in allowed:
            continue
        if allowed is None:
            allowed = set()
        yield dirpath, dirnames, filenames
        for name in dirnames:
            child = dirpath + name if dirpath.endswith("/") else dirpath + "/" + name
            allowed.add(child.rstrip("/") or child)


def _names(block):
    return [name.decode("utf-8", "surrogateescape") for name in block.split(b"\0")[:-1]]
