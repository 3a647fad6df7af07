#!/usr/bin/env bash
# Install-and-consume test (design/api-style.md §15.3).
#   tests/install/run.sh PREFIX BUILD_DIR
# Installs BUILD_DIR (shared or static libsubq) to PREFIX (emptied first), checks the installed files, then builds
# and runs consumers against the installed copy only:
#   - consumer.c with `pkg-config --cflags --libs subq` (--static for a static libsubq), also from a moved prefix;
#   - consumer.cc and consumer.c with find_package(subq CONFIG REQUIRED) + subq::subq (tests/install/CMakeLists.txt),
#     and that an incompatible version request is refused;
#   - the installed `subq` tool and, for a shared build, the installed Python binding.
# Scratch files go to PREFIX.work. Exits non-zero on the first failure.
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 PREFIX BUILD_DIR" >&2
    exit 2
fi
prefix=$(realpath -m "$1")
build=$(realpath "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work="$prefix.work"
passed=0
step() { echo "-- install test: $*"; }
ok() { passed=$((passed + 1)); echo "   ok: $*"; }
die() { echo "install test FAILED: $*" >&2; echo "install: $passed passed, 1 failed"; exit 1; }

[[ -f "$build/CMakeCache.txt" ]] || die "$build is not a CMake build directory"
shared=$(sed -n 's/^SUBQ_BUILD_SHARED:BOOL=//p' "$build/CMakeCache.txt")
[[ -n "$shared" ]] || die "SUBQ_BUILD_SHARED not found in $build/CMakeCache.txt"
case "$shared" in ON | on | TRUE | true | 1 | YES | yes) shared=1 ;; *) shared=0 ;; esac
version_h="$build/include/subq/version.h"
version=$(sed -n 's/^#define SUBQ_VERSION_STRING "\(.*\)"$/\1/p' "$version_h")
abi=$(sed -n 's/^#define SUBQ_ABI_VERSION \([0-9]*\)$/\1/p' "$version_h")
major=${version%%.*}
minor=${version#*.}
minor=${minor%%.*}
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)

rm -rf "$prefix" "$work" "$prefix.moved"
mkdir -p "$work"
trap 'rm -rf "$prefix.moved"' EXIT
printf 'a,b,label\n1,2,0\n3,4,1\n' > "$work/data.csv"

# ---- install ------------------------------------------------------------------------------------------------
step "cmake --install $build --prefix $prefix ($([[ $shared == 1 ]] && echo shared || echo static) libsubq $version)"
cmake --install "$build" --prefix "$prefix" > "$work/install.log" || { cat "$work/install.log"; die "install"; }
pc=$(find "$prefix" -path '*/pkgconfig/subq.pc' -print -quit)
[[ -n "$pc" ]] || die "no pkgconfig/subq.pc under $prefix"
libdir=$(dirname "$(dirname "$pc")")
for f in include/subq/subq.h include/subq/core.h include/subq/io.h include/subq/version.h; do
    [[ -f "$prefix/$f" ]] || die "missing $prefix/$f"
done
[[ -z "$(find "$prefix/include" -type f ! -name '*.h')" ]] || die "non-header files installed under include/"
[[ "$(find "$prefix/include" -mindepth 1 -maxdepth 1)" == "$prefix/include/subq" ]] || die "include/ holds more than subq/"
for f in subqConfig.cmake subqConfigVersion.cmake subqTargets.cmake; do
    [[ -f "$libdir/cmake/subq/$f" ]] || die "missing $libdir/cmake/subq/$f"
done
if [[ $shared == 1 ]]; then
    [[ -L "$libdir/libsubq.so" && -L "$libdir/libsubq.so.$abi" && -f "$libdir/libsubq.so.$version" ]] ||
        die "expected libsubq.so -> libsubq.so.$abi -> libsubq.so.$version in $libdir"
    soname=$(readelf -d "$libdir/libsubq.so.$version" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
    [[ "$soname" == "libsubq.so.$abi" ]] || die "SONAME is '$soname', expected libsubq.so.$abi"
else
    [[ -f "$libdir/libsubq.a" ]] || die "missing $libdir/libsubq.a"
fi
ok "installed files and SONAME (the exported symbols are ctest's exported_symbols)"

# ---- pkg-config ---------------------------------------------------------------------------------------------
build_with_pkg_config() {  # PKG_CONFIG_PATH OUTPUT
    local pcflags
    if [[ $shared == 1 ]]; then
        pcflags=$(PKG_CONFIG_PATH="$1" pkg-config --cflags --libs subq)
    else
        pcflags=$(PKG_CONFIG_PATH="$1" pkg-config --static --cflags --libs subq)
    fi
    echo "   cc consumer.c $pcflags"
    # shellcheck disable=SC2086  # the flags are meant to be split
    cc -std=c99 -pedantic -Wall -Wextra -Werror "$here/consumer.c" -o "$2" $pcflags -Wl,-rpath,"$(dirname "$1")"
}
step "pkg-config"
got=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --modversion subq)
[[ "$got" == "$version" ]] || die "pkg-config --modversion subq = '$got', expected $version"
build_with_pkg_config "$libdir/pkgconfig" "$work/consumer_pc" || die "building consumer.c with pkg-config"
"$work/consumer_pc" "$work/data.csv" || die "consumer.c (pkg-config) failed"
ok "consumer.c built with pkg-config runs"

# The .pc file is relocatable: copy the prefix elsewhere and build from the copy alone.
cp -a "$prefix" "$prefix.moved"
moved_libdir="$prefix.moved/${libdir#"$prefix"/}"
inc=$(PKG_CONFIG_PATH="$moved_libdir/pkgconfig" pkg-config --variable=includedir subq)
[[ "$(realpath "$inc")" == "$prefix.moved/include" ]] || die "moved prefix: includedir is $inc"
build_with_pkg_config "$moved_libdir/pkgconfig" "$work/consumer_moved" || die "building from a moved prefix"
if [[ $shared == 1 ]]; then
    # It must run against the moved copy: hide the original.
    mv "$prefix" "$prefix.hidden"
    # ldd's output is captured before grep reads it: `ldd | grep -q` fails under pipefail whenever grep exits at
    # its match before ldd has written its last line (ldd then dies of SIGPIPE).
    linked=$(ldd "$work/consumer_moved")
    grep -qF "$prefix.moved/" <<< "$linked" || { mv "$prefix.hidden" "$prefix"; die "moved: not linked to the copy"; }
    "$work/consumer_moved" "$work/data.csv" || { mv "$prefix.hidden" "$prefix"; die "consumer.c from a moved prefix failed"; }
    mv "$prefix.hidden" "$prefix"
else
    "$work/consumer_moved" "$work/data.csv" || die "consumer.c from a moved prefix failed"
fi
rm -rf "$prefix.moved"
ok "subq.pc is relocatable"

# ---- CMake package --------------------------------------------------------------------------------------------
step "find_package(subq $major.$minor CONFIG REQUIRED)"
cmake -S "$here" -B "$work/cmake" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
    -DSUBQ_REQUIRED_VERSION="$major.$minor" > "$work/cmake-configure.log" 2>&1 ||
    { cat "$work/cmake-configure.log"; die "configuring the find_package consumer"; }
grep -q "subq $version found in $libdir/cmake/subq" "$work/cmake-configure.log" ||
    { cat "$work/cmake-configure.log"; die "find_package found another subq"; }
cmake --build "$work/cmake" > "$work/cmake-build.log" 2>&1 || { cat "$work/cmake-build.log"; die "building consumers"; }
"$work/cmake/consumer_cpp" "$work/data.csv" || die "consumer.cc (find_package) failed"
"$work/cmake/consumer_c" "$work/data.csv" || die "consumer.c (find_package) failed"
ok "consumer.cc and consumer.c built with find_package run"

# The version file refuses an incompatible request (0.x: another minor; from 1.0: another major).
if [[ $major == 0 ]]; then bad_version="0.$((minor + 1))"; else bad_version="$((major + 1)).0"; fi
if cmake -S "$here" -B "$work/cmake-bad" "${generator[@]}" -DCMAKE_PREFIX_PATH="$prefix" \
    -DSUBQ_REQUIRED_VERSION="$bad_version" > "$work/cmake-bad.log" 2>&1; then
    die "find_package(subq $bad_version) accepted subq $version"
fi
ok "find_package(subq $bad_version) is refused"

# ---- installed tool and Python binding -------------------------------------------------------------------------
if [[ -x "$prefix/bin/subq" ]]; then
    step "installed subq tool"
    [[ "$("$prefix/bin/subq" --version)" == "subq $version"* ]] || die "subq --version"
    out=$("$prefix/bin/subq" data "$work/data.csv" --label-column last --json) || die "subq data"
    [[ "$out" == *'"rows":2,"cols":2'* ]] || die "subq data printed: $out"
    if [[ $shared == 1 ]]; then
        used=$(ldd "$prefix/bin/subq" | sed -n "s/.*libsubq\.so\.$abi => \([^ ]*\) .*/\1/p")
        [[ -n "$used" && "$(realpath "$used")" == "$(realpath "$libdir/libsubq.so.$abi")" ]] ||
            die "installed subq uses '$used', not $libdir (its RUNPATH should be \$ORIGIN/../lib)"
    fi
    ok "installed subq runs"
fi
pydir="$prefix/lib/python3/dist-packages"
if [[ $shared == 1 && -d "$pydir/subq" ]] && /usr/bin/python3 -c "import numpy" 2> /dev/null; then
    step "installed Python binding"
    (cd "$work" && env -u SUBQ_LIBRARY PYTHONPATH="$pydir" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 - "$libdir" "$work/data.csv" <<'PY'
import sys, os
import subq
libdir, data = sys.argv[1], sys.argv[2]
assert os.path.realpath(os.path.dirname(subq.library_path)) == os.path.realpath(libdir), subq.library_path
X, y = subq.load(data, label_column="last")
assert X.shape == (2, 2) and list(y) == [0.0, 1.0], (X, y)
print("   python:", subq.version(), subq.library_path)
PY
    ) || die "installed Python binding"
    ok "installed Python binding finds the installed library"
fi

echo "install: $passed passed, 0 failed"
