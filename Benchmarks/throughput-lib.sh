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
