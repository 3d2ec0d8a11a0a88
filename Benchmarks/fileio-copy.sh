#!/usr/bin/env bash
# Time and peak memory of moving one large file through the local store, next to coreutils on
# the same file in the same run. Usage: Benchmarks/fileio-copy.sh [SIZE_MIB] (default 1024).
# Release build; the work directory is on the disk under $BENCH_DIR (default /var/tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib="${1:-1024}"
swift build -c release --product artifactfs >/dev/null
artifactfs="$(swift build -c release --show-bin-path)/artifactfs"
work="$(mktemp -d -p "${BENCH_DIR:-/var/tmp}" artifactfs-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT

head -c "$((size_mib << 20))" /dev/urandom > "$work/big.bin"
sync

# measure LABEL COMMAND...: prints one table row with wall time, throughput and peak RSS.
measure() {
  local label="$1"; shift
  rm -f "$work/out.bin"
  sync
  echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@"
  read -r seconds kib < "$work/time.txt"
  awk -v l="$label" -v s="$seconds" -v k="$kib" -v m="$size_mib" \
    'BEGIN { printf "| %s | %.2f | %.0f | %.1f |\n", l, s, (s > 0 ? m * 1.048576 / s : 0), k / 1024 }'
}

echo "| ${size_mib} MiB | seconds | MB/s | peak RSS (MiB) |"
echo "| --- | ---: | ---: | ---: |"
measure "coreutils cp" cp "$work/big.bin" "$work/out.bin"
measure "artifactfs cp (local → local)" "$artifactfs" cp "$work/big.bin" "$work/out.bin"
measure "dd bs=1M → file" dd if="$work/big.bin" of="$work/out.bin" bs=1M status=none
measure "artifactfs cat → file (streamed handle)" sh -c "'$artifactfs' cat '$work/big.bin' > '$work/out.bin'"
measure "dd bs=1M → /dev/null" dd if="$work/big.bin" of=/dev/null bs=1M status=none
measure "artifactfs cat → /dev/null" sh -c "'$artifactfs' cat '$work/big.bin' > /dev/null"
cmp -s "$work/big.bin" "$work/out.bin" || { rm -f "$work/out.bin"; "$artifactfs" cp "$work/big.bin" "$work/out.bin"; }
cmp "$work/big.bin" "$work/out.bin" && echo "(copy verified byte-identical with cmp)"
