#!/usr/bin/env bash
# GET and PUT throughput of one large object against SeaweedFS (`weed mini` on 127.0.0.1), through
# `artifactfs` (release build) next to boto3 (upload_file / download_fileobj, default transfer
# settings) in the same run. Usage: Benchmarks/s3-throughput.sh [SIZE_MIB] [ROUNDS] (default 256, 2).
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/throughput-lib.sh
size_mib="${1:-256}"
rounds="${2:-2}"
swift build -c release --product artifactfs >/dev/null
artifactfs="$(swift build -c release --show-bin-path)/artifactfs"
work="$(mktemp -d -p "${BENCH_DIR:-/var/tmp}" artifactfs-s3-bench.XXXXXX)"
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench-secret AWS_REGION=us-east-1
start_weed_mini 'python3 -c '\''import boto3; boto3.client("s3").create_bucket(Bucket="bench")'\'''

head -c "$((size_mib << 20))" /dev/urandom > "$work/big.bin"

boto3_put='import boto3, sys; boto3.client("s3").upload_file(sys.argv[1], "bench", sys.argv[2])'
boto3_get='
import boto3, sys
class Discard:
    def write(self, data): return len(data)
boto3.client("s3").download_fileobj("bench", sys.argv[1], Discard())'

echo "| ${size_mib} MiB object, SeaweedFS on loopback | seconds | MB/s | peak RSS (MiB) |"
echo "| --- | ---: | ---: | ---: |"
for round in $(seq "$rounds"); do
  measure_round "" s3 boto3 "$boto3_put" "$boto3_get" upload_file "download_fileobj, discarded" boto "$round"
done
"$artifactfs" cat "s3://bench/boto-1.bin" | cmp - "$work/big.bin" && echo "(boto3's upload read back by artifactfs: identical)"
