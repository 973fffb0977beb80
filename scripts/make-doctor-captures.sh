#!/usr/bin/env bash
# Makes the four small captures that DoctorOnLinuxCapturesTest checks `sluice doctor` against:
#
#   clean.pcap             an echo exchange; both ends close properly          -> no problems
#   fin-not-returned.pcap  the server reads end-of-stream and never closes     -> fin-not-returned (server)
#   zero-window.pcap       the server stops reading, the client keeps writing  -> zero-window-stall (server)
#   peer-vanishes.pcap     the server's address vanishes mid-transfer, the
#                          client's retransmissions back off                   -> retransmission-storm (client)
#
# Two network namespaces joined by one veth pair, 198.18.0.1/24 (A, the clients) and 198.18.0.2/24
# (B, the servers); nothing else is addressed, and IPv6 is off in both, so no packet goes anywhere
# but the pair. tcpdump runs in A on A's end with a snapshot length of 128 bytes, so the files are
# small and the doctor has to cope with packets cut short.
#
# Usage (as root): scripts/make-doctor-captures.sh [output-dir]
# The default output directory is sluice-cli/src/test/resources/captures in this repository. Every
# peer and every capture runs under a timeout; the namespaces are removed on exit, whatever happens.
set -euo pipefail

readonly NS_A=sluice-doctor-a-$$ # per run: two runs at once (two test suites) must not share them
readonly NS_B=sluice-doctor-b-$$
readonly VETH_A=sd-a-$$
readonly VETH_B=sd-b-$$
readonly MAC_A=02:53:4c:00:01:0a
readonly MAC_B=02:53:4c:00:01:0b
readonly V4_A=198.18.0.1
readonly V4_B=198.18.0.2
readonly SNAPLEN=128
readonly MAX_PACKETS=600 # each capture stops by itself after this many packets

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out_dir=${1:-$repo_root/sluice-cli/src/test/resources/captures}

die() {
  echo "make-doctor-captures: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (it creates network namespaces)"
if ! command -v ethtool >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || die "'ethtool' is missing and there is no apt-get to install it"
  echo "make-doctor-captures: installing ethtool" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ethtool >/dev/null \
    || { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ethtool >/dev/null; } \
    || die "could not install ethtool"
fi
for tool in ip tcpdump python3 ethtool sysctl ss timeout; do
  command -v "$tool" >/dev/null 2>&1 \
    || die "'$tool' is missing; on Debian: apt-get install -y iproute2 tcpdump python3 ethtool procps coreutils"
done

. "$repo_root/scripts/lib/veth-pair.sh"
veth_pair_start sluice-doctor

# --- The peers: each mode does one thing and gives up after a bounded time.
cat >"$work_dir/peer.py" <<'PY'
import socket, sys, time

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
hold = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0

def listener(rcvbuf=None):
  s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
  s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
  if rcvbuf:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # inherited by the accepted socket
  s.settimeout(10)
  s.bind((host, port))
  s.listen(1)
  return s

def drain(c):
  while c.recv(4096):
    pass

if mode == "echo-server":
  # Echoes until end-of-stream, then closes: the clean exchange.
  with listener() as s:
    c, _ = s.accept()
    with c:
      c.settimeout(5)
      while True:
        data = c.recv(4096)
        if not data:
          break
        c.sendall(data)
elif mode == "echo-client":
  with socket.create_connection((host, port), timeout=5) as c:
    for i in range(3):
      m = b"line %d of a clean exchange\n" % i
      c.sendall(m)
      got = b""
      while len(got) < len(m):
        got += c.recv(4096)
      time.sleep(0.05)
    c.shutdown(socket.SHUT_WR)
    drain(c)
elif mode == "never-close-server":
  # Reads the request to end-of-stream, then holds the socket open without closing: the kernel
  # has ACKed the FIN, but no FIN goes back (the KB Q114541 symptom, made by the application).
  with listener() as s:
    c, _ = s.accept()
    c.settimeout(5)
    drain(c)
    time.sleep(hold)
    c.close()
elif mode == "half-close-client":
  # Sends a request and its FIN, then waits for the answer and the server's FIN. Keepalive probes
  # every second (Linux sends them in FIN-WAIT-2 too) show the wait in the capture: a pcap file
  # does not record when capturing stopped, only when the last packet passed.
  with socket.create_connection((host, port), timeout=5) as c:
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    c.sendall(b"GET / HTTP/1.0\r\n\r\n")
    c.shutdown(socket.SHUT_WR)
    c.settimeout(hold)
    try:
      drain(c)
    except socket.timeout:
      pass
elif mode == "stop-reading-server":
  # Accepts with a small receive buffer and never reads: the window closes.
  with listener(rcvbuf=4096) as s:
    c, _ = s.accept()
    time.sleep(hold)
    c.close()
elif mode == "bulk-client":
  # Writes as fast as it may until the time is up (blocked writes time out).
  c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
  c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
  c.settimeout(5)
  c.connect((host, port))
  c.settimeout(hold)
  block = bytes(range(256)) * 16
  try:
    while True:
      c.sendall(block)
  except (socket.timeout, OSError):
    pass
  c.close()
elif mode == "sink-server":
  # Reads and discards until end-of-stream or the time is up.
  with listener() as s:
    c, _ = s.accept()
    c.settimeout(hold)
    try:
      drain(c)
    except (socket.timeout, OSError):
      pass
    c.close()
elif mode == "trickle-client":
  # Sends 1000 bytes every 50 ms until the time is up.
  with socket.create_connection((host, port), timeout=5) as c:
    c.settimeout(hold)
    end = time.time() + hold
    try:
      while time.time() < end:
        c.sendall(b"x" * 1000)
        time.sleep(0.05)
    except (socket.timeout, OSError):
      pass
else:
  sys.exit("unknown mode " + mode)
PY

# Starts a server in namespace B in the background and waits until it listens.
serve() {
  local port=$1
  shift
  ip netns exec "$NS_B" timeout 20 python3 "$work_dir/peer.py" "$1" "$V4_B" "$port" "${@:2}" &
  background_pids+=($!)
  for _ in $(seq 50); do
    [ -n "$(in_b ss -Hltn "sport = :$port")" ] && return 0
    sleep 0.1
  done
  die "server on port $port did not start"
}

# Starts a client in namespace A in the background.
client() {
  local port=$1
  shift
  ip netns exec "$NS_A" timeout 20 python3 "$work_dir/peer.py" "$1" "$V4_B" "$port" "${@:2}" &
  background_pids+=($!)
}

# Waits until the client in namespace A has completed its handshake to this port, so that the
# sleeps after it time the scenario itself, not a Python start-up slowed by a busy machine.
await_established() {
  local port=$1
  for _ in $(seq 200); do
    [ -n "$(ip netns exec "$NS_A" ss -Htn state established state fin-wait-1 state fin-wait-2 "dport = :$port")" ] && return 0
    sleep 0.05
  done
  die "the client on port $port did not connect"
}

# Waits for every peer (they all end within their timeouts).
await_peers() {
  local pid
  for pid in "${background_pids[@]}"; do
    wait "$pid" || true
  done
  background_pids=()
}

start_capture() {
  local name=$1
  shift
  # -Z root: tcpdump would otherwise drop to its own user and might not write to the work dir.
  # --immediate-mode: nothing waits in the ring buffer when tcpdump is told to stop.
  ip netns exec "$NS_A" timeout 30 tcpdump -i "$VETH_A" -n -U --immediate-mode -Z root -s "$SNAPLEN" \
    -c "$MAX_PACKETS" "$@" -w "$work_dir/$name" 2>"$work_dir/$name.log" &
  tcpdump_pid=$!
  for _ in $(seq 50); do
    grep -qs "listening on" "$work_dir/$name.log" && return 0
    sleep 0.1
  done
  die "tcpdump did not start: $(cat "$work_dir/$name.log")"
}

stop_capture() {
  local name=$1
  kill -TERM "$tcpdump_pid" 2>/dev/null || true
  wait "$tcpdump_pid" || true
  tcpdump_pid=
  cp "$work_dir/$name" "$out_dir/$name"
  printf '%-22s %4d packets %7d bytes\n' "$name" \
    "$(tcpdump -r "$out_dir/$name" -n 2>/dev/null | wc -l)" "$(stat -c %s "$out_dir/$name")"
}

# --- The link.
veth_side_before_address() { # ns dev
  # IPv6 off: no router solicitations, MLD reports or neighbour discovery in the files.
  ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}
veth_side_after_up() { # ns dev peer-v4 peer-mac
  # Permanent neighbours: no ARP in the files, and A keeps sending to B after B's address is gone.
  ip netns exec "$1" ip neigh replace "$3" lladdr "$4" dev "$2" nud permanent
  ip netns exec "$1" sysctl -q -w net.ipv4.tcp_timestamps=1 net.ipv4.tcp_sack=1 net.ipv4.tcp_window_scaling=1
}
veth_pair_create
mkdir -p "$out_dir"
sleep 0.5

# --- 1. A clean exchange.
start_capture clean.pcap
serve 8101 echo-server
client 8101 echo-client
await_peers
sleep 0.3
stop_capture clean.pcap

# --- 2. The server never closes after reading end-of-stream; the client waits for its FIN.
start_capture fin-not-returned.pcap
serve 8102 never-close-server 6
client 8102 half-close-client 5
await_established 8102
sleep 2.5
stop_capture fin-not-returned.pcap
await_peers

# --- 3. A zero-window stall: the server stops reading, the client keeps writing, the run ends.
# Nanosecond timestamps, so the fixtures cover both pcap magics.
start_capture zero-window.pcap --time-stamp-precision=nano
serve 8103 stop-reading-server 5
client 8103 bulk-client 4
await_established 8103
sleep 3.5
stop_capture zero-window.pcap
await_peers

# --- 4. The peer vanishes mid-transfer: B's address is removed, so B's kernel drops what A sends
# (it is no longer addressed to it, and B does not forward) and answers nothing. A's
# retransmissions back off. (Taking the link down instead would take the carrier from A's end too,
# and A's retransmissions would never reach the capture.)
start_capture peer-vanishes.pcap
serve 8104 sink-server 7
client 8104 trickle-client 6
await_established 8104
sleep 0.6
in_b ip addr del "$V4_B/24" dev "$VETH_B"
sleep 4.5
stop_capture peer-vanishes.pcap
await_peers

echo "captures written to $out_dir"
