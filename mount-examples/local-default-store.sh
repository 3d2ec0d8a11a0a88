#!/usr/bin/env bash
# Mount the default local artifact store as a folder, use it with ordinary tools, and unmount.
#
# Runs in a throwaway project (so it leaves your own metadata alone); in a real project skip
# the `init` and mount `default`, or any artifact-store component you registered.
# Needs: artifactfs on PATH, fuse3, /dev/fuse (root, or a user allowed to mount FUSE).
set -euo pipefail

project="$(mktemp -d)"
mountpoint="$project/mnt"
mkdir "$mountpoint"
cleanup() {
  # Always unmount, even when a step failed; a dead mount is recovered the same way.
  artifactfs unmount "$mountpoint" 2>/dev/null || true
  rm -rf "$project"
}
trap cleanup EXIT
cd "$project"

# A new project: its metadata lives in .artifactfs/, and its `default` stack has a `default`
# local artifact store that keeps files under .artifactfs/artifacts.
artifactfs init

# Mount the component by name. The command returns once the folder is usable; a background
# process serves it until `artifactfs unmount`.
artifactfs mount default "$mountpoint"
artifactfs mounts

# Any program now reads and writes artifacts as plain files.
mkdir -p "$mountpoint/runs/1"
printf 'epoch,loss\n1,0.9\n2,0.4\n' > "$mountpoint/runs/1/metrics.csv"
seq 1 1000 | gzip > "$mountpoint/runs/1/data.gz"
ls -lR "$mountpoint"

# A file closed through the mount is in the store: fileio (here `artifactfs cat`) sees it.
artifactfs cat "$project/.artifactfs/artifacts/runs/1/metrics.csv"

# The mount describes itself in .artifactfs/ (not listed by ls): what is mounted, its stack,
# and live counters.
cat "$mountpoint/.artifactfs/component.json"
cat "$mountpoint/.artifactfs/stack.json"
grep -E '"bytes_(read|written)"' "$mountpoint/.artifactfs/stats"

artifactfs unmount "$mountpoint"
echo "unmounted; the artifacts stay in the store:"
artifactfs ls "$project/.artifactfs/artifacts/runs/1"
