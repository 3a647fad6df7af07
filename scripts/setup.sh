#!/usr/bin/env bash
# First-time set-up on a fresh Debian 12 machine: install the Debian packages (through sudo unless run as root),
# build subq (Release, in ./build), and run the main job: `subq info` and a summary of Fashion-MNIST.
#   ./scripts/setup.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

./scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build

echo
echo "\$ build/tools/subq info"
build/tools/subq info
echo
echo "\$ build/tools/subq data fmnist-train"
build/tools/subq data fmnist-train
echo
echo "subq is built in ./build. Next: ./scripts/test.sh (the full test suite), or see README.md."
