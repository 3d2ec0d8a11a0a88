"""The reference framework itself (zenml, in a virtual environment of the tests' own) running a
real pipeline whose artifacts go through the `artifactfs` flavor onto SeaweedFS."""

import os
import subprocess
import textwrap

import pytest

from artifactfs import fileio

from conftest import S3_BUCKET

VENV = os.environ.get("ARTIFACTFS_ZENML_VENV", "/var/tmp/artifactfs-zenml-env")

PIPELINE = textwrap.dedent('''
    from typing import Annotated, Tuple

    import numpy as np
    import pandas as pd
    from zenml import pipeline, step


    @step
    def produce() -> Tuple[Annotated[np.ndarray, "array"], Annotated[pd.DataFrame, "frame"]]:
        return np.arange(12, dtype=np.float64).reshape(3, 4), pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})


    @step
    def consume(array: np.ndarray, frame: pd.DataFrame) -> Annotated[float, "total"]:
        return float(array.sum() + frame["a"].sum())


    @pipeline(enable_cache=False)
    def through_artifactfs():
        array, frame = produce()
        consume(array, frame)


    if __name__ == "__main__":
        through_artifactfs()
''')

CHECK = textwrap.dedent('''
    import numpy as np
    import pandas as pd
    from zenml.client import Client

    run = Client().get_pipeline("through_artifactfs").last_run
    assert str(run.status).lower().endswith("completed"), run.status

    def output(step, name):
        outputs = run.steps[step].outputs[name]
        return (outputs[0] if isinstance(outputs, list) else outputs)

    array = output("produce", "array")
    frame = output("produce", "frame")
    assert np.array_equal(array.load(), np.arange(12, dtype=np.float64).reshape(3, 4))
    assert frame.load().equals(pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}))
    assert output("consume", "total").load() == 72.0
    print(array.uri)
    print(frame.uri)
''')


@pytest.fixture(scope="module")
def zenml_python():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        pytest.fail("no zenml virtual environment at %s (scripts/test-python creates it)" % VENV)
    return python


def test_a_zenml_pipeline_stores_its_artifacts_through_artifactfs(project, python_env, zenml_python, tmp_path):
    env = dict(python_env)
    env.pop("PYTHONPATH", None)
    env.update(
        ZENML_ANALYTICS_OPT_IN="false",
        ZENML_CONFIG_PATH=str(tmp_path / "zenml-config"),
        ZENML_LOGGING_VERBOSITY="WARN",
        ZENML_ENABLE_RICH_TRACEBACK="false",
        AUTO_OPEN_DASHBOARD="false",
    )
    zenml = os.path.join(os.path.dirname(zenml_python), "zenml")

    def run(*arguments):
        result = subprocess.run(list(arguments), cwd=project.folder, env=env, capture_output=True, text=True)
        assert result.returncode == 0, "%s failed:\n%s\n%s" % (" ".join(arguments), result.stdout, result.stderr)
        return result.stdout + result.stderr

    run(zenml, "init")
    run(zenml, "artifact-store", "flavor", "register", "artifactfs.zenml.ArtifactFSArtifactStoreFlavor")
    assert "artifactfs" in run(zenml, "artifact-store", "flavor", "list")
    run(zenml, "artifact-store", "register", "afs", "--flavor=artifactfs", "--path=s3://%s/zenml" % S3_BUCKET)
    run(zenml, "stack", "register", "afs-stack", "-a", "afs", "-o", "default", "--set")
    # The framework resolves step code from the folder where `zenml init` ran.
    script = os.path.join(project.folder, "zenml_pipeline.py")
    with open(script, "w") as f:
        f.write(PIPELINE)
    run(zenml_python, script)
    uris = [line for line in run(zenml_python, "-c", CHECK).split() if line.startswith("s3://")]
    assert len(uris) == 2 and all(u.startswith("s3://%s/zenml/" % S3_BUCKET) for u in uris)
    # The bytes are in the bucket, below the store's path: fetched from S3 itself, without ArtifactFS.
    from conftest import s3_curl

    for uri in uris:
        assert fileio.size(uri) > 0
        first = [p for p in fileio.glob(uri + "/**/*") if not fileio.isdir(p)][-1]
        fetched = s3_curl(project.seaweedfs + "/" + first[len("s3://") :])
        assert fetched.returncode == 0 and len(fetched.stdout) == fileio.size(first) > 0
