# Shared by the *-throughput.sh scripts (sourced, not run): free ports, one timed table row, one round of rows per flavor.
# They set `work` (a scratch folder) and `size_mib` before calling `measure`.

# free_ports N: N free TCP ports on 127.0.0.1, space-separated.
free_ports() {
  python3 -c '
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

# measure LABEL COMMAND...: one table row with wall time, throughput of size_mib MiB and peak RSS.
measure() {
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null
  read -r seconds kib < "$work/time.txt"
  awk -v l="$label" -v s="$seconds" -v k="$kib" -v m="$size_mib" \
    'BEGIN { printf "| %s | %.2f | %.0f | %.1f |\n", l, s, (s > 0 ? m * 1.048576 / s : 0), k / 1024 }'
}

# measure_round PREFIX SCHEME PEER PUT_SCRIPT GET_SCRIPT PUT_NAME GET_NAME KEY_PREFIX ROUND: the four
# rows of one round on one flavor: artifactfs PUT (`cp` of $work/big.bin to SCHEME://bench/ours-ROUND.bin),
# the peer's PUT (python3 -c PUT_SCRIPT FILE KEY, KEY = KEY_PREFIX-ROUND.bin), artifactfs GET (`cat`),
# the peer's GET (python3 -c GET_SCRIPT KEY). Needs `artifactfs` set to the binary.
measure_round() {
  local prefix="$1" scheme="$2" peer="$3" put="$4" get="$5" put_name="$6" get_name="$7" key_prefix="$8" round="$9"
  measure "${prefix}artifactfs PUT (cp local → ${scheme}://)" "$artifactfs" cp "$work/big.bin" "${scheme}://bench/ours-$round.bin"
  measure "${prefix}$peer PUT ($put_name)" python3 -c "$put" "$work/big.bin" "$key_prefix-$round.bin"
  measure "${prefix}artifactfs GET (cat ${scheme}:// > /dev/null)" "$artifactfs" cat "${scheme}://bench/ours-$round.bin"
  measure "${prefix}$peer GET ($get_name)" python3 -c "$get" "$key_prefix-$round.bin"
}

# start_weed_mini: a SeaweedFS `weed mini` in $work/data on free loopback ports, its S3 endpoint in
# AWS_ENDPOINT_URL (credentials from the caller's AWS_* variables), and an EXIT trap that stops it
# and removes $work. Returns once the bucket `bench` exists (made with CREATE_BUCKET, a command).
start_weed_mini() {
  local create_bucket="$1" ports
  read -r -a ports <<< "$(free_ports 11)"
  export AWS_ENDPOINT_URL="http://127.0.0.1:${ports[6]}"
  mkdir -p "$work/data"
  weed mini -dir="$work/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 -admin.ui=false -webdav=false \
    -master.port="${ports[0]}" -master.port.grpc="${ports[1]}" -volume.port="${ports[2]}" -volume.port.grpc="${ports[3]}" \
    -filer.port="${ports[4]}" -filer.port.grpc="${ports[5]}" -s3.port="${ports[6]}" -s3.port.grpc="${ports[7]}" \
    -admin.port="${ports[8]}" -admin.port.grpc="${ports[9]}" -metricsPort="${ports[10]}" \
    -s3.port.iceberg=0 -s3.port.lance=0 >"$work/weed.log" 2>&1 &
  weed_pid=$!
  trap stop_weed_mini EXIT
  for _ in $(seq 300); do
    eval "$create_bucket" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "the SeaweedFS server did not start (log: $work/weed.log)" >&2
  return 1
}

# stop_weed_mini: stops the server start_weed_mini started and removes $work.
stop_weed_mini() {
  kill "$weed_pid" 2>/dev/null || true
  for _ in $(seq 15); do kill -0 "$weed_pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$weed_pid" 2>/dev/null || true
  rm -rf "$work"
}
