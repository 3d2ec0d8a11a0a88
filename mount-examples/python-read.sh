#!/usr/bin/env bash
# Read a mounted store from Python with plain open(): write a few runs' metrics into a store with
# `artifactfs cp`, mount the store, let read_artifacts.py read them and write a summary, and check
# the summary landed in the store.
# Needs: artifactfs and python3 on PATH, fuse3, /dev/fuse.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

work="$(mktemp -d)"
export ARTIFACTFS_CONFIG_DIR="$work/config"   # a throwaway metadata store
store="$work/store"
mountpoint="$work/mnt"
mkdir -p "$store" "$mountpoint"
cleanup() {
  artifactfs unmount "$mountpoint" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Register the folder as an artifact-store component (any flavor mounts the same way: an `s3`
# component would be mounted with the same command).
artifactfs artifact-store register experiments --flavor local --path="$store"
for run in 1 2 3; do
  printf 'epoch,loss\n1,0.9\n2,0.%s\n' "$run" > "$work/metrics.csv"
  artifactfs cp "$work/metrics.csv" "$store/runs/$run/metrics.csv"
done

# Read-only would do for reading; this mount also writes the summary back.
artifactfs mount experiments "$mountpoint" --attr-ttl 5
python3 "$here/read_artifacts.py" "$mountpoint"

# The summary written through the mount is in the store.
artifactfs cat "$store/summary.json"
