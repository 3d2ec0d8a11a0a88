"""The fsspec file system `artifactfs` on every store of the project."""

import fsspec
import pandas
import pytest

from artifactfs import fileio
from artifactfs.filesystem import ArtifactFileSystem


def url(path):
    """The artifactfs:// URL of an ArtifactFS path."""
    return ArtifactFileSystem().unstrip_protocol(path)


def test_registered_under_artifactfs(project):
    assert isinstance(fsspec.filesystem("artifactfs"), ArtifactFileSystem)
    assert fsspec.get_filesystem_class("artifactfs") is ArtifactFileSystem


def test_urls_and_plain_paths_name_the_same_file(root):
    fs = fsspec.filesystem("artifactfs")
    fs.pipe_file(root + "/x.bin", b"payload")
    assert fs.cat_file(url(root + "/x.bin")) == b"payload"
    assert fs.cat_file(root + "/x.bin") == b"payload"
    assert ArtifactFileSystem._strip_protocol(url(root + "/x.bin")) == root + "/x.bin"


def test_ls_info_cat_pipe(root):
    fs = fsspec.filesystem("artifactfs")
    fs.pipe({root + "/a.csv": b"1,2\n", root + "/sub/b.bin": b"bbbb"})
    listing = fs.ls(root, detail=True)
    assert [(e["name"], e["type"]) for e in listing] == [(root + "/a.csv", "file"), (root + "/sub", "directory")]
    assert listing[0]["size"] == 4
    assert fs.ls(root, detail=False) == [root + "/a.csv", root + "/sub"]
    assert fs.ls(root + "/a.csv") == [fs.info(root + "/a.csv")]
    info = fs.info(root + "/sub/b.bin")
    assert info["type"] == "file" and info["size"] == 4 and info["name"] == root + "/sub/b.bin"
    assert fs.info(root + "/sub")["type"] == "directory"
    assert fs.cat(root + "/sub/b.bin") == b"bbbb"
    assert fs.cat_file(root + "/a.csv", start=1, end=3) == b",2"
    assert fs.cat_file(root + "/a.csv", start=-2) == b"2\n"
    assert fs.exists(root + "/a.csv") and not fs.exists(root + "/nothing")
    assert fs.isdir(root + "/sub") and fs.isfile(root + "/a.csv") and not fs.isfile(root + "/sub")
    assert fs.size(root + "/a.csv") == 4
    with pytest.raises(FileNotFoundError):
        fs.info(root + "/nothing")
    with pytest.raises(FileNotFoundError):
        fs.cat_file(root + "/nothing")


def test_open_with_text_and_binary(root):
    fs = fsspec.filesystem("artifactfs")
    with fs.open(root + "/t.txt", "w") as f:
        f.write("line one\nline two\n")
    with fs.open(root + "/t.txt", "r") as f:
        assert f.read().splitlines() == ["line one", "line two"]
    with fs.open(root + "/t.txt", "rb") as f:
        f.seek(5)
        assert f.read(3) == b"one"
    with fsspec.open(url(root + "/via-open.bin"), "wb") as f:
        f.write(b"opened")
    with fsspec.open(url(root + "/via-open.bin"), "rb") as f:
        assert f.read() == b"opened"


def test_pandas_reads_and_writes_artifactfs_urls(root, project):
    frame = pandas.DataFrame({"x": [1, 2, 3], "y": [0.5, 1.5, 2.5]})
    frame.to_csv(url(root + "/frame.csv"), index=False)
    assert pandas.read_csv(url(root + "/frame.csv")).equals(frame)
    options = {"project": project.folder}
    assert pandas.read_csv(url(root + "/frame.csv"), storage_options=options).equals(frame)


def test_rm_mv_cp_mkdir_makedirs(root):
    fs = fsspec.filesystem("artifactfs")
    fs.pipe_file(root + "/one.bin", b"1")
    fs.cp_file(root + "/one.bin", root + "/two.bin")
    fs.mv(root + "/two.bin", root + "/three.bin")
    assert sorted(fileio.listdir(root)) == ["one.bin", "three.bin"]
    fs.cp_file(root + "/one.bin", root + "/three.bin")
    fs.makedirs(root + "/d/e", exist_ok=True)
    with pytest.raises(FileExistsError):
        fs.makedirs(root + "/d/e")
    fs.mkdir(root + "/f/g")
    assert fs.isdir(root + "/f/g")
    fs.pipe_file(root + "/d/e/x.bin", b"x")
    with pytest.raises(IsADirectoryError):
        fs.rm(root + "/d")
    fs.rm(root + "/d", recursive=True)
    fs.rm(root + "/three.bin")
    assert not fs.exists(root + "/d") and not fs.exists(root + "/three.bin")
    assert fs.glob(root + "/*.bin") == [root + "/one.bin"]
    found = fs.find(root)
    assert found == [root + "/one.bin"] or found == [root + "/f/g", root + "/one.bin"] or root + "/one.bin" in found
