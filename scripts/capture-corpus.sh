#!/usr/bin/env bash
# Captures a small corpus of real Linux-kernel packets for KernelCorpusTest.
#
# Two network namespaces joined by one veth pair talk to each other over TCP, UDP and ICMP, IPv4
# and IPv6, and tcpdump on namespace A's end writes classic pcap files. The traffic never leaves
# the pair: IPv4 uses only 198.18.0.0/15 (RFC 2544 benchmarking) and IPv6 only 2001:2::/48
# (RFC 5180 benchmarking); the only other destinations are the link-local multicast and broadcast
# groups that ARP, neighbour discovery and MLD use on the veth itself.
#
# Usage (as root, from anywhere): scripts/capture-corpus.sh [output-dir]
# The default output directory is sluice-core/src/test/resources/corpus in this repository.
# Re-running replaces the pcap files; leftovers of an interrupted run are removed first.
set -euo pipefail

readonly NS_A=sluice-corpus-a
readonly NS_B=sluice-corpus-b
readonly VETH_A=sc-veth-a
readonly VETH_B=sc-veth-b
# Fixed, locally administered MACs so that re-captures differ as little as possible.
readonly MAC_A=02:53:4c:00:00:0a
readonly MAC_B=02:53:4c:00:00:0b
readonly V4_A=198.18.0.1
readonly V4_B=198.18.0.2
readonly V6_A=2001:2::1
readonly V6_B=2001:2::2
# Every capture stops by itself after this many packets, whatever happens.
readonly MAX_PACKETS_SMALL=200
readonly MAX_PACKETS_SACK=600
readonly BULK_BYTES=$((200 * 1024))

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out_dir=${1:-$repo_root/sluice-core/src/test/resources/corpus}

die() {
  echo "capture-corpus: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (it creates network namespaces)"
for tool in ip tcpdump python3 ping ethtool sysctl ss timeout; do
  command -v "$tool" >/dev/null 2>&1 \
    || die "'$tool' is missing; on Debian: apt-get install -y iproute2 tcpdump python3 iputils-ping ethtool procps coreutils"
done

. "$repo_root/scripts/lib/veth-pair.sh"
veth_pair_start sluice-corpus

# --- The traffic generator: small, deterministic TCP and UDP peers with hard timeouts.
cat >"$work_dir/peer.py" <<'PY'
import socket, sys, time

mode, family, host, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
fam = socket.AF_INET6 if family == "6" else socket.AF_INET
MESSAGES = [b"hello from sluice corpus client\n", b"a second, longer line of request data " * 3 + b"\n",
            b"bye\n"]

def listener(kind):
  s = socket.socket(fam, kind)
  s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
  s.settimeout(10)
  s.bind((host, port))
  if kind == socket.SOCK_STREAM:
    s.listen(1)
  return s

if mode == "tcp-echo-server":
  # Echoes each chunk upper-cased, then closes after the client's FIN.
  with listener(socket.SOCK_STREAM) as s:
    c, _ = s.accept()
    with c:
      c.settimeout(5)
      while True:
        data = c.recv(4096)
        if not data:
          break
        c.sendall(data.upper())
elif mode == "tcp-client":
  with socket.create_connection((host, port), timeout=5) as c:
    for m in MESSAGES:
      c.sendall(m)
      got = b""
      while len(got) < len(m):
        chunk = c.recv(4096)
        if not chunk:
          break
        got += chunk
      time.sleep(0.05)
    c.shutdown(socket.SHUT_WR)
    while c.recv(4096):
      pass
elif mode == "tcp-closed":
  try:
    socket.create_connection((host, port), timeout=3).close()
    sys.exit("expected the connection to be refused")
  except ConnectionRefusedError:
    pass
elif mode == "bulk-server":
  size = int(sys.argv[5])
  with listener(socket.SOCK_STREAM) as s:
    c, _ = s.accept()
    with c:
      c.settimeout(15)
      block = bytes(range(256)) * 64
      sent = 0
      while sent < size:
        n = min(len(block), size - sent)
        c.sendall(block[:n])
        sent += n
      c.shutdown(socket.SHUT_WR)
      while c.recv(4096):
        pass
elif mode == "bulk-client":
  size = int(sys.argv[5])
  with socket.create_connection((host, port), timeout=15) as c:
    got = 0
    while True:
      chunk = c.recv(65536)
      if not chunk:
        break
      got += len(chunk)
  if got != size:
    sys.exit(f"bulk transfer got {got} of {size} bytes")
elif mode == "udp-echo-server":
  count = int(sys.argv[5])
  with listener(socket.SOCK_DGRAM) as s:
    for _ in range(count):
      data, peer = s.recvfrom(65535)
      s.sendto(data.upper(), peer)
elif mode == "udp-client":
  size = int(sys.argv[5])
  count = int(sys.argv[6])
  expect_reply = sys.argv[7] == "reply"
  with socket.socket(fam, socket.SOCK_DGRAM) as s:
    s.settimeout(3)
    for i in range(count):
      payload = (b"udp datagram %d " % i) * (size // 15 + 1)
      s.sendto(payload[:size], (host, port))
      if expect_reply:
        s.recvfrom(65535)
      time.sleep(0.05)
    if not expect_reply:
      time.sleep(0.3)  # let the ICMP error arrive before the socket goes
else:
  sys.exit("unknown mode " + mode)
PY
# Every client runs in namespace A: from the host's namespace these addresses would leave the pair.
peer() { in_a timeout 20 python3 "$work_dir/peer.py" "$@"; }

# Starts a peer in namespace B in the background and waits until its socket is bound.
serve() {
  local proto=$1 port=$2
  shift 2
  # Started directly, not through in_b: a function run with & would fork a subshell, and $! would
  # name the subshell rather than the peer.
  ip netns exec "$NS_B" timeout 20 python3 "$work_dir/peer.py" "$@" &
  background_pids+=($!)
  local flag=-Hltn
  [ "$proto" = udp ] && flag=-Hlun
  for _ in $(seq 50); do
    [ -n "$(in_b ss $flag "sport = :$port")" ] && return 0
    sleep 0.1
  done
  die "server on port $port did not start"
}

# Waits for every background server, so a failure in one fails the capture.
await_servers() {
  local pid
  for pid in "${background_pids[@]}"; do
    wait "$pid" || die "a server exited with an error"
  done
  background_pids=()
}

start_capture() {
  local name=$1 max=$2
  rm -f "$out_dir/$name"
  # Both neighbour caches start empty, so every file carries its own ARP or neighbour discovery.
  in_a ip neigh flush dev "$VETH_A"
  in_b ip neigh flush dev "$VETH_B"
  # -Z root: tcpdump would otherwise drop to its own user and might not write to the work dir.
  # Started directly (ip netns exec execs tcpdump, so $! is tcpdump itself): through a function,
  # & would fork a subshell, and a background subshell ignores SIGINT and never passes on a signal.
  # --immediate-mode: with the default TPACKET_V3 ring, packets wait in a block until it fills or
  # a one-second timeout retires it, and whatever sits in the current block when tcpdump is told to
  # stop is lost.
  ip netns exec "$NS_A" tcpdump -i "$VETH_A" -n -U --immediate-mode -Z root -c "$max" \
    -w "$work_dir/$name" \
    2>"$work_dir/$name.log" &
  tcpdump_pid=$!
  for _ in $(seq 50); do
    grep -qs "listening on" "$work_dir/$name.log" && return 0
    sleep 0.1
  done
  die "tcpdump did not start: $(cat "$work_dir/$name.log")"
}

stop_capture() {
  local name=$1
  sleep 0.5  # delayed ACKs and the last FIN
  # SIGTERM, not SIGINT: bash starts background jobs with SIGINT ignored. tcpdump flushes on both.
  kill -TERM "$tcpdump_pid" 2>/dev/null || true
  wait "$tcpdump_pid" || true
  tcpdump_pid=
  cp "$work_dir/$name" "$out_dir/$name"
  printf '%-16s %4d packets %7d bytes\n' "$name" \
    "$(tcpdump -r "$out_dir/$name" -n 2>/dev/null | wc -l)" "$(stat -c %s "$out_dir/$name")"
}

tcp_sysctls() { # timestamps sack window_scaling ecn, in both namespaces
  local ns
  for ns in "$NS_A" "$NS_B"; do
    ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_timestamps="$1" net.ipv4.tcp_sack="$2" \
      net.ipv4.tcp_window_scaling="$3" net.ipv4.tcp_ecn="$4"
  done
}

tcp_conversation() { # family server-address port
  serve tcp "$3" tcp-echo-server "$1" "$2" "$3"
  peer tcp-client "$1" "$2" "$3"
  await_servers
}

# --- The link.
veth_side_before_address() { # ns dev
  # No router solicitations: there is no router, and they would only add timing noise.
  ip netns exec "$1" sysctl -q -w net.ipv6.conf."$2".router_solicitations=0 \
    net.ipv6.conf."$2".accept_dad=0 net.ipv6.conf."$2".disable_ipv6=0
}
veth_pair_create
tcp_sysctls 1 1 1 2  # the kernel defaults, whatever the host has
sleep 1              # link-local addresses and their MLD reports settle before any capture
mkdir -p "$out_dir"

# --- 1. TCP over IPv4: full options, a refused connection, no options, and ECN.
start_capture tcp-ipv4.pcap "$MAX_PACKETS_SMALL"
tcp_conversation 4 "$V4_B" 8001
peer tcp-closed 4 "$V4_B" 9
tcp_sysctls 0 0 0 2
tcp_conversation 4 "$V4_B" 8002
tcp_sysctls 1 1 1 1
tcp_conversation 4 "$V4_B" 8003
tcp_sysctls 1 1 1 2
stop_capture tcp-ipv4.pcap

# --- 2. TCP over IPv6, the same three ways. The global addresses are added while capturing, so
# that the MLD reports for their solicited-node groups (Hop-by-Hop header with Router Alert) land
# in this file.
start_capture tcp-ipv6.pcap "$MAX_PACKETS_SMALL"
in_a ip -6 addr add "$V6_A/64" dev "$VETH_A" nodad
in_b ip -6 addr add "$V6_B/64" dev "$VETH_B" nodad
sleep 1
tcp_conversation 6 "$V6_B" 8001
peer tcp-closed 6 "$V6_B" 9
tcp_sysctls 0 0 0 2
tcp_conversation 6 "$V6_B" 8002
tcp_sysctls 1 1 1 1  # net.ipv4.tcp_* govern TCP over IPv6 as well
tcp_conversation 6 "$V6_B" 8003
tcp_sysctls 1 1 1 2
stop_capture tcp-ipv6.pcap

# --- 3. UDP both ways, UDP to a closed port (ICMP and ICMPv6 port unreachable), and pings.
start_capture udp-icmp.pcap "$MAX_PACKETS_SMALL"
serve udp 7001 udp-echo-server 4 "$V4_B" 7001 2
peer udp-client 4 "$V4_B" 7001 48 2 reply
await_servers
serve udp 7001 udp-echo-server 6 "$V6_B" 7001 2
peer udp-client 6 "$V6_B" 7001 48 2 reply
await_servers
peer udp-client 4 "$V4_B" 9 32 1 none
peer udp-client 6 "$V6_B" 9 32 1 none
in_a ping -4 -n -q -c 2 -i 0.2 -W 2 "$V4_B" >/dev/null
in_a ping -6 -n -q -c 2 -i 0.2 -W 2 "$V6_B" >/dev/null
stop_capture udp-icmp.pcap

# --- 4. Datagrams larger than the 1500-byte MTU: IPv4 fragments and IPv6 Fragment headers.
start_capture fragments.pcap "$MAX_PACKETS_SMALL"
in_a ping -4 -n -q -c 1 -s 3000 -W 2 "$V4_B" >/dev/null
in_a ping -6 -n -q -c 1 -s 3000 -W 2 "$V6_B" >/dev/null
serve udp 7002 udp-echo-server 4 "$V4_B" 7002 1
peer udp-client 4 "$V4_B" 7002 3000 1 reply
await_servers
serve udp 7002 udp-echo-server 6 "$V6_B" 7002 1
peer udp-client 6 "$V6_B" 7002 3000 1 reply
await_servers
stop_capture fragments.pcap

# --- 5. SACK blocks: B sends a bulk stream to A, and A's netfilter input hook drops three of
# every twenty of B's data segments, a few apart, so A acknowledges the data after the holes with
# SACK options of one to three blocks. tcpdump's tap
# sits before netfilter, so each dropped segment is in the file once and its retransmission later.
# netem would be the usual tool, but this kernel lacks it. Dropping on B's way out does not work:
# TCP sees a local drop as a failed send and simply sends again, without a hole.
if command -v nft >/dev/null 2>&1; then
  in_a nft -f - <<NFT
table inet sluice_corpus {
  chain in {
    type filter hook input priority 0; policy accept;
    ip saddr $V4_B tcp sport 8004 meta length > 200 numgen inc mod 20 { 5, 8, 11 } drop
  }
}
NFT
  start_capture sack.pcap "$MAX_PACKETS_SACK"
  serve tcp 8004 bulk-server 4 "$V4_B" 8004 "$BULK_BYTES"
  peer bulk-client 4 "$V4_B" 8004 "$BULK_BYTES"
  await_servers
  stop_capture sack.pcap
  in_a nft delete table inet sluice_corpus
else
  echo "capture-corpus: nft (apt-get install -y nftables) is missing: sack.pcap not captured" >&2
fi

echo "corpus written to $out_dir"
