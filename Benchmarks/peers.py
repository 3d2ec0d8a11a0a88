"""The benchmark workloads of `artifactfs-bench`, run through the Python libraries a user would
pick instead: fsspec (local), s3fs, boto3 and the reference framework's own `fileio` (zenml).

Same files, same bytes (the pattern of Sources/artifactfs-bench/ContentPattern.swift), same
random offsets, one JSON line per workload, so `Benchmarks/bench.py` puts them side by side.
Usage: python peers.py BACKEND ROOT [--size N] [--files N] [--file-size N] [--random-reads N]
       [--workloads a,b] [--verify] [--drop-caches]; BACKEND is fsspec-local, zenml, s3fs, boto3 or artifactfs
(the S3 ones read AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_ENDPOINT_URL).
"""
import argparse
import fnmatch
import io
import json
import os
import sys
import time

import numpy as np

BLOCK = 1 << 20
MASK = (1 << 64) - 1


def splitmix64(index):
    z = (index + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def base_block():
    with np.errstate(over="ignore"):
        z = np.arange(BLOCK // 8, dtype=np.uint64) + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


class Pattern:
    """Blocks of the shared pattern, stamped with their number in the first 8 bytes."""

    def __init__(self):
        self.words = base_block()
        self.plain = self.words.tobytes()

    def stamped(self, stamp):
        self.words[0] = np.uint64(stamp)
        return memoryview(self.words).cast("B")

    def expected(self, offset, length, stamp=None):
        out = bytearray()
        while len(out) < length:
            absolute = offset + len(out)
            in_block = absolute % BLOCK
            take = min(BLOCK - in_block, length - len(out))
            block = bytearray(self.plain[in_block:in_block + take])
            number = stamp if stamp is not None else absolute // BLOCK
            stamp_bytes = number.to_bytes(8, "little")
            for i in range(max(0, min(8 - in_block, take))):
                block[i] = stamp_bytes[in_block + i]
            out += block
        return bytes(out)


class PatternReader(io.RawIOBase):
    """A file-like source of `size` pattern bytes, for upload APIs that pull from a file."""

    def __init__(self, pattern, size):
        self.pattern, self.size, self.position = pattern, size, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.position >= self.size:
            return 0
        block, in_block = divmod(self.position, BLOCK)
        take = min(len(buffer), BLOCK - in_block, self.size - self.position)
        buffer[:take] = self.pattern.stamped(block)[in_block:in_block + take]
        self.position += take
        return take


def random_offsets(block_size, size, count):
    state, slots = block_size, max(1, size // block_size)
    for _ in range(count):
        state += 1
        yield splitmix64(state) % slots * block_size


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def drop_caches():
    """Writes dirty pages, lets the (virtual) disk settle, drops clean pages: reads start cold."""
    os.sync()
    time.sleep(1)
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3")
    except OSError:
        pass


class FsspecBackend:
    """Any fsspec file system: local, s3fs, or the reference framework's fileio (same calls)."""

    def __init__(self, fs):
        self.fs = fs

    def write(self, path, chunks):
        with self.fs.open(path, "wb") as f:
            for chunk in chunks:
                f.write(chunk)

    def open_read(self, path):
        return self.fs.open(path, "rb")

    def read_at(self, handle, offset, length):
        handle.seek(offset)
        return handle.read(length)

    def read_all(self, path):
        with self.fs.open(path, "rb") as f:
            return f.read()

    def makedirs(self, path):
        self.fs.makedirs(path, exist_ok=True)

    def listdir(self, path):
        return self.fs.ls(path, detail=False)

    def walk_files(self, path):
        return sum(len(files) for _, _, files in self.fs.walk(path))

    def glob(self, pattern):
        return self.fs.glob(pattern)

    def copy(self, source, destination):
        self.fs.copy(source, destination)

    def remove_tree(self, path):
        if self.fs.exists(path):
            self.fs.rm(path, recursive=True)


class ArtifactFSBackend:
    """The `artifactfs` Python package: `artifactfs.fileio` in-process over libArtifactFSC (ctypes)."""

    def __init__(self):
        from artifactfs import fileio

        self.fileio = fileio

    def write(self, path, chunks):
        with self.fileio.open(path, "wb") as f:
            for chunk in chunks:
                f.write(chunk)

    def open_read(self, path):
        return self.fileio.open(path, "rb", buffering=0)

    def read_at(self, handle, offset, length):
        return handle.pread(length, offset)

    def read_all(self, path):
        with self.fileio.open(path, "rb", buffering=0) as f:
            return f.readall()

    def makedirs(self, path):
        self.fileio.makedirs(path)

    def listdir(self, path):
        return self.fileio.listdir(path)

    def walk_files(self, path):
        return sum(len(files) for _, _, files in self.fileio.walk(path))

    def glob(self, pattern):
        return self.fileio.glob(pattern)

    def copy(self, source, destination):
        self.fileio.copy(source, destination, overwrite=True)

    def remove_tree(self, path):
        if self.fileio.exists(path):
            self.fileio.rmtree(path)


class ZenmlBackend(FsspecBackend):
    """The reference framework's `zenml.io.fileio` over local paths."""

    def __init__(self):
        from zenml.io import fileio

        self.io = fileio

    def write(self, path, chunks):
        with self.io.open(path, "wb") as f:
            for chunk in chunks:
                f.write(chunk)

    def open_read(self, path):
        return self.io.open(path, "rb")

    def read_all(self, path):
        with self.io.open(path, "rb") as f:
            return f.read()

    def makedirs(self, path):
        self.io.makedirs(path)

    def listdir(self, path):
        return self.io.listdir(path)

    def walk_files(self, path):
        return sum(len(files) for _, _, files in self.io.walk(path))

    def glob(self, pattern):
        return self.io.glob(pattern)

    def copy(self, source, destination):
        self.io.copy(source, destination, overwrite=True)

    def remove_tree(self, path):
        if self.io.exists(path):
            self.io.rmtree(path)


class Boto3Backend:
    """boto3 as its docs teach: managed transfers for large objects, plain calls for small ones."""

    def __init__(self):
        import boto3
        from boto3.s3.transfer import TransferConfig

        self.client = boto3.client("s3", endpoint_url=os.environ.get("AWS_ENDPOINT_URL"), region_name="us-east-1")
        self.transfer = TransferConfig(multipart_chunksize=8 << 20, max_concurrency=10)

    @staticmethod
    def split(path):
        bucket, _, key = path.removeprefix("s3://").partition("/")
        return bucket, key

    def write(self, path, chunks):
        bucket, key = self.split(path)
        if isinstance(chunks, PatternReader):
            self.client.upload_fileobj(chunks, bucket, key, Config=self.transfer)
        else:
            self.client.put_object(Bucket=bucket, Key=key, Body=b"".join(bytes(c) for c in chunks))

    def open_read(self, path):
        return self.split(path)

    def read_at(self, handle, offset, length):
        bucket, key = handle
        answer = self.client.get_object(Bucket=bucket, Key=key, Range=f"bytes={offset}-{offset + length - 1}")
        return answer["Body"].read()

    def read_all(self, path):
        bucket, key = self.split(path)
        return self.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def makedirs(self, path):
        pass

    def _pages(self, path, delimiter):
        bucket, key = self.split(path)
        options = {"Bucket": bucket, "Prefix": key.rstrip("/") + "/"}
        if delimiter:
            options["Delimiter"] = "/"
        return bucket, self.client.get_paginator("list_objects_v2").paginate(**options)

    def listdir(self, path):
        _, pages = self._pages(path, True)
        names = []
        for page in pages:
            names += [o["Key"].rsplit("/", 1)[-1] for o in page.get("Contents", [])]
            names += [p["Prefix"].rstrip("/").rsplit("/", 1)[-1] for p in page.get("CommonPrefixes", [])]
        return names

    def walk_files(self, path):
        _, pages = self._pages(path, False)
        return sum(len(page.get("Contents", [])) for page in pages)

    def glob(self, pattern):
        folder, _, name = pattern.rpartition("/")
        bucket, pages = self._pages(folder, True)
        return [f"s3://{bucket}/{o['Key']}" for page in pages for o in page.get("Contents", [])
                if fnmatch.fnmatch(o["Key"].rsplit("/", 1)[-1], name)]

    def copy(self, source, destination):
        sb, sk = self.split(source)
        db, dk = self.split(destination)
        self.client.copy({"Bucket": sb, "Key": sk}, db, dk, Config=self.transfer)

    def remove_tree(self, path):
        bucket, pages = self._pages(path, False)
        for page in pages:
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=bucket, Delete={"Objects": keys})


def make_backend(name):
    if name == "fsspec-local":
        import fsspec

        return FsspecBackend(fsspec.filesystem("file"))
    if name == "zenml":
        return ZenmlBackend()
    if name == "s3fs":
        import s3fs

        return FsspecBackend(s3fs.S3FileSystem(client_kwargs={"endpoint_url": os.environ.get("AWS_ENDPOINT_URL")}))
    if name == "boto3":
        return Boto3Backend()
    if name == "artifactfs":
        return ArtifactFSBackend()
    raise SystemExit(f"peers.py: unknown backend '{name}' (fsspec-local, zenml, s3fs, boto3, artifactfs)")


def run(backend, name, args, pattern):
    root = args.root
    big, small = root + "/big.bin", root + "/small"
    result = {"workload": name, "bytes": 0, "ops": 0}
    latencies = []
    verified = True
    if name == "seq-write":
        backend.makedirs(root)
    start = time.perf_counter()
    if name == "seq-write":
        blocks = (args.size + BLOCK - 1) // BLOCK
        if isinstance(backend, Boto3Backend):
            backend.write(big, PatternReader(pattern, args.size))
        else:
            backend.write(big, (pattern.stamped(i)[: min(BLOCK, args.size - i * BLOCK)] for i in range(blocks)))
        result.update(bytes=args.size, ops=blocks)
    elif name == "seq-read":
        if isinstance(backend, Boto3Backend):
            bucket, key = backend.split(big)
            sink = VerifyingSink(pattern, args.verify)
            backend.client.download_fileobj(bucket, key, sink, Config=backend.transfer)
            result.update(bytes=sink.count, ops=sink.writes)
            verified = sink.ok
        else:
            with backend.open_read(big) as f:
                while True:
                    chunk = f.read(BLOCK)
                    if not chunk:
                        break
                    if args.verify:
                        verified = verified and chunk == pattern.expected(result["bytes"], len(chunk))
                    result["bytes"] += len(chunk)
                    result["ops"] += 1
        if result["bytes"] != args.size:
            raise SystemExit(f"peers.py: {big}: read {result['bytes']} bytes, expected {args.size}")
    elif name in ("rand-4k", "rand-1m"):
        size = 4096 if name == "rand-4k" else BLOCK
        handle = backend.open_read(big)
        for offset in random_offsets(size, args.size, args.random_reads):
            began = time.perf_counter()
            data = backend.read_at(handle, offset, size)
            latencies.append(time.perf_counter() - began)
            if args.verify:
                verified = verified and data == pattern.expected(offset, len(data))
            result["bytes"] += len(data)
            result["ops"] += 1
        if hasattr(handle, "close"):
            handle.close()
    elif name == "small-write":
        backend.makedirs(small)
        for index in range(args.files):
            began = time.perf_counter()
            backend.write(f"{small}/f{index:05d}.bin", [pattern.stamped(index)[: args.file_size]])
            latencies.append(time.perf_counter() - began)
            result["bytes"] += args.file_size
            result["ops"] += 1
    elif name == "small-read":
        for index in range(args.files):
            began = time.perf_counter()
            data = backend.read_all(f"{small}/f{index:05d}.bin")
            latencies.append(time.perf_counter() - began)
            if args.verify:
                verified = verified and data == pattern.expected(0, args.file_size, stamp=index)
            result["bytes"] += len(data)
            result["ops"] += 1
    elif name == "listdir":
        result["entries"] = len(backend.listdir(small))
    elif name == "walk":
        result["entries"] = backend.walk_files(small)
    elif name == "glob":
        result["entries"] = len(backend.glob(small + "/f*.bin"))
    elif name == "copy-within":
        backend.copy(big, root + "/big-copy.bin")
        result["bytes"] = args.size
    elif name == "cleanup":
        backend.remove_tree(root)
    else:
        raise SystemExit(f"peers.py: workload '{name}' is not run for peers")
    result["seconds"] = time.perf_counter() - start
    if latencies:
        latencies.sort()
        result["p50_ms"] = latencies[len(latencies) // 2] * 1000
        result["p99_ms"] = latencies[min(len(latencies) - 1, len(latencies) * 99 // 100)] * 1000
    if name in ("listdir", "walk", "glob"):
        result["ops"] = 1
        if result["entries"] != args.files:
            raise SystemExit(f"peers.py: {name} of {small} found {result['entries']} entries, expected {args.files}")
    if args.verify and name in ("seq-read", "rand-4k", "rand-1m", "small-read"):
        result["verified"] = verified
    return result


class VerifyingSink(io.RawIOBase):
    """Where boto3's managed download writes: counts bytes and checks them at their offsets."""

    def __init__(self, pattern, verify):
        self.pattern, self.verify, self.count, self.writes, self.ok, self.position = pattern, verify, 0, 0, True, 0

    def writable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        self.position = offset if whence == 0 else self.position + offset
        return self.position

    def tell(self):
        return self.position

    def write(self, data):
        if self.verify:
            self.ok = self.ok and bytes(data) == self.pattern.expected(self.position, len(data))
        self.position += len(data)
        self.count += len(data)
        self.writes += 1
        return len(data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backend")
    parser.add_argument("root")
    parser.add_argument("--size", type=int, default=1 << 30)
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--file-size", type=int, default=4096)
    parser.add_argument("--random-reads", type=int, default=2000)
    parser.add_argument("--workloads", default="seq-write,seq-read,rand-4k,rand-1m,small-write,small-read,listdir,walk,glob,copy-within,cleanup")
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--drop-caches", action="store_true")
    args = parser.parse_args()
    backend = make_backend(args.backend)
    pattern = Pattern()
    for name in args.workloads.split(","):
        if args.drop_caches and name in ("seq-read", "rand-4k", "rand-1m", "small-read"):
            drop_caches()
        reset_peak()
        result = run(backend, name, args, pattern)
        result["peak_rss_mib"] = peak_mib()
        print(json.dumps(result, sort_keys=True), flush=True)


if __name__ == "__main__":
    sys.exit(main())
