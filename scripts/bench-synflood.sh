#!/usr/bin/env bash
# `sluice serve` under a SYN flood (issue 16, point 6). Sluice serves HTTP on a TUN device in one
# network namespace; a second namespace, joined to it by a veth pair (the first one routes between
# the veth and the TUN device), holds the curl clients and the attacker. Two phases, first without
# a flood, then while hping3 floods port 80 with SYNs from spoofed addresses of our own /24 (never
# --rand-source, which would pick addresses anywhere on the internet). In each, CLIENTS curl loops
# fetch a 1000-byte file (bounded by count, and in the flooded phase by the flood's end) while one
# more client downloads 10 MB over and over (an established connection moving data through the
# same queues). Reports the small fetches' success rate and latency (p50, p99, max, and how many
# took 1 s or more: a retransmitted SYN), the downloads' median throughput, the serve JVM's live
# heap (jcmd GC.run, then GC.heap_info) before, during and after the flood, its CPU by thread
# group, Sluice's TCP and drop counters (serve --counters), and how many SYNs the kernel handed
# Sluice and dropped on the way. Needs root. Cleans up everything it makes.
#
# Usage: scripts/bench-synflood.sh [FETCHES] [CLIENTS] [FLOOD_SECONDS] [ATTACKERS]
#   FETCHES        small fetches per phase, shared by the clients (default 200)
#   CLIENTS        parallel curl loops (default 4)
#   FLOOD_SECONDS  how long each hping3 floods (default 20); the flooded phase's fetches stop
#                  when the flood does, even if fewer than FETCHES were made
#   ATTACKERS      hping3 processes, each with its own spoofed source address (default 2)
# Environment: SLUICE_SYNFLOOD_NET, A.B.C with C a multiple of 4 (default 198.18.160): A.B.C.0/24
#   is the TUN link, A.B.(C+1).0/24 the veth link, A.B.(C+2).0/24 the spoofed sources;
#   SLUICE_SYNFLOOD_MODE=count floods with `--faster -c 100000` (bounded by count as well as by
#   time, about 25,000 SYNs per second per process) instead of `--flood` (as fast as the process
#   can send; hping3 ignores -c in flood mode, so that mode is bounded by time alone, through
#   timeout(1)); SLUICE_SERVE_ARGS, extra `sluice serve` options; SLUICE_BENCH_OFFLINE=1 builds
#   with Maven offline; SLUICE_SYNFLOOD_RAW=DIR keeps every fetch's time and serve's counters there.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/scripts/jdk25.sh"
fetches=${1:-200}
clients=${2:-4}
flood_seconds=${3:-20}
attackers=${4:-2}
net=${SLUICE_SYNFLOOD_NET:-198.18.160}
mode=${SLUICE_SYNFLOOD_MODE:-flood}
read -r -a serve_args <<<"${SLUICE_SERVE_ARGS:-}"
[ "$(id -u)" -eq 0 ] || { echo "bench-synflood: needs root (namespaces, TUN, raw sockets)" >&2; exit 1; }
for tool in ip curl hping3 python3 timeout; do
  command -v "$tool" >/dev/null || { echo "bench-synflood: needs $tool (scripts/install-test-deps.sh)" >&2; exit 1; }
done
prefix=${net%.*}
third=${net##*.}
[ $((third % 4)) -eq 0 ] || { echo "bench-synflood: SLUICE_SYNFLOOD_NET must end in a multiple of 4" >&2; exit 1; }
tun_net=$prefix.$third
link_net=$prefix.$((third + 1))
spoof_net=$prefix.$((third + 2))
sluice=$tun_net.2

id=$(printf '%04x' $((RANDOM % 65536)))
ns_serve="sluice-syn-s-$id"
ns_clients="sluice-syn-c-$id"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${SLUICE_SYNFLOOD_RAW:-}" ]; then
    mkdir -p "$SLUICE_SYNFLOOD_RAW" && cp "$work"/* "$SLUICE_SYNFLOOD_RAW"/ 2>/dev/null || true
  fi
  ip netns del "$ns_clients" 2>/dev/null || true
  ip netns del "$ns_serve" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$here/mvnw" -q -B ${SLUICE_BENCH_OFFLINE:+-o} -DskipTests -pl sluice-cli -am package
ip netns add "$ns_serve"
ip netns add "$ns_clients"
for ns in "$ns_serve" "$ns_clients"; do
  ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
  ip -n "$ns" link set lo up
done
# The serve namespace routes between the veth and the TUN device. Spoofed sources arrive on the
# veth without a route back there: no reverse-path filter, and their SYN-ACKs go to a blackhole
# (as SYN-ACKs to forged addresses vanish: nobody answers them, not even with a RST).
ip netns exec "$ns_serve" sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
  net.ipv4.conf.default.rp_filter=0
ip link add "vs-$id" type veth peer name "vc-$id"
ip link set "vs-$id" netns "$ns_serve"
ip link set "vc-$id" netns "$ns_clients"
ip -n "$ns_serve" addr add "$link_net.1/24" dev "vs-$id"
ip -n "$ns_serve" link set "vs-$id" up
ip -n "$ns_serve" route add blackhole "$spoof_net.0/24"
ip -n "$ns_clients" addr add "$link_net.2/24" dev "vc-$id"
ip -n "$ns_clients" link set "vc-$id" up
ip -n "$ns_clients" route add "$tun_net.0/24" via "$link_net.1"

java_run=("$JAVA_HOME/bin/java" -XX:+UseCompactObjectHeaders --enable-native-access=dev.sluice.core
  -p "$here/sluice-cli/target/lib:$here/sluice-cli/target/sluice-cli.jar")
# Sluice's /22 puts the clients' and the spoofed /24s on its link: every reply goes to the TUN
# device, and the kernel in the serve namespace routes it on.
"${java_run[@]}" -Djava.nio.channels.spi.SelectorProvider=dev.sluice.nio.SluiceSelectorProvider \
  -m dev.sluice.cli/dev.sluice.cli.Main serve --netns "$ns_serve" --tun tun0 \
  --address "$sluice/22" --peer-address "$tun_net.1/24" --echo-port 0 --duration 3600 --counters 1 \
  "${serve_args[@]}" >"$work/counters" 2>"$work/serve.err" &
serve_pid=$!; pids+=("$serve_pid")
for _ in $(seq 1 150); do
  ip netns exec "$ns_clients" curl -s -o /dev/null --max-time 1 "http://$sluice/" && break
  kill -0 "$serve_pid" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
  sleep 0.2
done
ip netns exec "$ns_clients" curl -s -o /dev/null --max-time 2 "http://$sluice/" \
  || { echo "bench-synflood: sluice serve never answered" >&2; exit 1; }

# The live heap: what a full collection leaves (kilobytes).
live_heap_kb() {
  jcmd "$serve_pid" GC.run >/dev/null
  jcmd "$serve_pid" GC.heap_info | grep -o 'used [0-9]*K' | head -n 1 | tr -dc '0-9'
}
# CPU seconds (user + system) of the serve JVM's threads, grouped: TUN readers, receive workers, the
# rest (HTTP server, GC, JIT).
thread_cpu() {
  python3 - "$serve_pid" <<'EOF'
import glob, os, sys
tick = os.sysconf("SC_CLK_TCK")
groups = {"readers": 0.0, "workers": 0.0, "other": 0.0}
for task in glob.glob(f"/proc/{sys.argv[1]}/task/*"):
    try:
        name = open(task + "/comm").read().strip()
        fields = open(task + "/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    seconds = (int(fields[11]) + int(fields[12])) / tick
    key = "readers" if name.startswith("sluice-tun") else "workers" if name.startswith("sluice-worker") else "other"
    groups[key] += seconds
print(" ".join(f"{groups[k]:.2f}" for k in ("readers", "workers", "other")))
EOF
}
# The latest counters line serve printed.
counters() { sleep 1.1; grep '^{' "$work/counters" | tail -n 1; }
# The kernel's side of the TUN device: packets it handed Sluice, and those it dropped because
# Sluice's queue (the device's ring in the kernel) was full.
tun_stat() { ip netns exec "$ns_serve" cat "/sys/class/net/tun0/statistics/$1"; }
# Packets the kernel dropped at its per-CPU input backlog (netdev_max_backlog), where veth and TUN
# writes queue: the second column of /proc/net/softnet_stat, in hex, summed over CPUs (the whole
# machine's, not only our namespaces').
backlog_drops() {
  local n=0 _first dropped _rest
  while read -r _first dropped _rest; do n=$((n + 16#$dropped)); done </proc/net/softnet_stat
  echo "$n"
}

# One phase: CLIENTS loops fetch /bytes/1000 until FETCHES in all, or until the file $2 exists
# (the flood is over); each fetch writes "HTTP-CODE SECONDS CONNECTED-AT FIRST-BYTE-AT".
# Meanwhile one more client downloads /bytes/$bulk_bytes over and over (an established
# connection moving data through the same queues), until the small fetches are done or $max_bulk
# downloads. curl's kernel retransmits a lost SYN after 1 s, then (Linux 6.5 and later,
# tcp_syn_linear_timeouts) once a second up to four times before backing off; --max-time bounds
# each fetch.
bulk_bytes=$((10 * 1024 * 1024))
max_bulk=20
phase() {
  local name=$1 stop_file=$2 per=$(( (fetches + clients - 1) / clients ))
  local loop_pids=()
  for c in $(seq 1 "$clients"); do
    (
      for _ in $(seq 1 "$per"); do
        [ -n "$stop_file" ] && [ -e "$stop_file" ] && break
        ip netns exec "$ns_clients" curl -s -o /dev/null --max-time 10 \
          -w '%{http_code} %{time_total} %{time_connect} %{time_starttransfer}\n' "http://$sluice/bytes/1000" || true
      done >"$work/$name.$c"
    ) &
    loop_pids+=("$!")
  done
  (
    for _ in $(seq 1 "$max_bulk"); do
      [ -e "$work/$name.done" ] && break
      ip netns exec "$ns_clients" curl -s -o /dev/null --max-time 30 \
        -w '%{http_code} %{time_total} %{size_download}\n' "http://$sluice/bytes/$bulk_bytes" || true
    done >"$work/$name.bulk"
  ) &
  local bulk_pid=$!
  # And pings (not SYNs: they use the whole receive queue): the round trip through the queues.
  ip netns exec "$ns_clients" ping -n -q -c 20 -i 0.2 -W 2 "$sluice" >"$work/$name.ping" 2>&1 &
  local ping_pid=$!
  wait "${loop_pids[@]}"
  touch "$work/$name.done"
  wait "$bulk_pid"
  wait "$ping_pid" || true
  cat "$work/$name".[0-9]* >"$work/$name"
}
bulk_summary() { # file -> "ok/total median-MB/s"
  python3 - "$1" "$bulk_bytes" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
ok = [int(size) / float(t) / 1e6 for code, t, size in rows if code == "200" and int(size) == int(sys.argv[2])]
print(f"{len(ok)}/{len(rows)} {statistics.median(ok) if ok else float('nan'):.1f}")
EOF
}
summary() { # file -> "ok/total rate p50 p99 max slow", slow: fetches of 1 s or more (a retransmitted SYN)
  python3 - "$1" <<'EOF'
import sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
ok = sorted(float(row[1]) * 1000 for row in rows if row[0] == "200")
def pct(p):
    return ok[min(len(ok) - 1, int(p * len(ok)))] if ok else float("nan")
rate = 100.0 * len(ok) / len(rows) if rows else float("nan")
slow = sum(1 for t in ok if t >= 1000)
print(f"{len(ok)}/{len(rows)} {rate:.1f}% {pct(0.50):.1f} {pct(0.99):.1f} {ok[-1] if ok else float('nan'):.1f} {slow}")
EOF
}

heap_before=$(live_heap_kb)
counters_before=$(counters)
phase quiet ""
tun_tx0=$(tun_stat tx_packets); tun_drop0=$(tun_stat tx_dropped); backlog0=$(backlog_drops)

echo "bench-synflood: flooding $sluice:80 from $attackers spoofed address(es) of $spoof_net.0/24 ($mode mode)" >&2
flood_pids=()
for a in $(seq 1 "$attackers"); do
  if [ "$mode" = count ]; then how=(--faster -c 100000); else how=(--flood); fi
  ip netns exec "$ns_clients" timeout "$flood_seconds" hping3 -q -S -p 80 -a "$spoof_net.$((a + 9))" "${how[@]}" \
    "$sluice" >"$work/hping.$a" 2>&1 &
  flood_pids+=("$!")
done
flood_end=$work/flood-over
( while :; do
    alive=0
    for p in "${flood_pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" -eq 1 ] || { touch "$flood_end"; exit 0; }
    sleep 0.2
  done ) &
watcher=$!; pids+=("$watcher")
sleep 1 # let the flood fill the listener's half-open places first
cpu0=$(thread_cpu); t0=$(date +%s.%N); cookies0=$(counters | python3 -c 'import json, sys; print(json.load(sys.stdin)["tcp"].get("TcpExtSyncookiesSent", 0))')
phase flood "$flood_end"
cpu1=$(thread_cpu); t1=$(date +%s.%N); cookies1=$(counters | python3 -c 'import json, sys; print(json.load(sys.stdin)["tcp"].get("TcpExtSyncookiesSent", 0))')
heap_during=$(live_heap_kb)
counters_during=$(counters)
peak=$(grep '^{' "$work/counters" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
print(max(r["connections"] for r in rows), max(r["heapUsedBytes"] for r in rows) // 1024)')
wait "${flood_pids[@]}" 2>/dev/null || true
wait "$watcher" 2>/dev/null || true
sent=0
for a in $(seq 1 "$attackers"); do
  n=$(grep -o '^[0-9]* packets transmitted' "$work/hping.$a" | cut -d' ' -f1 || true)
  sent=$((sent + ${n:-0}))
done
tun_tx1=$(tun_stat tx_packets); tun_drop1=$(tun_stat tx_dropped); backlog1=$(backlog_drops)
sleep 2
counters_after=$(counters)
heap_after=$(live_heap_kb)

echo
echo "sluice serve under a SYN flood: $(nproc) CPUs; $clients curl clients, /bytes/1000, $fetches fetches per phase;"
echo "$attackers x hping3 ($mode mode, ${flood_seconds}s) from $spoof_net.0/24 to $sluice:80"
echo
echo "| Phase | Fetches OK | Success | p50 ms | p99 ms | max ms | Fetches of 1 s or more |"
echo "|---|---:|---:|---:|---:|---:|---:|"
read -r okq rateq p50q p99q maxq slowq <<<"$(summary "$work/quiet")"
read -r okf ratef p50f p99f maxf slowf <<<"$(summary "$work/flood")"
echo "| no flood | $okq | $rateq | $p50q | $p99q | $maxq | $slowq |"
echo "| SYN flood | $okf | $ratef | $p50f | $p99f | $maxf | $slowf |"
echo
read -r bokq bmbq <<<"$(bulk_summary "$work/quiet.bulk")"
read -r bokf bmbf <<<"$(bulk_summary "$work/flood.bulk")"
echo "Meanwhile, 10 MB downloads (one client): $bokq complete at a median $bmbq MB/s without the flood," \
  "$bokf at $bmbf MB/s during it; 20 pings: $(grep -o '[0-9]*% packet loss' "$work/quiet.ping"), rtt" \
  "min/avg/max $(grep -o '= [0-9./]*' "$work/quiet.ping" | cut -d/ -f1-3 | tr -d '= ') ms without the flood," \
  "$(grep -o '[0-9]*% packet loss' "$work/flood.ping"), $(grep -o '= [0-9./]*' "$work/flood.ping" | cut -d/ -f1-3 | tr -d '= ') ms during it"
echo
echo "Live heap (after a full GC): before $((heap_before / 1024)) MB, during the flood $((heap_during / 1024)) MB," \
  "after $((heap_after / 1024)) MB; peak heap in use (garbage included) $(( ${peak#* } / 1024 )) MB;" \
  "peak connections ${peak% *}"
read -r r0 w0 o0 <<<"$cpu0"; read -r r1 w1 o1 <<<"$cpu1"
echo "The serve JVM's CPU during the flooded phase, in cores: $(awk -v a="$r0" -v b="$r1" -v c="$w0" -v d="$w1" \
  -v e="$o0" -v f="$o1" -v s="$t0" -v t="$t1" 'BEGIN { w = t - s; printf "TUN readers %.2f, workers %.2f, other %.2f", (b - a) / w, (d - c) / w, (f - e) / w }');" \
  "SYN cookies sent per second of worker CPU: $(awk -v n=$((cookies1 - cookies0)) -v c="$w0" -v d="$w1" 'BEGIN { printf "%.0f", n / (d - c) }')"
echo "SYNs sent by hping3: $sent; the kernel handed the TUN device $((tun_tx1 - tun_tx0)) packets and dropped" \
  "$((tun_drop1 - tun_drop0)) (Sluice's queue in the kernel full); the kernel's per-CPU input backlogs dropped" \
  "$((backlog1 - backlog0))"
python3 - "$counters_before" "$counters_during" "$counters_after" <<'EOF'
import json, sys
before, during, after = (json.loads(a) for a in sys.argv[1:])
def flat(row):
    values = dict(row["tcp"])
    values.update({"device " + k: v for k, v in row["device"]["drops"].items()})
    values["device transmitErrors"] = row["device"]["transmitErrors"]
    values["connections"] = row["connections"]
    return values
b, d, a = flat(before), flat(during), flat(after)
print("\nCounters (serve --counters): before, end of the flooded phase, 2 s after the flood")
print("| Counter | Before | During | After |\n|---|---:|---:|---:|")
keep = ("TcpPassiveOpens", "TcpExtSyncookiesSent", "TcpExtSyncookiesRecv", "TcpExtSyncookiesFailed",
        "TcpOutRsts", "TcpRetransSegs", "TcpExtTCPAbortOnTimeout", "connections")
for key in sorted(set(b) | set(d) | set(a)):
    if key in keep or key.startswith("Drop") or key.startswith("device"):
        print(f"| {key} | {b.get(key, 0)} | {d.get(key, 0)} | {a.get(key, 0)} |")
EOF
