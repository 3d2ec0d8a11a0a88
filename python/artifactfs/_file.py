"""The file object `fileio.open` returns: a raw file over a libArtifactFSC handle."""

import ctypes
import io
import os

from . import _library
from ._library import check, encode, lib

_MODES = {"r": "r", "rb": "r", "rt": "r", "w": "w", "wb": "w", "wt": "w", "a": "a", "ab": "a", "at": "a"}
#: Buffer of the io.Buffered* wrappers: large, so each foreign call moves a lot.
BUFFER_SIZE = 1 << 20


def _address(buffer, writable):
    """(ctypes pointer argument, keep-alive, byte count) for a bytes-like object, without copying
    where its memory can be addressed."""
    view = memoryview(buffer)
    if view.ndim != 1 or view.itemsize != 1:
        view = view.cast("B")
    count = view.nbytes
    if count == 0:
        return None, None, 0
    if not view.readonly:
        array = (ctypes.c_char * count).from_buffer(view)
        return array, array, count
    if writable:
        raise TypeError("readinto needs a writable buffer")
    obj = view.obj
    if isinstance(obj, bytes) and len(obj) == count and view.c_contiguous:
        return obj, obj, count
    data = view.tobytes()
    return data, data, count


class ArtifactFile(io.RawIOBase):
    """An open file of an artifact store, unbuffered (wrap it in io.BufferedReader/Writer).

    Reads, ``readinto`` and positional ``pread`` release the GIL for the duration of the I/O. A
    file opened for writing is published when ``close()`` succeeds (which garbage collection also
    calls, as for Python's own files); a failed publication makes ``close()`` raise.
    """

    def __init__(self, path, mode="rb"):
        super().__init__()
        if mode not in _MODES:
            raise ValueError("invalid mode %r (use r, rb, w, wb, a or ab, with t for text)" % (mode,))
        self.name = os.fsdecode(path)
        self.mode = _MODES[mode] + "b"
        _library.ensure_active()
        self._handle = -1
        self._handle = check(lib.artifactfs_open(encode(path), _MODES[mode].encode()), path)

    def readable(self):
        self._check_open()
        return self.mode == "rb"

    def writable(self):
        self._check_open()
        return self.mode != "rb"

    def seekable(self):
        self._check_open()
        return self.mode == "rb"

    def readinto(self, buffer):
        self._check_open()
        pointer, _keep, count = _address(buffer, writable=True)
        if count == 0:
            return 0
        return check(lib.artifactfs_read(self._handle, pointer, count), self.name)

    def pread(self, size, offset):
        """Up to ``size`` bytes at ``offset``, leaving the position alone; safe from many threads."""
        self._check_open()
        data = bytearray(size)
        got = self.preadinto(data, offset)
        del data[got:]
        return bytes(data)

    def preadinto(self, buffer, offset):
        """Fills ``buffer`` from ``offset`` (fewer bytes only at the end); returns the count."""
        self._check_open()
        pointer, _keep, count = _address(buffer, writable=True)
        if count == 0:
            return 0
        return check(lib.artifactfs_read_at(self._handle, pointer, count, offset), self.name)

    def readall(self):
        self._check_open()
        chunks = bytearray()
        chunk = bytearray(8 << 20)
        while True:
            got = self.readinto(chunk)
            if not got:
                return bytes(chunks)
            chunks += memoryview(chunk)[:got]

    def write(self, buffer):
        self._check_open()
        pointer, _keep, count = _address(buffer, writable=False)
        if count == 0:
            return 0
        return check(lib.artifactfs_write(self._handle, pointer, count), self.name)

    def seek(self, offset, whence=io.SEEK_SET):
        self._check_open()
        return check(lib.artifactfs_seek(self._handle, offset, whence), self.name)

    def tell(self):
        self._check_open()
        return check(lib.artifactfs_tell(self._handle), self.name)

    def close(self):
        if self.closed:
            return
        handle, self._handle = self._handle, -1
        try:
            if handle > 0:
                check(lib.artifactfs_close(handle), self.name)
        finally:
            super().close()

    def __del__(self):
        # RawIOBase.__del__ closes (publishing a write), as Python's own files do; a handle whose
        # open failed has nothing to close.
        if getattr(self, "_handle", -1) > 0:
            super().__del__()

    def _check_open(self):
        if self.closed:
            raise ValueError("I/O operation on closed file.")

    def __repr__(self):
        return "<artifactfs.ArtifactFile name=%r mode=%r>" % (self.name, self.mode)


def open_file(path, mode="r", buffering=-1, encoding=None, errors=None, newline=None):
    """A file object as Python's ``open`` gives: buffered binary for ``b`` modes, text otherwise."""
    if not isinstance(mode, str) or mode not in _MODES:
        raise ValueError("invalid mode %r (use r, rb, w, wb, a or ab, with t for text)" % (mode,))
    raw = ArtifactFile(path, mode)
    size = BUFFER_SIZE if buffering in (-1, None, 1) else buffering
    if buffering == 0:
        if "b" not in mode:
            raw.close()
            raise ValueError("can't have unbuffered text I/O")
        return raw
    buffered = io.BufferedReader(raw, size) if raw.mode == "rb" else io.BufferedWriter(raw, size)
    if "b" in mode:
        return buffered
    text = io.TextIOWrapper(buffered, encoding=encoding or "utf-8", errors=errors, newline=newline)
    text.mode = mode
    return text
