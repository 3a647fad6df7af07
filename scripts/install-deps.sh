#!/usr/bin/env bash
# Install the Debian 12 packages subq needs to build, test and run, non-interactively; only the missing ones.
# Runs apt-get as root directly, otherwise through sudo. Used by scripts/setup.sh and .ci/run.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config                 # toolchain
    libopenblas-dev liblapacke-dev libfftw3-dev zlib1g-dev       # the library's dependencies
    libgfortran-12-dev                                           # static links against OpenBLAS (pkg-config --static)
    libgtest-dev libgmock-dev                                    # C++ tests
    libcli11-dev nlohmann-json3-dev                              # the subq tool
    python3 python3-numpy python3-pytest                         # the Python binding and its tests
    python3-scipy python3-sklearn                                # sparse inputs and scikit-learn conventions in tests
    dataset-fashion-mnist                                        # "fmnist-train" / "fmnist-test"
    binutils                                                     # nm, readelf (symbol and install checks)
)

missing=()
for p in "${packages[@]}"; do
    [[ "$(dpkg-query -W -f='${Status}' "$p" 2> /dev/null)" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    echo "install-deps: all ${#packages[@]} Debian packages are installed"
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo > /dev/null || { echo "install-deps: run as root (sudo is not installed)" >&2; exit 1; }
    sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" < /dev/null
