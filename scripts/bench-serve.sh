#!/usr/bin/env bash
# Sluice's HTTP server on a TUN device against the same Java server code on the kernel's own
# sockets, side by side in one run, in a network namespace this script creates and deletes.
# Runs alternate (ABAB...). Reports medians, ratios (Sluice / kernel) and server CPU per GB and
# per request. Needs root. Usage: scripts/bench-serve.sh [REPS] [MEGABYTES]
# Environment: SLUICE_BENCH_NET, the first three octets of the /24 to use (default 198.18.0);
# SLUICE_SERVE_ARGS, extra `sluice serve` options (say --tun-offload off, or --queues 2);
# SLUICE_SERVE_WARMUP_MB, megabytes each server sends before the measured rounds (default 2000).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$here/scripts/jdk25.sh"
reps=${1:-3}
megabytes=${2:-500}
bytes=$((megabytes * 1024 * 1024))
net=${SLUICE_BENCH_NET:-198.18.0}
read -r -a serve_args <<<"${SLUICE_SERVE_ARGS:-}"
[ "$(id -u)" -eq 0 ] || { echo "bench-serve: needs root (network namespace and TUN device)" >&2; exit 1; }
for tool in ip curl wrk ethtool; do
  command -v "$tool" >/dev/null || { echo "bench-serve: needs $tool (scripts/install-test-deps.sh)" >&2; exit 1; }
done

ns="sluice-bench-$$"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT

"$here/mvnw" -q -B ${SLUICE_BENCH_OFFLINE:+-o} -DskipTests -pl sluice-cli -am package
ip netns add "$ns"
ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
# The kernel baseline goes over the namespace's loopback: give it the same 1500-byte MTU and no
# segmentation offloads, so both stacks move 1500-byte packets (the fair per-packet comparison).
ip -n "$ns" link set lo mtu 1500 up
ip netns exec "$ns" ethtool -K lo tso off gso off gro off >/dev/null 2>&1 || true

java_run=("$JAVA_HOME/bin/java" --enable-native-access=dev.sluice.core
  -p "$here/sluice-cli/target/lib:$here/sluice-cli/target/sluice-cli.jar")
# serve runs the JDK's HttpServer on the stack through Sluice's JVM-wide SelectorProvider.
"${java_run[@]}" -Djava.nio.channels.spi.SelectorProvider=dev.sluice.nio.SluiceSelectorProvider \
  -m dev.sluice.cli/dev.sluice.cli.Main serve --netns "$ns" --tun tun0 \
  --address "$net.2/24" --peer-address "$net.1/24" --echo-port 0 --duration 3600 "${serve_args[@]}" >/dev/null &
sluice_pid=$!; pids+=("$sluice_pid")
sluice_url=http://$net.2
kernel_url=http://$net.1:8080
wait_for() {
  for _ in $(seq 1 150); do
    ip netns exec "$ns" curl -s -o /dev/null --max-time 1 "$1/" && return 0
    sleep 0.2
  done
  echo "bench-serve: $1 never answered" >&2; exit 1
}
wait_for "$sluice_url" # serve has configured $net.1 on the kernel side by now
ip netns exec "$ns" "${java_run[@]}" -m dev.sluice.cli/dev.sluice.cli.KernelHttpServer "$net.1" 8080 >/dev/null &
kernel_pid=$!; pids+=("$kernel_pid")
wait_for "$kernel_url"

tck=$(getconf CLK_TCK)
cpu() { awk -v t="$tck" '{ printf "%.6f", ($14 + $15) / t }' "/proc/$1/stat"; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# Two phases, downloads then requests, each warmed up unmeasured on both sides first: the server
# JVMs start cold, and the first rounds would otherwise time the JIT compiling the stack (the C2
# threads took 40% of Sluice's server CPU in a cold one-round profile) rather than the stack
# itself. Sluice's server reaches its steady download speed after about 1.5 GB (successive 300 MB
# downloads: 0.54, 0.69, 0.91, 1.05, 1.34 GB/s, then 1.0-1.5), the kernel's after about 1 GB, so
# each side first sends SLUICE_SERVE_WARMUP_MB (default 2000). A phase of its own per workload
# keeps one workload's rounds from timing the recompilation the other's left behind.
warmup_mb=${SLUICE_SERVE_WARMUP_MB:-2000}
side_of() { # side -> url pid
  if [ "$1" = sluice ]; then echo "$sluice_url $sluice_pid"; else echo "$kernel_url $kernel_pid"; fi
}
declare -A mbps cpu_gb rps cpu_req
for side in sluice kernel; do
  read -r url pid <<<"$(side_of "$side")"
  for _ in $(seq 1 $(((warmup_mb + megabytes - 1) / megabytes))); do
    ip netns exec "$ns" curl -s -o /dev/null "$url/bytes/$bytes"
  done
done
for rep in $(seq 1 "$reps"); do
  for side in sluice kernel; do
    read -r url pid <<<"$(side_of "$side")"
    c0=$(cpu "$pid")
    secs=$(ip netns exec "$ns" curl -s -o /dev/null -w '%{time_total}' "$url/bytes/$bytes")
    c1=$(cpu "$pid")
    mbps[$side]+="$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", b / s / 1e6 }') "
    cpu_gb[$side]+="$(awk -v c="$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')" -v b="$bytes" 'BEGIN { printf "%.3f", c / (b / 1e9) }') "
    echo "rep $rep $side: $(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f MB/s", b / s / 1e6 }')" >&2
  done
done
for side in sluice kernel; do
  read -r url pid <<<"$(side_of "$side")"
  ip netns exec "$ns" wrk -t 2 -c 64 -d 4s "$url/bytes/1000" >/dev/null
done
for rep in $(seq 1 "$reps"); do
  for side in sluice kernel; do
    read -r url pid <<<"$(side_of "$side")"
    c0=$(cpu "$pid")
    out=$(ip netns exec "$ns" wrk -t 2 -c 64 -d 5s "$url/bytes/1000")
    c1=$(cpu "$pid")
    r=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
    n=$(awk '/requests in/ { print $1 }' <<<"$out")
    rps[$side]+="$r "
    cpu_req[$side]+="$(awk -v a="$c0" -v b="$c1" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / n * 1e6 }') "
    echo "rep $rep $side: $r req/s" >&2
  done
done

row() { # name unit sluice-values kernel-values
  local s k
  s=$(tr ' ' '\n' <<<"$3" | grep -v '^$' | median)
  k=$(tr ' ' '\n' <<<"$4" | grep -v '^$' | median)
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$s" "$k" "$(awk -v s="$s" -v k="$k" 'BEGIN { printf "%.2f", s / k }')" "$2"
}
echo
echo "Sluice (TUN, MTU 1500) vs kernel (namespace loopback, MTU 1500, offloads off); $reps reps each, alternating, medians; $(nproc) CPUs"
echo
echo "| Measure | Sluice | Kernel | Ratio | Unit |"
echo "|---|---:|---:|---:|---|"
row "bulk download, $megabytes MB (curl)" "MB/s" "${mbps[sluice]}" "${mbps[kernel]}"
row "requests, 64 connections, 1000-byte bodies (wrk)" "req/s" "${rps[sluice]}" "${rps[kernel]}"
row "server CPU per GB downloaded" "CPU s/GB" "${cpu_gb[sluice]}" "${cpu_gb[kernel]}"
row "server CPU per request" "CPU µs/request" "${cpu_req[sluice]}" "${cpu_req[kernel]}"
