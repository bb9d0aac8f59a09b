#!/usr/bin/env bash
# Writes the committed listing of the public API, one line per item with its signature, so a
# change to the surface shows up in review as a diff of docs/public-api/*.txt.
#
# Needs a nightly toolchain (rustdoc JSON) and cargo-public-api:
#   rustup toolchain install nightly && cargo install cargo-public-api --locked
# Run from anywhere: scripts/public-api.sh          (rewrites the listings)
#                    scripts/public-api.sh --check  (fails if they are stale)
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/public-api
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# init-core holds every item with its signature; init is the door that re-exports them.
for crate in init-core init; do
    cargo public-api -p "$crate" -sss --color never > "$tmp/$crate.txt"
done
if [[ "${1:-}" == "--check" ]]; then
    for crate in init-core init; do
        diff -u "$out/$crate.txt" "$tmp/$crate.txt" || { echo "public API listing of $crate is stale: run scripts/public-api.sh" >&2; exit 1; }
    done
else
    cp "$tmp"/*.txt "$out/"
fi
