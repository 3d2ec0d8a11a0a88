"""artifactfs.fileio on every store of the project: local, memory, s3 (SeaweedFS), gcp (fake-gcs-server)."""

import errno
import io
import pickle
import stat
import threading

import numpy
import pandas
import pytest

from artifactfs import fileio


def write(path, data):
    with fileio.open(path, "wb") as f:
        f.write(data)


def test_text_and_binary_round_trip(root):
    with fileio.open(root + "/notes.txt", "w") as f:
        assert isinstance(f, io.TextIOWrapper)
        f.write("héllo\nworld\n")
    with fileio.open(root + "/notes.txt") as f:
        assert f.readlines() == ["héllo\n", "world\n"]
    write(root + "/blob.bin", bytes(range(256)) * 10)
    with fileio.open(root + "/blob.bin", "rb") as f:
        assert isinstance(f, io.BufferedReader)
        assert f.read(3) == b"\x00\x01\x02"
        f.seek(256)
        assert f.tell() == 256
        assert f.read(2) == b"\x00\x01"
        f.seek(-1, io.SEEK_END)
        assert f.read() == b"\xff"
        assert f.raw.pread(4, 1) == b"\x01\x02\x03\x04"


def test_a_written_file_appears_only_when_closed(root):
    f = fileio.open(root + "/late.bin", "wb")
    f.write(b"x" * 1000)
    f.flush()
    assert not fileio.exists(root + "/late.bin")
    f.close()
    assert fileio.size(root + "/late.bin") == 1000


def test_listdir_exists_isdir_stat_size(root):
    write(root + "/a.bin", b"12345")
    fileio.makedirs(root + "/sub/deeper")
    write(root + "/sub/b.bin", b"xyz")
    assert fileio.listdir(root) == ["a.bin", "sub"]
    assert fileio.exists(root + "/a.bin") and fileio.exists(root + "/sub")
    assert not fileio.exists(root + "/missing")
    assert fileio.isdir(root + "/sub") and not fileio.isdir(root + "/a.bin")
    info = fileio.stat(root + "/a.bin")
    assert stat.S_ISREG(info.st_mode) and info.st_size == 5 and info.st_mtime > 1.6e9
    assert stat.S_ISDIR(fileio.stat(root + "/sub").st_mode)
    assert fileio.size(root + "/a.bin") == 5
    assert fileio.size(root) == 8


def test_copy_rename_remove_rmtree(root):
    write(root + "/src.bin", b"source")
    write(root + "/other.bin", b"other")
    fileio.copy(root + "/src.bin", root + "/copy.bin")
    with fileio.open(root + "/copy.bin", "rb") as f:
        assert f.read() == b"source"
    with pytest.raises(FileExistsError):
        fileio.copy(root + "/src.bin", root + "/other.bin")
    fileio.copy(root + "/src.bin", root + "/other.bin", overwrite=True)
    fileio.rename(root + "/copy.bin", root + "/moved.bin")
    assert not fileio.exists(root + "/copy.bin")
    with pytest.raises(FileExistsError):
        fileio.rename(root + "/moved.bin", root + "/src.bin")
    fileio.remove(root + "/moved.bin")
    assert sorted(fileio.listdir(root)) == ["other.bin", "src.bin"]
    fileio.makedirs(root + "/tree/a/b")
    write(root + "/tree/a/b/c.bin", b"c")
    fileio.rmtree(root + "/tree")
    assert not fileio.exists(root + "/tree")


def test_cross_store_copy(root, project):
    write(root + "/x.bin", b"across")
    target = "memory://scratch/cross-" + root.rsplit("/", 1)[-1]
    fileio.copy(root + "/x.bin", target)
    with fileio.open(target, "rb") as f:
        assert f.read() == b"across"


def test_mkdir_needs_its_parent(root):
    with pytest.raises(FileNotFoundError):
        fileio.mkdir(root + "/no/such/parent")
    fileio.mkdir(root + "/one")
    assert fileio.isdir(root + "/one")


def test_glob_and_walk(root):
    for name in ["a/1.csv", "a/2.txt", "a/b/3.csv", "c/4.csv"]:
        write(root + "/" + name, b"x")
    assert fileio.glob(root + "/a/*.csv") == [root + "/a/1.csv"]
    assert fileio.glob(root + "/**/*.csv") == [root + "/a/1.csv", root + "/a/b/3.csv", root + "/c/4.csv"]
    walked = list(fileio.walk(root))
    assert walked == [
        (root, ["a", "c"], []),
        (root + "/a", ["b"], ["1.csv", "2.txt"]),
        (root + "/a/b", [], ["3.csv"]),
        (root + "/c", [], ["4.csv"]),
    ]
    assert [d for d, _, _ in fileio.walk(root, topdown=False)] == [root + "/a/b", root + "/a", root + "/c", root]
    pruned = []
    for directory, subdirs, _ in fileio.walk(root):
        pruned.append(directory)
        if directory == root:
            subdirs.remove("a")
    assert pruned == [root, root + "/c"]


def test_errors_are_the_matching_exceptions(root):
    write(root + "/file.bin", b"f")
    with pytest.raises(FileNotFoundError) as missing:
        fileio.open(root + "/absent.bin", "rb")
    assert missing.value.errno == errno.ENOENT and missing.value.filename.endswith("absent.bin")
    with pytest.raises(FileNotFoundError):
        fileio.listdir(root + "/absent")
    with pytest.raises(FileNotFoundError):
        fileio.stat(root + "/absent")
    with pytest.raises(NotADirectoryError):
        fileio.listdir(root + "/file.bin")
    with pytest.raises(IsADirectoryError):
        fileio.open(root, "rb")
    with pytest.raises(OSError) as scheme:
        fileio.open("nosuchscheme://x/y", "rb")
    assert scheme.value.errno == errno.EPROTONOSUPPORT
    with pytest.raises(ValueError):
        fileio.open(root + "/file.bin", "r+")


def test_permission_denied_is_permission_error(project):
    # The `denied` component's secret is wrong: the server answers 403.
    with pytest.raises(PermissionError) as denied:
        fileio.listdir("s3://pybucket/denied")
    assert denied.value.errno == errno.EACCES
    assert "not-the-secret" not in str(denied.value)
    with pytest.raises(PermissionError):
        with fileio.open("s3://pybucket/denied/x.bin", "rb") as f:
            f.read()


def test_numpy_pickle_and_pandas(root):
    array = numpy.arange(100_000, dtype=numpy.float64).reshape(1000, 100)
    with fileio.open(root + "/array.npy", "wb") as f:
        numpy.save(f, array)
    with fileio.open(root + "/array.npy", "rb") as f:
        assert numpy.array_equal(numpy.load(f), array)
    value = {"weights": list(range(1000)), "name": "model"}
    with fileio.open(root + "/model.pkl", "wb") as f:
        pickle.dump(value, f)
    with fileio.open(root + "/model.pkl", "rb") as f:
        assert pickle.load(f) == value
    frame = pandas.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    with fileio.open(root + "/frame.csv", "w") as f:
        frame.to_csv(f, index=False)
    with fileio.open(root + "/frame.csv", "rb") as f:
        assert pandas.read_csv(f).equals(frame)
    with fileio.open(root + "/frame.csv", "r") as f:
        assert pandas.read_csv(f).equals(frame)


def test_threads_read_one_file_in_parallel(root):
    block = 1 << 20
    data = bytes(numpy.random.default_rng(7).integers(0, 256, 8 * block, dtype=numpy.uint8))
    write(root + "/big.bin", data)
    results = {}
    with fileio.open(root + "/big.bin", "rb", buffering=0) as raw:

        def read(index):
            results[index] = raw.pread(block, index * block)

        threads = [threading.Thread(target=read, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert b"".join(results[i] for i in range(8)) == data

    def read_whole(index):
        with fileio.open(root + "/big.bin", "rb") as f:
            results[index] = f.read()

    threads = [threading.Thread(target=read_whole, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(results[i] == data for i in range(4))


def test_walk_of_a_missing_top_fails(root):
    with pytest.raises(FileNotFoundError):
        list(fileio.walk(root + "/absent"))


def test_many_threads_open_read_and_close_at_once(root):
    for i in range(8):
        write("%s/f%d.bin" % (root, i), bytes([i]) * (10_000 + i))
    failures = []

    def worker(seed):
        try:
            for round_ in range(10):
                i = (seed + round_) % 8
                with fileio.open("%s/f%d.bin" % (root, i), "rb") as f:
                    if f.read() != bytes([i]) * (10_000 + i):
                        failures.append((seed, i))
                with fileio.open("%s/out-%d-%d.bin" % (root, seed, round_), "wb") as f:
                    f.write(b"o" * round_)
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(fileio.glob(root + "/out-*.bin")) == 120
