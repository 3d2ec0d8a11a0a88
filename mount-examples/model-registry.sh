#!/usr/bin/env bash
# Mount a model registry: every model is a folder of its versions, and each stage (production,
# staging, ...) is a symbolic link to the version it holds. A step reads the production model as a
# plain file, and sees a promotion as soon as the mount's attribute TTL has passed.
#
# Runs in a throwaway project with the serverless `default` registry flavor; an `mlflow` registry
# mounts the same way. Needs: artifactfs on PATH, fuse3, /dev/fuse.
set -euo pipefail

project="$(mktemp -d)"
mountpoint="$project/models"
mkdir "$mountpoint"
cleanup() {
  artifactfs unmount "$mountpoint" 2>/dev/null || true
  rm -rf "$project"
}
trap cleanup EXIT
cd "$project"

# Two trained models, as a training step would leave them in folders.
mkdir -p out/run-1 out/run-2
printf '{"layers": 50}\n' > out/run-1/config.json
printf 'weights of run 1\n' > out/run-1/model.bin
printf '{"layers": 101}\n' > out/run-2/config.json
printf 'weights of run 2\n' > out/run-2/model.bin

# A project whose default stack has a model registry.
artifactfs init
artifactfs model-registry register models --flavor default
artifactfs stack update default --model-registry models

# Register the model and both versions (their files are copied into the artifact store), and
# promote version 1 to production.
artifactfs model-registry models register resnet -d "image classifier" -t team=vision
artifactfs model-registry models register-version resnet -u out/run-1 --pipeline-name train
artifactfs model-registry models register-version resnet -u out/run-2 --pipeline-name train
artifactfs model-registry models update-version resnet -v 1 --stage production

# Mount models:// with a one-second attribute TTL: promotions show within a second.
artifactfs mount models:// "$mountpoint" --attr-ttl 1
ls -l "$mountpoint/resnet"
cat "$mountpoint/resnet/production/config.json"
cmp out/run-1/model.bin "$mountpoint/resnet/production/model.bin"

# Promote version 2 (archiving version 1); the production link follows.
artifactfs model-registry models update-version resnet -v 2 --stage production --archive-existing
sleep 1.5
[ "$(readlink "$mountpoint/resnet/production")" = "2" ]
cmp out/run-2/model.bin "$mountpoint/resnet/production/model.bin"
ls -l "$mountpoint/resnet"

artifactfs unmount "$mountpoint"
echo "model-registry: done"
