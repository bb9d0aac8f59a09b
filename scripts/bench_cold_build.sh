#!/usr/bin/env bash
# The README's run command on a fresh clone, cold: wall time, CPU time and the number of
# crates compiled. The registry's sources already downloaded (a first `cargo fetch` is
# network time, not build time); the target directory new.
#   scripts/bench_cold_build.sh [SCRATCH_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${1:-/tmp/init-cold-build}
rm -rf "$scratch"
git clone -q . "$scratch"
cd "$scratch"
cargo fetch -q
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-), $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "wall %e s, user %U s, sys %S s" cargo run --example quickstart > /dev/null 2> build.log \
    || { tail -20 build.log; exit 1; }
echo "crates compiled: $(grep -c '^ *Compiling' build.log)"
tail -1 build.log
cd /
rm -rf "$scratch"
