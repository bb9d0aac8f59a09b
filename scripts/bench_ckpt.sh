#!/usr/bin/env bash
# W5: write a model's initial checkpoint with init-ckpt, next to the disk's own sequential
# write speed measured in the same run, with 1, 2 and 4 processes (one per rank, all started
# at once, as a launcher would), each process's peak RSS from /usr/bin/time.
#
# Run from the repository root, on a quiet machine, with room for two copies of the output:
#   scripts/bench_ckpt.sh [CONFIG.json] [SCRATCH_DIR] [DTYPE]
# Defaults: the Llama-2-7B config of init-ckpt's tests, /tmp/init-bench-ckpt, bf16.
# As root, the page cache is dropped before each run (/proc/sys/vm/drop_caches), so a run
# does not start with another's dirty pages still being written back.
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-init-ckpt/tests/fixtures/hub/llama2_7b.json}
scratch=${2:-/tmp/init-bench-ckpt}
dtype=${3:-bf16}
bin=target/release/init-ckpt

cargo build --release -q -p init-ckpt
mkdir -p "$scratch"

settle() {
    sync
    if [[ -w /proc/sys/vm/drop_caches ]]; then echo 3 > /proc/sys/vm/drop_caches; fi
}

echo "cpu: $(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2-); simd: $(grep -m1 -o -w -E "avx2|fma|avx512f" /proc/cpuinfo | sort -u | tr "\n" " ")"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# The size of the checkpoint, from a run that only plans (rank 0 of a huge world writes at
# most one shard; the summary names the total). Cheaper: write it once and measure.
settle
rm -rf "$scratch/ck"
start=$(date +%s.%N)
/usr/bin/time -f "rank 0/1 peak_rss_kib %M wall_s %e" "$bin" --config "$config" --out "$scratch/ck" \
    --dtype "$dtype" --quiet 2> "$scratch/time.0"
end=$(date +%s.%N)
bytes=$(du -cb "$scratch"/ck/*.safetensors | tail -1 | cut -f1)
cat "$scratch/time.0"; rm -f "$scratch/time.0"
echo "processes 1: $bytes bytes in $(echo "$end - $start" | bc) s," \
    "$(echo "scale=3; $bytes / ($end - $start) / 1000000000" | bc) GB/s"

# The disk: the same number of bytes, sequential, flushed before dd exits.
rm -rf "$scratch/ck"
settle
dd if=/dev/zero of="$scratch/dd.bin" bs=16M count=$(( bytes / 16777216 )) conv=fsync 2>&1 | tail -1
rm -f "$scratch/dd.bin"

for n in 2 4; do
    settle
    rm -rf "$scratch/ck"
    start=$(date +%s.%N)
    for ((r = 0; r < n; r++)); do
        /usr/bin/time -f "rank $r/$n peak_rss_kib %M wall_s %e" "$bin" --config "$config" \
            --out "$scratch/ck" --dtype "$dtype" --rank "$r" --world-size "$n" --quiet \
            2> "$scratch/time.$r" &
    done
    wait
    end=$(date +%s.%N)
    cat "$scratch"/time.*
    rm -f "$scratch"/time.*
    echo "processes $n: $bytes bytes in $(echo "$end - $start" | bc) s," \
        "$(echo "scale=3; $bytes / ($end - $start) / 1000000000" | bc) GB/s"
done
rm -rf "$scratch/ck"
