#!/usr/bin/env bash
# The idle CPU of a JVM holding a large heap and doing nothing, with the JVM's defaults and with
# transparent huge pages for the heap: the floor under `sluice bench --only million`'s idle figure
# (docs/benchmarks/bench.md, "A million idle connections"). Takes about a minute.
#   scripts/jvm-idle-floor.sh [objects]     (default 15,000,000: about 2 GB live)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk25.sh
objects=${1:-15000000}
run() {
  "$JAVA_HOME/bin/java" -XX:+UseCompactObjectHeaders -Xmx6g "$@" scripts/lib/JvmIdleFloor.java "$objects" | head -n 1
}
# The kernel's DAMON monitor, which some VMs run for proactive reclaim, charges an idle large heap
# for its sampling (docs/benchmarks/bench.md, "A million idle connections"): say whether it runs.
damon=$(cat /sys/kernel/mm/damon/admin/kdamonds/*/state 2>/dev/null | grep -c '^on$' || true)
echo "DAMON kdamonds running:       ${damon:-0}"
echo "JVM defaults:                 $(run)"
echo "-XX:+UseTransparentHugePages: $(run -XX:+UseTransparentHugePages)"
