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


_new_bytes = ctypes.pythonapi.PyBytes_FromStringAndSize
_new_bytes.restype = ctypes.py_object
_new_bytes.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t]
_bytes_address = ctypes.pythonapi.PyBytes_AsString
_bytes_address.restype = ctypes.c_void_p
_bytes_address.argtypes = [ctypes.py_object]


def _fill_new_bytes(count, fill):
    """A new ``bytes`` of up to ``count`` (> 1) bytes that ``fill(address, room)`` writes into in
    place (returning how many it wrote, 0 at the end), so a read costs no copy: the C API's
    ``PyBytes_FromStringAndSize(NULL, n)`` makes an object nobody else holds until it is returned
    (0- and 1-byte objects are shared singletons, hence ``count > 1``)."""
    data = _new_bytes(None, count)
    address = _bytes_address(data)
    filled = 0
    while filled < count:
        got = fill(address + filled, count - filled)
        if not got:
            break
        filled += got
    return data if filled == count else data[:filled]


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

    def read(self, size=-1):
        """Up to ``size`` bytes (all that is left when ``size`` is negative), read straight into
        the returned ``bytes``."""
        self._check_open()
        if size is None or size < 0:
            return self.readall()
        if size <= 1:
            return super().read(size)
        return _fill_new_bytes(size, self._read_into_address)

    def readall(self):
        """The rest of the file in one allocation sized from the file's length, then any bytes
        that appeared after it."""
        self._check_open()
        position = self.tell()
        end = self.seek(0, io.SEEK_END)
        self.seek(position)
        parts = [_fill_new_bytes(end - position, self._read_into_address)] if end - position > 1 else []
        while True:
            chunk = _fill_new_bytes(1 << 20, self._read_into_address)
            if not chunk:
                return b"".join(parts) if len(parts) != 1 else parts[0]
            parts.append(chunk)

    def _read_into_address(self, address, room):
        """One read of up to ``room`` bytes to ``address``; 0 at the end of the file."""
        return check(lib.artifactfs_read(self._handle, address, room), self.name)

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
