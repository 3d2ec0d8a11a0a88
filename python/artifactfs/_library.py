"""Finding, loading and calling libArtifactFSC (the C API of Sources/ArtifactFSC/include/artifactfs.h).

The library is looked for, in order:
1. ``ARTIFACTFS_LIBRARY``: the path of the library file itself;
2. the ArtifactFS repository's build output, ``.build/release`` and ``.build/debug`` (the newer
   wins), where the repository is ``ARTIFACTFS_REPO``, or a folder above the working directory or
   above this package that holds the ArtifactFS ``Package.swift``;
3. next to the ``artifactfs`` command found on the ``PATH`` (``swift build`` puts both in one folder);
4. else, when a repository was found, it is built there with ``swift build --product ArtifactFSC``.
Otherwise importing fails with :class:`LibraryNotFoundError` naming every place looked at.
"""

import ctypes
import os
import shutil
import subprocess
import sys
import threading

API_VERSION = 1
LIBRARY_NAME = "libArtifactFSC.dylib" if sys.platform == "darwin" else "libArtifactFSC.so"


class LibraryNotFoundError(ImportError):
    """libArtifactFSC could not be found, built or loaded; the message says where it was looked for."""


def _is_repository(folder):
    try:
        with open(os.path.join(folder, "Package.swift"), encoding="utf-8") as manifest:
            text = manifest.read()
    except OSError:
        return False
    return 'name: "ArtifactFS"' in text and '"ArtifactFSC"' in text


def _repositories():
    """Candidate repository folders, nearest first, each once."""
    seen = []
    explicit = os.environ.get("ARTIFACTFS_REPO")
    starts = ([explicit] if explicit else []) + [os.getcwd(), os.path.dirname(os.path.abspath(__file__))]
    for start in starts:
        folder = os.path.abspath(start)
        while True:
            if folder not in seen and _is_repository(folder):
                seen.append(folder)
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
    return seen


def find_library(build=True):
    """The path of libArtifactFSC, building it in a found repository when nothing is built yet.

    Raises :class:`LibraryNotFoundError` naming every place it looked at.
    """
    looked = []
    explicit = os.environ.get("ARTIFACTFS_LIBRARY")
    if explicit:
        if os.path.isfile(explicit):
            return explicit
        raise LibraryNotFoundError(
            "ARTIFACTFS_LIBRARY is set to %r, which is not a file (build it with `swift build --product ArtifactFSC`)"
            % explicit
        )
    repositories = _repositories()
    for repository in repositories:
        candidates = [os.path.join(repository, ".build", c, LIBRARY_NAME) for c in ("release", "debug")]
        looked += candidates
        built = [c for c in candidates if os.path.isfile(c)]
        if built:
            return max(built, key=os.path.getmtime)
    command = shutil.which("artifactfs")
    if command:
        candidate = os.path.join(os.path.dirname(os.path.realpath(command)), LIBRARY_NAME)
        looked.append(candidate)
        if os.path.isfile(candidate):
            return candidate
    else:
        looked.append("next to `artifactfs` on the PATH (not found)")
    if build and repositories and shutil.which("swift"):
        repository = repositories[0]
        configuration = os.environ.get("ARTIFACTFS_BUILD_CONFIGURATION", "debug")
        arguments = ["swift", "build", "-c", configuration, "--product", "ArtifactFSC"]
        result = subprocess.run(arguments, cwd=repository, capture_output=True, text=True)
        if result.returncode != 0:
            raise LibraryNotFoundError(
                "building libArtifactFSC with `%s` in %s failed:\n%s"
                % (" ".join(arguments), repository, (result.stderr or result.stdout)[-4000:])
            )
        return find_library(build=False)
    raise LibraryNotFoundError(
        "libArtifactFSC (%s) was not found; looked at: ARTIFACTFS_LIBRARY (unset), %s; and no ArtifactFS "
        "repository (ARTIFACTFS_REPO, or a folder above the working directory holding its Package.swift) to "
        "build it in with `swift build --product ArtifactFSC`. Set ARTIFACTFS_LIBRARY to the library's path."
        % (LIBRARY_NAME, ", ".join(looked) or "no build folders")
    )


def _declare(lib):
    c_char_p, c_int32, c_int64, c_void_p = ctypes.c_char_p, ctypes.c_int32, ctypes.c_int64, ctypes.c_void_p
    block_out = [ctypes.POINTER(c_void_p), ctypes.POINTER(ctypes.c_size_t)]
    signatures = {
        "artifactfs_api_version": (c_int32, []),
        "artifactfs_activate": (c_int32, [c_char_p]),
        "artifactfs_open": (c_int64, [c_char_p, c_char_p]),
        "artifactfs_read": (c_int64, [c_int64, c_void_p, c_int64]),
        "artifactfs_read_at": (c_int64, [c_int64, c_void_p, c_int64, ctypes.c_uint64]),
        "artifactfs_write": (c_int64, [c_int64, c_void_p, c_int64]),
        "artifactfs_seek": (c_int64, [c_int64, c_int64, c_int32]),
        "artifactfs_tell": (c_int64, [c_int64]),
        "artifactfs_close": (c_int32, [c_int64]),
        "artifactfs_copy": (c_int32, [c_char_p, c_char_p, c_int32]),
        "artifactfs_rename": (c_int32, [c_char_p, c_char_p, c_int32]),
        "artifactfs_remove": (c_int32, [c_char_p]),
        "artifactfs_rmtree": (c_int32, [c_char_p]),
        "artifactfs_mkdir": (c_int32, [c_char_p]),
        "artifactfs_makedirs": (c_int32, [c_char_p]),
        "artifactfs_exists": (c_int32, [c_char_p]),
        "artifactfs_isdir": (c_int32, [c_char_p]),
        "artifactfs_stat": (
            c_int32,
            [c_char_p, ctypes.POINTER(c_int32), ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_double)],
        ),
        "artifactfs_size": (c_int64, [c_char_p]),
        "artifactfs_listdir": (c_int32, [c_char_p] + block_out),
        "artifactfs_glob": (c_int32, [c_char_p] + block_out),
        "artifactfs_scandir": (c_int32, [c_char_p] + block_out),
        "artifactfs_walk": (c_int32, [c_char_p, c_int32, c_int32] + block_out),
        "artifactfs_free": (None, [c_void_p]),
        "artifactfs_last_error_code": (c_int32, []),
        "artifactfs_last_error_errno": (c_int32, []),
        "artifactfs_last_error_name": (c_char_p, []),
        "artifactfs_last_error_message": (c_char_p, []),
        "artifactfs_last_error_path": (c_char_p, []),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes


def _load():
    path = find_library()
    try:
        # CDLL (not PyDLL): the GIL is released for every call, so threads do I/O in parallel.
        lib = ctypes.CDLL(path)
    except OSError as error:
        raise LibraryNotFoundError("cannot load libArtifactFSC at %s: %s" % (path, error)) from error
    _declare(lib)
    version = lib.artifactfs_api_version()
    if version != API_VERSION:
        raise LibraryNotFoundError(
            "libArtifactFSC at %s has C API version %d; this package needs %d (rebuild the library or "
            "reinstall the package from the same checkout)" % (path, version, API_VERSION)
        )
    lib.path = path
    return lib


lib = _load()
path = lib.path


def encode(path):
    """A path argument (str, bytes or os.PathLike) as the C API's UTF-8 bytes."""
    path = os.fspath(path)
    return path if isinstance(path, bytes) else path.encode("utf-8", "surrogateescape")


def last_error(path=None):
    """This thread's last failure as the matching OSError subclass (FileNotFoundError, ...)."""
    number = lib.artifactfs_last_error_errno() or 5
    message = (lib.artifactfs_last_error_message() or b"").decode("utf-8", "replace")
    about = (lib.artifactfs_last_error_path() or b"").decode("utf-8", "replace") or (
        os.fsdecode(path) if path is not None else None
    )
    if about and message.startswith(about + ": "):
        message = message[len(about) + 2 :]
    error = OSError(number, message, about) if about else OSError(number, message)
    error.artifactfs_code = (lib.artifactfs_last_error_name() or b"").decode()
    return error


def check(result, path=None):
    """`result`, or raises this thread's last failure when it is -1."""
    if result == -1:
        raise last_error(path)
    return result


def take_block(call, *arguments, path=None):
    """Calls a function returning a library-allocated block; returns its bytes (freed)."""
    pointer = ctypes.c_void_p()
    length = ctypes.c_size_t()
    check(call(*arguments, ctypes.byref(pointer), ctypes.byref(length)), path)
    try:
        return ctypes.string_at(pointer, length.value) if length.value else b""
    finally:
        lib.artifactfs_free(pointer)


_activation = threading.Lock()
_activated = False


def activate(project=None):
    """Opens a project's metadata store and routes every later call through its components.

    ``project`` is a folder holding ``.artifactfs/`` (where ``artifactfs init`` ran) or a config
    folder; None finds it as ``artifactfs`` does (``ARTIFACTFS_CONFIG_DIR``, the nearest
    ``.artifactfs/`` above the working directory, then ``~/.config/artifactfs``). The first call of
    any other function activates with None unless this ran first.
    """
    global _activated
    with _activation:
        check(lib.artifactfs_activate(None if project is None else encode(project)), project)
        _activated = True


def ensure_active():
    """Activates the default project once, before the first call that needs routing."""
    if not _activated:
        with _activation:
            if not _activated:
                _activate_default()


def _activate_default():
    global _activated
    check(lib.artifactfs_activate(None))
    _activated = True
