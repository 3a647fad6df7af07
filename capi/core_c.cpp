// C translation layer of src/core: statuses, errors, versions, build info, configs.
#include <cblas.h>
#include <fftw3.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "capi/guard.hpp"
#include "capi/handles.hpp"
#include "core/config.hpp"
#include "core/fwht.hpp"
#include "subq/subq.h"
#include "train/columns.hpp"

namespace subq::capi {
namespace {
thread_local std::string t_last_error;
}

void clear_last_error() noexcept { t_last_error.clear(); }

subq_status set_last_error(subq_status status, const char *fn, const char *message) noexcept {
    try {
        t_last_error = std::string(fn) + ": " + message;
    } catch (...) {
        t_last_error.clear();  // out of memory while reporting: keep the status, drop the text
    }
    return status;
}

}  // namespace subq::capi

using subq::capi::guarded;
using subq::capi::require_not_null;

extern "C" {

SUBQ_API const char *subq_status_string(subq_status st) {
    switch (st) {
        case SUBQ_OK: return "ok";
        case SUBQ_ERR_INVALID_ARG: return "invalid argument";
        case SUBQ_ERR_NULL_POINTER: return "null pointer";
        case SUBQ_ERR_DIMENSION: return "dimension error";
        case SUBQ_ERR_LAYOUT: return "layout error";
        case SUBQ_ERR_UNKNOWN_PARAM: return "unknown parameter";
        case SUBQ_ERR_PARAM_TYPE: return "parameter type error";
        case SUBQ_ERR_PARAM_RANGE: return "parameter out of range";
        case SUBQ_ERR_OUT_OF_MEMORY: return "out of memory";
        case SUBQ_ERR_NOT_CONVERGED: return "not converged";
        case SUBQ_ERR_NUMERICAL: return "numerical error";
        case SUBQ_ERR_STATE: return "invalid state";
        case SUBQ_ERR_UNSUPPORTED: return "unsupported";
        case SUBQ_ERR_IO: return "I/O error";
        case SUBQ_ERR_VERSION: return "version mismatch";
        case SUBQ_ERR_CANCELLED: return "cancelled";
        case SUBQ_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

SUBQ_API const char *subq_last_error_message(void) { return subq::capi::t_last_error.c_str(); }

SUBQ_API unsigned subq_version_number(void) { return SUBQ_VERSION_NUMBER; }
SUBQ_API const char *subq_version_string(void) { return SUBQ_VERSION_STRING; }
SUBQ_API unsigned subq_abi_version(void) { return SUBQ_ABI_VERSION; }
SUBQ_API void subq_free(void *p) { std::free(p); }

SUBQ_API subq_status subq_info_string(subq_info key, const char **value) {
    return guarded("subq_info_string", [&] {
        require_not_null(value, "value");
        *value = nullptr;
        switch (key) {
            case SUBQ_INFO_BUILD_TYPE: *value = SUBQ_BUILD_TYPE; break;
            case SUBQ_INFO_BLAS_VENDOR: *value = "OpenBLAS " SUBQ_OPENBLAS_VERSION; break;
            case SUBQ_INFO_BLAS_CONFIG: *value = openblas_get_config(); break;
            case SUBQ_INFO_FFTW_VERSION: *value = fftw_version; break;
            case SUBQ_INFO_COMPILER: *value = "GCC/Clang " __VERSION__; break;
            default:
                subq::fail(SUBQ_ERR_INVALID_ARG,
                           "key " + std::to_string(static_cast<int>(key)) + " is not a string key of subq_info");
        }
    });
}

SUBQ_API subq_status subq_info_int(subq_info key, int64_t *value) {
    return guarded("subq_info_int", [&] {
        require_not_null(value, "value");
        switch (key) {
            case SUBQ_INFO_BLAS_THREADS: *value = openblas_get_num_threads(); break;
            case SUBQ_INFO_MAX_THREADS: *value = omp_get_max_threads(); break;
            case SUBQ_INFO_SIMD_WIDTH:
#if defined(__AVX512F__)
                *value = 64;
#elif defined(__AVX__)
                *value = 32;
#else
                *value = 16;
#endif
                // Kernels that pick their instruction set at run time: the FWHT and the forward's column sums.
                if (subq::fwht::detail::best_path() == subq::fwht::detail::Path::kAvx2)
                    *value = std::max<int64_t>(*value, 32);
                switch (subq::train::columns::best_path()) {
                    case subq::train::columns::Path::kAvx512:
                        *value = std::max<int64_t>(*value, 64);
                        break;
                    case subq::train::columns::Path::kAvx2Fma:
                        *value = std::max<int64_t>(*value, 32);
                        break;
                    default:
                        break;
                }
                break;
            default:
                subq::fail(SUBQ_ERR_INVALID_ARG,
                           "key " + std::to_string(static_cast<int>(key)) + " is not an integer key of subq_info");
        }
    });
}

SUBQ_API subq_status subq_config_create(subq_kind kind, subq_config **out) {
    if (out != nullptr) *out = nullptr;
    return guarded("subq_config_create", [&] {
        require_not_null(out, "out");
        if (!subq::valid_kind(kind))
            subq::fail(SUBQ_ERR_INVALID_ARG, "kind = " + std::to_string(static_cast<int>(kind)) + " is not a subq_kind");
        *out = new subq_config_s{subq::Config(kind)};
    });
}

SUBQ_API void subq_config_destroy(subq_config *cfg) { delete cfg; }

SUBQ_API subq_status subq_config_set_int(subq_config *cfg, subq_param key, int64_t value) {
    return guarded("subq_config_set_int", [&] {
        require_not_null(cfg, "cfg");
        cfg->impl.set_int(key, value);
    });
}

SUBQ_API subq_status subq_config_set_double(subq_config *cfg, subq_param key, double value) {
    return guarded("subq_config_set_double", [&] {
        require_not_null(cfg, "cfg");
        cfg->impl.set_double(key, value);
    });
}

SUBQ_API subq_status subq_config_get_int(const subq_config *cfg, subq_param key, int64_t *value) {
    return guarded("subq_config_get_int", [&] {
        require_not_null(cfg, "cfg");
        require_not_null(value, "value");
        *value = cfg->impl.get_int(key);
    });
}

SUBQ_API subq_status subq_config_get_double(const subq_config *cfg, subq_param key, double *value) {
    return guarded("subq_config_get_double", [&] {
        require_not_null(cfg, "cfg");
        require_not_null(value, "value");
        *value = cfg->impl.get_double(key);
    });
}

SUBQ_API subq_status subq_config_kind(const subq_config *cfg, subq_kind *kind) {
    return guarded("subq_config_kind", [&] {
        require_not_null(cfg, "cfg");
        require_not_null(kind, "kind");
        *kind = cfg->impl.kind();
    });
}

SUBQ_API subq_status subq_param_info(subq_param key, double *lo, double *hi, int *is_integer, const char **name) {
    return guarded("subq_param_info", [&] {
        const subq::ParamSpec *s = subq::find_param(key);
        if (s == nullptr)
            subq::fail(SUBQ_ERR_UNKNOWN_PARAM, "unknown parameter key " + std::to_string(static_cast<int>(key)));
        if (lo) *lo = s->lo;
        if (hi) *hi = s->hi;
        if (is_integer) *is_integer = s->is_integer ? 1 : 0;
        if (name) *name = s->name;
    });
}

}  // extern "C"
