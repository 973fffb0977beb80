# Two network namespaces joined by one veth pair, for the scripts that capture what Linux sends
# (capture-corpus.sh, make-doctor-captures.sh). Sourced, not run.
#
# The caller sets NS_A NS_B VETH_A VETH_B MAC_A MAC_B V4_A V4_B (only 198.18.0.0/15: nothing
# leaves the pair), defines die(), and may define two hooks, called for each side:
#   veth_side_before_address NS DEV           e.g. IPv6 sysctls
#   veth_side_after_up NS DEV PEER_V4 PEER_MAC  e.g. permanent neighbours, TCP sysctls
# Offloads are turned off on both ends, so tcpdump sees the segments a NIC would send, with their
# checksums filled in, instead of 64 KB TSO/GSO super-segments with partial checksums.

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# Makes $work_dir (under /tmp, named after $1), arms the clean-up, and removes the leftovers of an
# interrupted earlier run. The caller records its tcpdump in $tcpdump_pid and other background
# processes in $background_pids; the clean-up stops them all and deletes both namespaces.
veth_pair_start() {
  work_dir=$(mktemp -d "/tmp/$1.XXXXXX")
  tcpdump_pid=
  background_pids=()
  trap veth_pair_cleanup EXIT
  trap 'exit 130' INT TERM
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
}

veth_pair_cleanup() {
  local pid
  if [ -n "$tcpdump_pid" ]; then
    kill -TERM "$tcpdump_pid" 2>/dev/null || true
    wait "$tcpdump_pid" 2>/dev/null || true
  fi
  for pid in "${background_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # Deleting a namespace deletes its end of the veth, and so the pair.
  ip netns del "$NS_A" 2>/dev/null || true
  ip netns del "$NS_B" 2>/dev/null || true
  rm -rf "$work_dir"
}

veth_pair_create() {
  local side ns dev mac v4 peer_v4 peer_mac
  ip netns add "$NS_A"
  ip netns add "$NS_B"
  ip link add "$VETH_A" netns "$NS_A" type veth peer name "$VETH_B" netns "$NS_B"
  for side in A B; do
    if [ "$side" = A ]; then
      ns=$NS_A dev=$VETH_A mac=$MAC_A v4=$V4_A peer_v4=$V4_B peer_mac=$MAC_B
    else
      ns=$NS_B dev=$VETH_B mac=$MAC_B v4=$V4_B peer_v4=$V4_A peer_mac=$MAC_A
    fi
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" ip link set "$dev" address "$mac" mtu 1500
    ip netns exec "$ns" ethtool -K "$dev" tx off rx off tso off gso off gro off >/dev/null
    if declare -F veth_side_before_address >/dev/null; then
      veth_side_before_address "$ns" "$dev"
    fi
    ip netns exec "$ns" ip addr add "$v4/24" dev "$dev"
    ip netns exec "$ns" ip link set "$dev" up
    if declare -F veth_side_after_up >/dev/null; then
      veth_side_after_up "$ns" "$dev" "$peer_v4" "$peer_mac"
    fi
  done
}
