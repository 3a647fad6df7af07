// `subq info`: versions of the library and its ABI, and the build and runtime facts of subq_info_string() and
// subq_info_int(). The simplest command; copy it as the pattern for a new one (see cli.hpp).
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "cli_common.hpp"

namespace subq_cli {
namespace {

std::string info_string(subq_info key) {
    const char *value = nullptr;
    check(subq_info_string(key, &value));
    return value != nullptr ? value : "";
}

std::int64_t info_int(subq_info key) {
    std::int64_t value = 0;
    check(subq_info_int(key, &value));
    return value;
}

void run_info() {
    json r;
    r["version"] = subq_version_string();
    r["version_number"] = subq_version_number();
    r["abi_version"] = subq_abi_version();
    r["header_version"] = SUBQ_VERSION_STRING;  // the headers this tool was compiled against
    r["build_type"] = info_string(SUBQ_INFO_BUILD_TYPE);
    r["compiler"] = info_string(SUBQ_INFO_COMPILER);
    r["blas_vendor"] = info_string(SUBQ_INFO_BLAS_VENDOR);
    r["blas_config"] = info_string(SUBQ_INFO_BLAS_CONFIG);
    r["blas_threads"] = info_int(SUBQ_INFO_BLAS_THREADS);
    r["fftw_version"] = info_string(SUBQ_INFO_FFTW_VERSION);
    r["max_threads"] = info_int(SUBQ_INFO_MAX_THREADS);
    r["simd_width"] = info_int(SUBQ_INFO_SIMD_WIDTH);
    emit(r);
}

}  // namespace

void add_info_command(CLI::App &app) {
    CLI::App *cmd = app.add_subcommand("info", "Print the library version, ABI version, BLAS, FFTW and build facts");
    cmd->callback([] { run_info(); });
}

}  // namespace subq_cli
