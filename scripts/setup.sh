#!/usr/bin/env bash
# First-time set-up on a fresh Debian 12 machine: install the Debian packages (through sudo unless run as root),
# build subq (Release, in ./build), and run the main job: kernel ridge regression on all 60,000 Fashion-MNIST
# training images (Gaussian kernel, 8,192 Nyström centres, λ ∈ 10^{-4..0} chosen on a held-out fifth), scored on the
# 10,000 test
# images, with the time of every phase and the peak memory.
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
main_job=(build/tools/subq krr --kernel gaussian --gamma 5 --method nystrom --dim 8192 --normalize
          --grid-min 1e-4 --grid-points 5 --train fmnist-train --test fmnist-test)
echo "\$ ${main_job[*]}"
"${main_job[@]}"
echo
echo "subq is built in ./build. Next: ./scripts/test.sh (the full test suite), or see README.md."
