#!/usr/bin/env bash
# Throughput of `dd` through a mounted local store next to the same `dd` on the disk underneath,
# measured in one run. Usage: Benchmarks/mount-dd.sh [SIZE_MIB] (default 1024).
# Release build; the work directory is on the disk under $BENCH_DIR (default /var/tmp).
# "cold" rows drop the page cache first (needs root; otherwise they are warm too).
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib="${1:-1024}"
swift build -c release --product artifactfs >/dev/null
artifactfs="$(swift build -c release --show-bin-path)/artifactfs"
work="$(mktemp -d -p "${BENCH_DIR:-/var/tmp}" artifactfs-mount-bench.XXXXXX)"
export ARTIFACTFS_CONFIG_DIR="$work/config"
mkdir -p "$work/data" "$work/mnt"
cleanup() {
  "$artifactfs" unmount "$work/mnt" 2>/dev/null || fusermount3 -uz "$work/mnt" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$artifactfs" mount "$work/data" "$work/mnt"

drop_caches() {
  sync
  echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
}

# measure LABEL DD-ARGS...: one table row with dd's wall time and MB/s, the best of 3 runs
# (the machine is shared; the best run is the least disturbed one).
measure() {
  local label="$1"; shift
  local best="" start end
  for _ in 1 2 3; do
    [[ "$label" == *cold* ]] && drop_caches
    start=$(date +%s.%N)
    dd "$@" bs=1M status=none
    end=$(date +%s.%N)
    best=$(awk -v s="$start" -v e="$end" -v b="$best" 'BEGIN { t = e - s; print (b == "" || t < b) ? t : b }')
  done
  awk -v l="$label" -v t="$best" -v m="$size_mib" 'BEGIN { printf "| %s | %.2f | %.0f |\n", l, t, m * 1.048576 / t }'
}

echo "| dd of ${size_mib} MiB, bs=1M (best of 3) | seconds | MB/s |"
echo "| --- | ---: | ---: |"
measure "write, disk" if=/dev/zero of="$work/data/disk.bin" count="$size_mib" conv=fsync
measure "write, mount (upload on close)" if=/dev/zero of="$work/mnt/mount.bin" count="$size_mib" conv=fsync
measure "read cold, disk" if="$work/data/disk.bin" of=/dev/null
measure "read cold, mount" if="$work/mnt/mount.bin" of=/dev/null
measure "read warm, disk" if="$work/data/disk.bin" of=/dev/null
measure "read warm, mount" if="$work/mnt/mount.bin" of=/dev/null
cmp "$work/data/disk.bin" "$work/mnt/mount.bin" && echo "(the file written through the mount is byte-identical to the one written on disk)"
