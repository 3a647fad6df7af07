#!/usr/bin/env bash
# The test command (README.md; .ci/run runs exactly this):
#   ./scripts/test.sh [STAGE...]
# Stages, all by default, in this order:
#   release  Release build with -Werror (build-test/release), then ctest
#   asan     ASan+UBSan build (RelWithDebInfo, -Werror; build-test/asan), then ctest
#   install  install the release build to a temporary prefix; build and run consumers (tests/install/run.sh)
#   static   static libsubq (-DSUBQ_BUILD_SHARED=OFF; build-test/static), then the same install test
# Every stage runs even if an earlier one failed; the exit status is non-zero if any failed.
# Environment: SUBQ_TEST_DIR (default ./build-test), SUBQ_JOBS (default: nproc).
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
out=${SUBQ_TEST_DIR:-$root/build-test}
jobs=${SUBQ_JOBS:-$(nproc)}
stages=("$@")
[[ ${#stages[@]} -gt 0 ]] || stages=(release asan install static)
generator=(-G Ninja)
command -v ninja > /dev/null || generator=()

passed=()
failed=()
start_all=$SECONDS

run_stage() {  # NAME FUNCTION
    local name=$1 t0=$SECONDS
    echo
    echo "==== stage $name: start $(date +%T)"
    if "$2"; then
        passed+=("$name")
        echo "==== stage $name: passed in $((SECONDS - t0)) s"
    else
        failed+=("$name")
        echo "==== stage $name: FAILED after $((SECONDS - t0)) s"
    fi
}

configure_and_build() {  # DIR CMAKE-ARGS...
    local dir=$1
    shift
    cmake -S "$root" -B "$dir" "${generator[@]}" "$@" && cmake --build "$dir" --parallel "$jobs"
}

run_ctest() {  # DIR
    (cd "$1" && ctest --output-on-failure -j2)
}

stage_release() {
    configure_and_build "$out/release" -DCMAKE_BUILD_TYPE=Release -DSUBQ_WERROR=ON && run_ctest "$out/release"
}

stage_asan() {
    # Leak checking stays on for the C/C++ tests. The Python binding test preloads the ASan runtime into python
    # (bindings/python/CMakeLists.txt) and turns leak checking off for that process only.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-strict_string_checks=1:detect_stack_use_after_return=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    configure_and_build "$out/asan" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSUBQ_SANITIZE=ON -DSUBQ_WERROR=ON \
        -DSUBQ_BUILD_BENCHMARKS=OFF && run_ctest "$out/asan"
}

stage_install() {
    if [[ ! -f "$out/release/CMakeCache.txt" ]]; then
        configure_and_build "$out/release" -DCMAKE_BUILD_TYPE=Release -DSUBQ_WERROR=ON || return 1
    fi
    cmake --build "$out/release" --parallel "$jobs" && bash "$root/tests/install/run.sh" "$out/prefix-shared" "$out/release"
}

stage_static() {
    configure_and_build "$out/static" -DCMAKE_BUILD_TYPE=Release -DSUBQ_WERROR=ON -DSUBQ_BUILD_SHARED=OFF \
        -DSUBQ_BUILD_TESTS=OFF -DSUBQ_BUILD_BENCHMARKS=OFF &&
        bash "$root/tests/install/run.sh" "$out/prefix-static" "$out/static"
}

for s in "${stages[@]}"; do
    case "$s" in
        release | asan | install | static) run_stage "$s" "stage_$s" ;;
        *)
            echo "test.sh: unknown stage '$s' (release, asan, install, static)" >&2
            exit 2
            ;;
    esac
done

echo
echo "==== test.sh: ${#passed[@]} of ${#stages[@]} stages passed in $((SECONDS - start_all)) s${failed[*]:+; FAILED: ${failed[*]}}"
echo "stages: ${#passed[@]} passed, ${#failed[@]} failed"
[[ ${#failed[@]} -eq 0 ]]
