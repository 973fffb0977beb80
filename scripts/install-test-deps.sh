#!/usr/bin/env bash
# Installs the system tools the test suite drives, if any is missing. Idempotent: does nothing
# when all are present. Needs root (or it only says what is missing; the tests that need a tool
# then fail with a message naming it).
set -euo pipefail

# command -> Debian package
declare -A needs=(
  [tshark]=tshark        # reads our pcapng captures back (PcapngWriterTest)
  [ip]=iproute2          # network namespaces for kernel interop
  [tcpdump]=tcpdump      # scripts/capture-corpus.sh
  [ethtool]=ethtool      # offloads off for fair kernel baselines
  [socat]=socat          # kernel-side peers
  [curl]=curl            # HTTP downloads from sluice serve (interop)
  [wrk]=wrk              # HTTP load against sluice serve (interop)
  [ping]=iputils-ping    # ICMP echo towards Sluice (interop)
  [iperf3]=iperf3        # bulk through the gateway (GatewayLoadTest, scripts/bench-gateway.sh)
  [danted]=dante-server  # a real SOCKS5 proxy, CONNECT and UDP ASSOCIATE (GatewaySocks5Test)
  [slirp4netns]=slirp4netns # the baseline of scripts/bench-gateway.sh
  [hping3]=hping3        # SYN floods against sluice serve (SynFloodServeTest, scripts/bench-synflood.sh)
)
missing=()
for cmd in "${!needs[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${needs[$cmd]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-test-deps: missing ${missing[*]}; install them as root (apt-get install -y ${missing[*]})" >&2
  exit 0
fi
echo "install-test-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
