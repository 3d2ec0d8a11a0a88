# Shared by the *-throughput.sh scripts (sourced, not run): free ports and one timed table row.
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
