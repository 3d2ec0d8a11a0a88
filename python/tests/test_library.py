"""The package as users meet it: a fresh `python -c` in the project, finding the library, the C header."""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import artifactfs
from artifactfs import fileio

from conftest import REPO, S3_BUCKET


def test_listdir_of_a_bucket_goes_through_the_registered_component(project, python_env):
    with fileio.open("s3://%s/store/listed/model.bin" % S3_BUCKET, "wb") as f:
        f.write(b"m")
    # No AWS_* variables at all: the endpoint and the keys are the project's component's.
    assert not any(k.startswith("AWS_") for k in python_env)
    result = subprocess.run(
        [sys.executable, "-c", "from artifactfs import fileio; print(fileio.listdir('s3://%s/'))" % S3_BUCKET],
        cwd=project.folder,
        env=python_env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['store']"
    # The bytes are in the bucket itself.
    from conftest import s3_curl

    fetched = s3_curl(project.seaweedfs + "/%s/store/listed/model.bin" % S3_BUCKET)
    assert fetched.returncode == 0 and fetched.stdout == b"m"


def test_outside_the_project_the_bucket_is_not_reachable(project, python_env, tmp_path):
    env = dict(python_env, ARTIFACTFS_CONFIG_DIR=str(tmp_path / "other-config"))
    result = subprocess.run(
        [sys.executable, "-c", "from artifactfs import fileio; fileio.listdir('s3://%s/')" % S3_BUCKET],
        cwd=str(tmp_path),
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0


def test_a_missing_library_is_named(python_env, tmp_path):
    env = dict(python_env, ARTIFACTFS_LIBRARY=str(tmp_path / "nope.so"))
    result = subprocess.run(
        [sys.executable, "-c", "import artifactfs.fileio"], cwd=str(tmp_path), env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "ARTIFACTFS_LIBRARY" in result.stderr and "nope.so" in result.stderr
    env = {k: v for k, v in python_env.items() if k not in ("ARTIFACTFS_LIBRARY", "ARTIFACTFS_REPO")}
    env["PATH"] = "/usr/bin:/bin"
    result = subprocess.run(
        [sys.executable, "-c", "import artifactfs.fileio"], cwd=str(tmp_path), env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "libArtifactFSC" in result.stderr and "ARTIFACTFS_LIBRARY" in result.stderr


def test_the_library_is_found_next_to_the_repositorys_build(python_env):
    env = {k: v for k, v in python_env.items() if k != "ARTIFACTFS_LIBRARY"}
    result = subprocess.run(
        [sys.executable, "-c", "import artifactfs; print(artifactfs.library_path)"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    found = result.stdout.strip()
    assert found.startswith(os.path.join(REPO, ".build")) and found.endswith("libArtifactFSC.so")


def test_the_gil_is_released_during_io(project, python_env, tmp_path):
    # Opening a FIFO blocks inside the library until a writer comes; the writer is a Python thread
    # that first sleeps, so it needs the GIL back while the open is blocked: it gets it only if the
    # foreign call released it (else the process deadlocks and the timeout fails the test).
    fifo = str(tmp_path / "pipe")
    os.mkfifo(fifo)
    snippet = textwrap.dedent("""
        import sys, threading, time
        from artifactfs import fileio
        def writer():
            time.sleep(0.5)
            with open(sys.argv[1], "wb") as f:
                f.write(b"x")
        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        with fileio.open(sys.argv[1], "rb", buffering=0):
            thread.join(10)
            print("alive" if thread.is_alive() else "done")
    """)
    result = subprocess.run(
        [sys.executable, "-c", snippet, fifo], cwd=project.folder, env=python_env, capture_output=True, text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"


def test_the_c_header_matches_the_library(tmp_path, project):
    if not shutil.which("gcc"):
        pytest.skip("no gcc")
    source = tmp_path / "check.c"
    source.write_text(textwrap.dedent(r"""
        #include <stdio.h>
        #include <string.h>
        #include "artifactfs.h"
        int main(int argc, char **argv) {
            if (artifactfs_api_version() != ARTIFACTFS_API_VERSION) return 2;
            if (artifactfs_activate(argv[1]) != 0) return 3;
            int64_t h = artifactfs_open("memory://scratch/c/x.txt", "w");
            if (h <= 0 || artifactfs_write(h, "hello", 5) != 5 || artifactfs_close(h) != 0) return 4;
            char buffer[16] = {0};
            h = artifactfs_open("memory://scratch/c/x.txt", "r");
            if (artifactfs_read_at(h, buffer, 16, 1) != 4 || strcmp(buffer, "ello") != 0) return 5;
            artifactfs_close(h);
            char *names = NULL; size_t length = 0;
            if (artifactfs_listdir("memory://scratch/c", &names, &length) != 0 || length != 6) return 6;
            artifactfs_free(names);
            int32_t kind = -1; uint64_t size = 0; double mtime = 0;
            if (artifactfs_stat("memory://scratch/c/x.txt", &kind, &size, &mtime) != 0) return 7;
            if (kind != ARTIFACTFS_KIND_FILE || size != 5) return 8;
            if (artifactfs_open("memory://scratch/c/none", "r") != -1) return 9;
            if (artifactfs_last_error_code() != ARTIFACTFS_ERR_NOT_FOUND || artifactfs_last_error_errno() != 2) return 10;
            if (artifactfs_close(12345) != -1 || artifactfs_last_error_code() != ARTIFACTFS_ERR_INVALID_ARGUMENT) return 11;
            printf("%s\n", artifactfs_last_error_message());
            return 0;
        }
    """))
    library = artifactfs.library_path
    binary = tmp_path / "check"
    subprocess.run(
        ["gcc", "-I", os.path.join(REPO, "Sources", "ArtifactFSC", "include"), str(source), "-o", str(binary),
         "-L", os.path.dirname(library), "-lArtifactFSC", "-Wl,-rpath," + os.path.dirname(library)],
        check=True,
    )
    result = subprocess.run([str(binary), project.folder], capture_output=True, text=True)
    assert result.returncode == 0, (result.returncode, result.stderr)
    assert "12345" in result.stdout
