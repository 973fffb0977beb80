#!/usr/bin/env bash
# `sluice gateway` against slirp4netns, side by side in one run (issue 15). A server namespace is
# reached from the root namespace over a veth pair; guest A gets its network through
# `sluice gateway`, guest B through slirp4netns (same MTU 65520); both relays run in the root
# namespace and reach the server over the veth. From each guest: iperf3 both ways, a 64-byte TCP
# request/response round trip and a 64-byte UDP one (p50, p99), and ping; into each guest, a 64-byte
# UDP round trip through the relay's UDP port forward. Runs alternate (A, B, A, B, ...) after one
# discarded warm-up round; the table gives medians and the ratio gateway / slirp4netns.
# Needs root. Usage: scripts/bench-gateway.sh [REPS] [SECONDS]   (defaults 3 and 10: about 4 min)
# SLUICE_GATEWAY_JAVA_OPTIONS adds JVM options to the gateway's JVM (e.g. a JFR recording).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
reps=${1:-3}
secs=${2:-10}
[[ "$reps" =~ ^[1-9][0-9]?$ ]] || { echo "bench-gateway: REPS must be 1 to 99: $reps" >&2; exit 1; }
[[ "$secs" =~ ^[1-9][0-9]?$ ]] || { echo "bench-gateway: SECONDS must be 1 to 99: $secs" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench-gateway: needs root (network namespaces, veth, TUN)" >&2; exit 1; }
for tool in ip iperf3 slirp4netns ping python3 ss timeout; do
  command -v "$tool" >/dev/null || { echo "bench-gateway: needs $tool (scripts/install-test-deps.sh)" >&2; exit 1; }
done

# Addresses: 198.18.231.0/24 is the veth (root .1, server .2), 198.18.232.0/24 the gateway's guest
# (guest .1, Sluice .2), 198.18.233.0/24 slirp4netns's guest (guest .100, its gateway .2).
server=198.18.231.2
sfx=$(printf '%04x' $((RANDOM)))
ns_server="bench-gw-srv-$sfx"; ns_a="bench-gw-a-$sfx"; ns_b="bench-gw-b-$sfx"
veth_root="bgw$sfx-r"; veth_server="bgw$sfx-s"
iperf_port=5201; echo_port=7007; udp_echo_port=7008
# The UDP port forwards, on the root side of the veth: to each guest's own UDP echo (port 7008).
forward_address=198.18.231.1; forward_port_a=7101; forward_port_b=7102
work=$(mktemp -d /tmp/bench-gateway.XXXXXX)
pids=()
gateway_pid=""
ping_range=""

cleanup() {
  set +e
  trap - INT TERM
  if [ -n "$gateway_pid" ] && kill -0 "$gateway_pid" 2>/dev/null; then
    kill -TERM "$gateway_pid" 2>/dev/null # resets its flows and closes its device
    for _ in $(seq 1 50); do kill -0 "$gateway_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$gateway_pid" 2>/dev/null
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
  done
  wait 2>/dev/null
  for ns in "$ns_a" "$ns_b" "$ns_server"; do ip netns del "$ns" 2>/dev/null; done
  ip link del "$veth_root" 2>/dev/null # gone with the server namespace already, normally
  [ -n "$ping_range" ] && sysctl -q -w net.ipv4.ping_group_range="$ping_range"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "bench-gateway: interrupted" >&2; exit 130' INT
trap 'exit 143' TERM

"$here/sluice" --version >/dev/null # builds the jars first if the sources changed

# The namespaces, IPv6 off in each (as the tests do: only 198.18.0.0/15 is allowed here).
for ns in "$ns_server" "$ns_a" "$ns_b"; do
  ip netns add "$ns"
  ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
done
ip link add "$veth_root" type veth peer name "$veth_server"
ip link set "$veth_server" netns "$ns_server"
ip addr add 198.18.231.1/24 dev "$veth_root"
ip link set "$veth_root" up
ip -n "$ns_server" addr add "$server/24" dev "$veth_server"
ip -n "$ns_server" link set "$veth_server" up

# slirp4netns relays ICMP echo with ping sockets (SOCK_DGRAM, IPPROTO_ICMP), which the kernel
# allows only to groups in net.ipv4.ping_group_range; "1 0" (nobody, the default) would leave its
# ping row empty. Let group 0 (slirp4netns runs as root) in for the run; restored on exit.
read -r lo hi < /proc/sys/net/ipv4/ping_group_range
if [ "$lo" -gt 0 ] || [ "$hi" -lt 0 ]; then
  ping_range="$lo $hi"
  sysctl -q -w net.ipv4.ping_group_range="0 0"
fi

# The server: a 64-byte echo for the round trips (any number of connections, a thread each).
cat > "$work/echo_server.py" <<'EOF'
import socket, sys, threading
def serve(conn):
    with conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            data = conn.recv(65536)
            if not data:
                return
            conn.sendall(data)
listener = socket.create_server((sys.argv[1], int(sys.argv[2])), backlog=64)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
EOF
# The client: one connection, WARMUP then COUNT round trips of 64 bytes; prints p50 and p99 in µs.
cat > "$work/rtt_client.py" <<'EOF'
import socket, sys, time
host, port, warmup, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
request = bytes(range(64))
with socket.create_connection((host, port), timeout=5) as s:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    samples = []
    for i in range(warmup + count):
        start = time.perf_counter_ns()
        s.sendall(request)
        got = 0
        while got < 64:
            chunk = s.recv(64 - got)
            if not chunk:
                sys.exit("rtt_client: the connection closed after %d round trips" % i)
            got += len(chunk)
        if i >= warmup:
            samples.append((time.perf_counter_ns() - start) / 1000)
samples.sort()
print("%.1f %.1f" % (samples[len(samples) // 2], samples[min(len(samples) - 1, len(samples) * 99 // 100)]))
EOF
# UDP: an echo server, and a client that sends 64 bytes and waits for them back, WARMUP then
# COUNT times on one socket (one flow through each relay); a datagram lost either way is sent again
# after 1 s and its round trip not counted. Prints p50 and p99 in µs.
cat > "$work/udp_echo_server.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(data, peer)
EOF
cat > "$work/udp_rtt_client.py" <<'EOF'
import socket, sys, time
host, port, warmup, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
request = bytes(range(64))
samples = []
lost = 0
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    s.settimeout(1)
    s.connect((host, port))
    for i in range(warmup + count):
        start = time.perf_counter_ns()
        s.send(request)
        try:
            s.recv(128)
        except socket.timeout:
            lost += 1
            if lost > 10:
                sys.exit("udp_rtt_client: more than 10 datagrams lost")
            continue
        if i >= warmup:
            samples.append((time.perf_counter_ns() - start) / 1000)
samples.sort()
print("%.1f %.1f" % (samples[len(samples) // 2], samples[min(len(samples) - 1, len(samples) * 99 // 100)]))
EOF
ip netns exec "$ns_server" python3 "$work/echo_server.py" "$server" "$echo_port" &
pids+=($!)
ip netns exec "$ns_server" python3 "$work/udp_echo_server.py" "$server" "$udp_echo_port" &
pids+=($!)
# Each guest's own UDP echo, for the port-forward row.
for ns in "$ns_a" "$ns_b"; do
  ip netns exec "$ns" python3 "$work/udp_echo_server.py" 0.0.0.0 "$udp_echo_port" &
  pids+=($!)
done

# The guests. The gateway is the CLI as ./sluice runs it; $! is the JVM itself (sluice execs it).
java_env=()
[ -n "${SLUICE_GATEWAY_JAVA_OPTIONS:-}" ] && java_env=(JAVA_TOOL_OPTIONS="$SLUICE_GATEWAY_JAVA_OPTIONS")
# SLUICE_GATEWAY_ARGS: more options for the gateway (for example --receive inline), word-split.
# shellcheck disable=SC2086
env "${java_env[@]}" "$here/sluice" gateway --netns "$ns_a" \
  --cidr 198.18.232.0/24 --mtu 65520 --forward "udp:$forward_address:$forward_port_a:$udp_echo_port" \
  ${SLUICE_GATEWAY_ARGS:-} >"$work/gateway.log" 2>&1 &
gateway_pid=$!
slirp4netns --configure --mtu=65520 --cidr=198.18.233.0/24 --disable-host-loopback \
  --api-socket "$work/slirp4netns.sock" \
  --netns-type=path "/var/run/netns/$ns_b" tap0 >"$work/slirp4netns.log" 2>&1 &
slirp_pid=$!; pids+=("$slirp_pid")

rtt() { # ns warmup count -> "p50 p99", or nothing if it failed
  timeout --foreground -k 2 60 ip netns exec "$1" python3 "$work/rtt_client.py" "$server" "$echo_port" "$2" "$3" 2>>"$work/errors.log" || true
}
udp_rtt() { # ns warmup count -> "p50 p99", or nothing if it failed
  timeout --foreground -k 2 60 ip netns exec "$1" python3 "$work/udp_rtt_client.py" "$server" "$udp_echo_port" "$2" "$3" 2>>"$work/errors.log" || true
}
forward_rtt() { # port warmup count -> "p50 p99" from this (the root) namespace through a UDP port forward
  timeout --foreground -k 2 60 python3 "$work/udp_rtt_client.py" "$forward_address" "$1" "$2" "$3" 2>>"$work/errors.log" || true
}
wait_ready() { # name ns pid: until a round trip through the guest's relay works (30 s at most)
  for _ in $(seq 1 150); do
    kill -0 "$3" 2>/dev/null || { echo "bench-gateway: $1 exited:" >&2; cat "$work/$1.log" >&2; exit 1; }
    [ -n "$(timeout --foreground -k 1 5 ip netns exec "$2" python3 "$work/rtt_client.py" "$server" "$echo_port" 0 1 2>/dev/null)" ] && return 0
    sleep 0.2
  done
  echo "bench-gateway: no round trip through $1 within 30 s:" >&2; cat "$work/$1.log" >&2; exit 1
}
wait_ready gateway "$ns_a" "$gateway_pid"
wait_ready slirp4netns "$ns_b" "$slirp_pid"
# slirp4netns's UDP port forward, through its API socket (add_hostfwd), as the gateway's --forward.
python3 - "$work/slirp4netns.sock" "$forward_address" "$forward_port_b" "$udp_echo_port" <<'EOF' >>"$work/errors.log" 2>&1 \
  || { echo "bench-gateway: slirp4netns refused the UDP port forward:" >&2; cat "$work/errors.log" >&2; exit 1; }
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(json.dumps({"execute": "add_hostfwd", "arguments": {"proto": "udp", "host_addr": sys.argv[2],
    "host_port": int(sys.argv[3]), "guest_port": int(sys.argv[4])}}).encode())
answer = json.loads(s.recv(4096))
if "error" in answer:
    sys.exit("add_hostfwd: %s" % answer["error"])
EOF

tck=$(getconf CLK_TCK)
cpu() { awk -v t="$tck" '{ printf "%.3f %.3f", $14 / t, $15 / t }' "/proc/$1/stat" 2>/dev/null || echo "0 0"; }

iperf() { # ns seconds [-R] -> "Gbit/s-received sender-retransmissions", or nothing if the run failed
  local ns=$1 t=$2 label=gateway; shift 2
  [ "$ns" = "$ns_b" ] && label=slirp4netns
  # A one-off server per run (-1), so a failed run cannot leave the next one "busy".
  ip netns exec "$ns_server" timeout --foreground -k 2 $((t + 40)) iperf3 -s -1 -B "$server" -p "$iperf_port" \
    >/dev/null 2>>"$work/errors.log" &
  local server_pid=$!
  for _ in $(seq 1 50); do
    [ -n "$(ip netns exec "$ns_server" ss -Hltn "sport = :$iperf_port")" ] && break
    sleep 0.1
  done
  local json
  json=$(timeout --foreground -k 2 $((t + 30)) ip netns exec "$ns" iperf3 -c "$server" -p "$iperf_port" \
    -t "$t" -O 1 -J --connect-timeout 5000 "$@" 2>>"$work/errors.log") || true
  for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  python3 -c '
import json, sys
try:
    d = json.loads(sys.stdin.read())
except ValueError:
    sys.exit("iperf3: no JSON")
if "error" in d:
    sys.exit("iperf3: " + d["error"])
r = d["end"]["sum_received"]
if r["seconds"] > float(sys.argv[1]) + 1: # a stall: the last bytes arrived well after the sender stopped
    print("iperf3 %s: the receiver took %.1f s for a %s s test" % (sys.argv[2], r["seconds"], sys.argv[1]), file=sys.stderr)
print("%.2f %d" % (r["bits_per_second"] / 1e9, d["end"]["sum_sent"].get("retransmits", 0)))' \
    "$t" "$label${1:+ $1}" <<<"$json" 2>>"$work/errors.log" || true
}

ping_ms() { # ns -> the median RTT in µs of 20 echoes, or nothing if none came back
  timeout --foreground -k 2 30 ip netns exec "$1" ping -n -c 20 -i 0.2 -W 1 -w 15 "$server" 2>/dev/null \
    | sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' | median_us || true
}
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
median_us() { awk '{ print $1 * 1000 }' | median; }

declare -A up down p50 p99 u50 u99 f50 f99 png cpu_gb
for side in gateway slirp4netns; do
  up[$side]=""; down[$side]=""; p50[$side]=""; p99[$side]=""; u50[$side]=""; u99[$side]=""; f50[$side]=""; f99[$side]=""
  png[$side]=""; cpu_gb[$side]=""
done
record() { # array side value: appends the value, or "x" for a failed run
  local -n arr=$1
  arr[$2]+="${3:-x} "
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg) # other work on the machine moves both sides' figures
warm_secs=$(( secs < 5 ? secs : 5 ))
echo "bench-gateway: warm-up round (discarded), then $reps rounds of ${secs} s iperf3 runs" >&2
for side in gateway slirp4netns; do
  ns=$ns_a; [ "$side" = slirp4netns ] && ns=$ns_b
  iperf "$ns" "$warm_secs" >/dev/null; iperf "$ns" "$warm_secs" -R >/dev/null
  rtt "$ns" 200 2000 >/dev/null
  udp_rtt "$ns" 200 2000 >/dev/null
  port=$forward_port_a; [ "$side" = slirp4netns ] && port=$forward_port_b
  forward_rtt "$port" 200 2000 >/dev/null
  # The relay's ICMP path is code of its own: without this, the 20 measured echoes at 5 Hz run it
  # mostly interpreted, and the gateway's "lone ping" was 1.1 ms against 0.2 (the JIT, not the
  # design: Sluice's time between request and reply on the TUN device fell from about 450 to
  # 150 µs after 20,000 echoes). 30,000 back-to-back echoes (a few seconds) warm it: after 5,000,
  # the path's once-per-echo methods were still in C1's profiling tier (-XX:+PrintCompilation), and lone
  # pings measured 0.40-0.43 ms against 0.25-0.30 after 30,000 (docs/benchmarks/gateway.md).
  timeout --foreground -k 2 60 ip netns exec "$ns" ping -q -n -c 30000 -i 0 -W 1 "$server" >/dev/null 2>&1 || true
done

for rep in $(seq 1 "$reps"); do
  for side in gateway slirp4netns; do
    ns=$ns_a; pid=$gateway_pid; port=$forward_port_a
    [ "$side" = slirp4netns ] && { ns=$ns_b; pid=$slirp_pid; port=$forward_port_b; }
    read -r cu0 cs0 <<<"$(cpu "$pid")"
    u=""; d=""; ur=""; dr=""
    read -r u ur <<<"$(iperf "$ns" "$secs")" || true
    read -r d dr <<<"$(iperf "$ns" "$secs" -R)" || true
    read -r cu1 cs1 <<<"$(cpu "$pid")"
    record up "$side" "$u"; record down "$side" "$d"
    # relay CPU (user + system) per GB moved over both iperf3 runs (the bytes from the measured rates)
    gb=$(awk -v u="${u:-0}" -v d="${d:-0}" -v s="$secs" 'BEGIN { print (u + d) * s / 8 }')
    split="?"
    if [ -n "$u" ] && [ -n "$d" ]; then
      record cpu_gb "$side" "$(awk -v a="$cu0" -v b="$cs0" -v c="$cu1" -v e="$cs1" -v g="$gb" \
        'BEGIN { printf "%.2f", (c - a + e - b) / g }')"
      split=$(awk -v a="$cu0" -v b="$cs0" -v c="$cu1" -v e="$cs1" -v g="$gb" \
        'BEGIN { printf "user %.2f + system %.2f", (c - a) / g, (e - b) / g }')
    else
      record cpu_gb "$side" ""
    fi
    read -r r50 r99 <<<"$(rtt "$ns" 200 2000)" || true
    record p50 "$side" "${r50:-}"; record p99 "$side" "${r99:-}"
    read -r d50 d99 <<<"$(udp_rtt "$ns" 200 2000)" || true
    record u50 "$side" "${d50:-}"; record u99 "$side" "${d99:-}"
    read -r f50v f99v <<<"$(forward_rtt "$port" 200 2000)" || true
    record f50 "$side" "${f50v:-}"; record f99 "$side" "${f99v:-}"
    pm=$(ping_ms "$ns")
    record png "$side" "$pm"
    echo "rep $rep $side: up ${u:-fail} Gbit/s (${ur:-?} retransmitted), down ${d:-fail} Gbit/s (${dr:-?} retransmitted)," \
      "RTT p50 ${r50:-fail} µs p99 ${r99:-fail} µs, UDP p50 ${d50:-fail} µs p99 ${d99:-fail} µs," \
      "forwarded UDP p50 ${f50v:-fail} µs p99 ${f99v:-fail} µs, ping ${pm:-none} µs; relay CPU s/GB $split" >&2
  done
done

cell() { # the median of the values that are not "x", with the failures counted; "" if none
  local vals good failed
  vals=$(tr ' ' '\n' <<<"$1" | grep -v '^$' || true)
  good=$(grep -v '^x$' <<<"$vals" | median || true)
  failed=$(grep -c '^x$' <<<"$vals" || true)
  [ -n "$good" ] && [ "$failed" -gt 0 ] && good="$good ($failed of $reps runs failed)"
  [ -z "$good" ] && [ "$failed" -gt 0 ] && good="failed ($failed of $reps runs)"
  printf '%s' "$good"
}
row() { # name unit gateway-values slirp-values [what an empty gateway cell means]
  local g s ratio
  g=$(cell "$3"); s=$(cell "$4")
  ratio=$(awk -v g="${g%% *}" -v s="${s%% *}" 'BEGIN { if (g + 0 > 0 && s + 0 > 0) printf "%.2f", g / s; else print "n/a" }')
  # an all-failed cell starts with "failed": no ratio
  [[ "$g" == failed* || "$s" == failed* ]] && ratio="n/a"
  printf '| %s | %s | %s | %s | %s |\n' "$1" "${g:-${5:-n/a}}" "${s:-n/a (no reply)}" "$ratio" "$2"
}
# The ping row: a gateway without an ICMP echo relay answers nothing; say so rather than fail.
ping_cell_gateway=$(tr ' ' '\n' <<<"${png[gateway]}" | grep -v '^x$' | grep -v '^$' | median || true)

echo
echo "sluice gateway vs slirp4netns $(slirp4netns --version | awk 'NR == 1 { print $3 }'), MTU 65520; guest -> veth -> server namespace;" \
  "$reps reps each, alternating, medians; $(nproc) CPUs; load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after; $(date -u '+%Y-%m-%d %H:%M') UTC"
echo
echo "| Measure | Gateway | slirp4netns | Ratio | Unit |"
echo "|---|---:|---:|---:|---|"
row "iperf3 guest → server, ${secs} s" "Gbit/s" "${up[gateway]}" "${up[slirp4netns]}"
row "iperf3 server → guest (-R), ${secs} s" "Gbit/s" "${down[gateway]}" "${down[slirp4netns]}"
row "TCP 64-byte request/response RTT p50 (2,000 round trips, one connection)" "µs" "${p50[gateway]}" "${p50[slirp4netns]}"
row "TCP 64-byte request/response RTT p99" "µs" "${p99[gateway]}" "${p99[slirp4netns]}"
row "UDP 64-byte request/response RTT p50 (2,000 round trips, one flow)" "µs" "${u50[gateway]}" "${u50[slirp4netns]}"
row "UDP 64-byte request/response RTT p99" "µs" "${u99[gateway]}" "${u99[slirp4netns]}"
row "UDP 64-byte RTT p50 into the guest through a UDP port forward (2,000 round trips)" "µs" "${f50[gateway]}" "${f50[slirp4netns]}"
row "UDP 64-byte RTT p99 through the port forward" "µs" "${f99[gateway]}" "${f99[slirp4netns]}"
if [ -n "$ping_cell_gateway" ]; then
  row "ping RTT, median of 20" "µs" "${png[gateway]}" "${png[slirp4netns]}"
else
  row "ping RTT, median of 20" "µs" "" "${png[slirp4netns]}" "n/a (no ICMP relay)"
fi
row "relay process CPU per GB moved (both iperf3 runs)" "CPU s/GB" "${cpu_gb[gateway]}" "${cpu_gb[slirp4netns]}"

# The gateway must have survived: alive, still relaying, and it stops cleanly with its counters.
echo
status=0
if ! kill -0 "$gateway_pid" 2>/dev/null; then
  echo "bench-gateway: sluice gateway died during the run:"; cat "$work/gateway.log"; status=1
elif [ -z "$(rtt "$ns_a" 0 10)" ]; then
  echo "bench-gateway: sluice gateway is alive but no longer relays a connection"; status=1
else
  echo "sluice gateway survived the run and still relays"
fi
if kill -0 "$gateway_pid" 2>/dev/null; then
  kill -TERM "$gateway_pid"
  for _ in $(seq 1 100); do kill -0 "$gateway_pid" 2>/dev/null || break; sleep 0.1; done
  wait "$gateway_pid" 2>/dev/null || true
fi
grep 'sluice gateway: stopping' "$work/gateway.log" || { echo "bench-gateway: no stop line from sluice gateway:"; cat "$work/gateway.log"; status=1; }
gateway_pid=""
if [ -s "$work/errors.log" ]; then
  echo
  echo "errors and stalls seen during the runs (warm-up included):"
  sort "$work/errors.log" | uniq -c | sed 's/^/  /'
fi
exit "$status"
