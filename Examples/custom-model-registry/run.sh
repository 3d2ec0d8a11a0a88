#!/usr/bin/env bash
# The custom-model-registry example end to end: build the `folder` model-registry plugin, register
# it, register a component and add it to a stack, register a model and a version from a folder,
# promote it, and read its files as models://NAME/production/..., each in a new artifactfs
# process. Every step is checked; any surprise stops the script with a non-zero exit. CI runs it
# (Tests/ArtifactFSCLITests/ModelRegistryPluginTests.swift).
#
#   bash Examples/custom-model-registry/run.sh          # uses the artifactfs that `swift build` made
#   ARTIFACTFS=/path/to/artifactfs bash .../run.sh            # or this one
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
fail() { echo "custom-model-registry: $*" >&2; exit 1; }

step "artifactfs init: this folder becomes a project"
"$artifactfs" init

step "build and register the plugin: a package folder is built with 'swift build -c release' first"
"$artifactfs" model-registry flavor register "$here"
flavors="$("$artifactfs" model-registry flavor list)"
echo "$flavors"
grep -q "^folder  *$here" <<<"$flavors" || fail "folder is not listed with its source"
"$artifactfs" model-registry flavor describe folder | grep -q "^folder" || fail "describe does not show the folder field"

step "a config the flavor refuses is refused at registration, naming the field"
if "$artifactfs" model-registry register bad --flavor folder --folder relative/records 2>err.txt; then
    fail "a relative folder was accepted"
fi
grep -q "field 'folder'" err.txt || fail "the refusal does not name the field: $(cat err.txt)"

step "register a component and add it to the active stack"
"$artifactfs" model-registry register records --flavor folder --folder "$work/records"
"$artifactfs" stack update default --model-registry records
"$artifactfs" stack describe

step "register a model, and a version from the folder a training step wrote"
mkdir -p out/resnet
printf '{"layers": 50}' > out/resnet/config.json
printf 'weights-v1' > out/resnet/model.bin
"$artifactfs" model-registry models register resnet -d "image model" -t team=vision
"$artifactfs" model-registry models register-version resnet -u ./out/resnet --pipeline-name train
[ -f "$work/records/resnet/versions/1.json" ] || fail "the version's record is not in the registry folder"
"$artifactfs" model-registry models get-version resnet -v 1

step "promote it to production; models:// serves it by stage, by number and by alias"
"$artifactfs" model-registry models update-version resnet -v 1 --stage production
"$artifactfs" model-registry models set-alias resnet champion -v 1
"$artifactfs" ls models://resnet
[ "$("$artifactfs" cat models://resnet/production/model.bin)" = "weights-v1" ] || fail "models://resnet/production/model.bin differs"
[ "$("$artifactfs" cat models://resnet/1/config.json)" = '{"layers": 50}' ] || fail "models://resnet/1/config.json differs"
[ "$("$artifactfs" cat models://resnet@champion/model.bin)" = "weights-v1" ] || fail "models://resnet@champion/model.bin differs"

step "a second version; production stays with 1 until 2 is promoted with --archive-existing"
mkdir -p out/resnet-2
printf 'weights-v2' > out/resnet-2/model.bin
"$artifactfs" model-registry models register-version resnet -u "$work/out/resnet-2"
if "$artifactfs" model-registry models update-version resnet -v 2 --stage production 2>err.txt; then
    fail "a second production version was accepted without --archive-existing"
fi
grep -q "model 'resnet'" err.txt || fail "the refusal does not name the model: $(cat err.txt)"
"$artifactfs" model-registry models update-version resnet -v 2 --stage production --archive-existing
[ "$("$artifactfs" cat models://resnet/production/model.bin)" = "weights-v2" ] || fail "production is not version 2"
"$artifactfs" model-registry models list-versions resnet --stage archived | grep -q "resnet  *1 " || fail "version 1 is not archived"

step "a missing version is a registry error naming the model and version"
if "$artifactfs" model-registry models get-version resnet -v 7 2>err.txt; then fail "version 7 was found"; fi
grep -q "version 7 of model 'resnet' does not exist" err.txt || fail "unexpected error: $(cat err.txt)"

step "load a version into a local folder"
"$artifactfs" model-registry models load-version resnet -v 1 "$work/loaded"
[ "$(cat "$work/loaded/model.bin")" = "weights-v1" ] || fail "the loaded model differs"

step "clean up: delete the model, take the registry off the stack, delete it and the flavor"
"$artifactfs" model-registry models delete resnet --yes
[ -f "$work/out/resnet/model.bin" ] || fail "deleting the model removed files the registry did not copy"
"$artifactfs" stack update default --remove model-registry
"$artifactfs" model-registry delete records
"$artifactfs" model-registry flavor delete folder
if grep -q "^folder" <<<"$("$artifactfs" model-registry flavor list)"; then fail "folder is still listed"; fi

echo
echo "custom-model-registry: all steps passed"
