#!/usr/bin/env bash
# The custom-flavor example end to end: build the `blob` flavor plugin, register it, register a
# component and a stack with it, use it through the artifactfs file verbs and mount it, each in a new
# process with nothing but the registration done. Every step is checked; any surprise stops the
# script with a non-zero exit. CI runs it (Tests/ArtifactFSCLITests/PluginFlavorTests.swift).
#
#   bash Examples/custom-flavor/run.sh          # uses the artifactfs that `swift build` made
#   ARTIFACTFS=/path/to/artifactfs bash .../run.sh    # or this one
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ -z "${ARTIFACTFS:-}" ]; then
    (cd "$here/../.." && swift build --product artifactfs >/dev/null)
    ARTIFACTFS="$(cd "$here/../.." && swift build --show-bin-path)/artifactfs"
fi
artifactfs="$ARTIFACTFS"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
export ARTIFACTFS_CONFIG_DIR=""  # find the project by its .artifactfs folder, as a user would

step() { printf '\n== %s\n' "$*"; }
fail() { echo "custom-flavor: $*" >&2; exit 1; }

step "artifactfs init: this folder becomes a project"
"$artifactfs" init

step "build and register the plugin: a package folder is built with 'swift build -c release' first"
"$artifactfs" artifact-store flavor register "$here"

step "the flavor is listed with its source, and describes its config"
flavors="$("$artifactfs" artifact-store flavor list)"
echo "$flavors"
grep -q "^blob  *$here" <<<"$flavors" || fail "blob is not listed with its source"
described="$("$artifactfs" artifact-store flavor describe blob)"
echo "$described"
grep -q "^folder" <<<"$described" || fail "describe does not show the folder field"

step "a config the flavor refuses is refused at registration, naming the field"
if "$artifactfs" artifact-store register bad --flavor blob --path blob://bad --folder relative/folder 2>err.txt; then
    fail "a relative folder was accepted"
fi
grep -q "field 'folder'" err.txt || fail "the refusal does not name the field: $(cat err.txt)"

step "register a component and a stack with it, and make the stack active"
"$artifactfs" artifact-store register models --flavor blob --path blob://models --folder "$work/blobs"
"$artifactfs" stack register blob-stack --artifact-store models
"$artifactfs" stack set blob-stack
"$artifactfs" stack describe

step "a training step's artifacts go into the store, and come back"
mkdir -p runs/1
printf 'weights-v1' > runs/1/model.bin
printf '{"accuracy": 0.93}' > runs/1/metrics.json
"$artifactfs" cp -r runs/1 blob://models/run-1
"$artifactfs" ls -l blob://models/run-1
[ "$("$artifactfs" cat blob://models/run-1/model.bin)" = "weights-v1" ] || fail "model read back differs"
grep -q "run-1/metrics.json" <<<"$("$artifactfs" glob 'blob://models/**/*.json')" || fail "glob misses metrics.json"

step "content addressing: a copy adds a name, not a blob"
blobs_before="$(ls "$work/blobs/blobs" | wc -l)"
"$artifactfs" cp blob://models/run-1/model.bin blob://models/release/model.bin
[ "$(ls "$work/blobs/blobs" | wc -l)" -eq "$blobs_before" ] || fail "the copy stored its content twice"
"$artifactfs" stat blob://models/release/model.bin

step "mount the plugin store like any other: plain files, read and written by ordinary tools"
mkdir mnt
"$artifactfs" mount models mnt
trap '"$artifactfs" unmount "$work/mnt" 2>/dev/null || fusermount3 -uz "$work/mnt" 2>/dev/null; rm -rf "$work"' EXIT
"$artifactfs" mounts | grep -q "models *blob" || fail "'artifactfs mounts' does not show the blob component"
[ "$(cat mnt/run-1/model.bin)" = "weights-v1" ] || fail "the model read through the mount differs"
printf 'written through the mount' > mnt/release/notes.txt
[ "$("$artifactfs" cat blob://models/release/notes.txt)" = "written through the mount" ] || fail "a file written through the mount differs"
"$artifactfs" unmount mnt
trap 'rm -rf "$work"' EXIT
grep -q " $work/mnt " /proc/mounts && fail "the mount is still there after unmount"
"$artifactfs" rm blob://models/release/notes.txt

step "a plugin flavor cannot be deleted while a component uses it"
if "$artifactfs" artifact-store flavor delete blob 2>err.txt; then fail "delete of a used flavor was accepted"; fi
grep -q "used by component 'models'" err.txt || fail "the refusal does not name the component: $(cat err.txt)"

step "clean up: back to the default stack, delete the stack, the component, then the flavor"
"$artifactfs" rm -r blob://models/run-1 blob://models/release
"$artifactfs" stack set default
"$artifactfs" stack delete blob-stack
"$artifactfs" artifact-store delete models
"$artifactfs" artifact-store flavor delete blob
if grep -q "^blob" <<<"$("$artifactfs" artifact-store flavor list)"; then fail "blob is still listed"; fi

echo
echo "custom-flavor: all steps passed"
