// The core C API from C++: statuses, the thread-local last error, versions, build info, configs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <thread>

#include "subq/subq.h"

namespace {

std::string last_error() { return subq_last_error_message(); }

struct ConfigPtr {
    subq_config *p = nullptr;
    ~ConfigPtr() { subq_config_destroy(p); }
};

}  // namespace

TEST(CoreC, StatusValuesArePinned) {
    EXPECT_EQ(SUBQ_OK, 0);
    EXPECT_EQ(SUBQ_ERR_INVALID_ARG, 1);
    EXPECT_EQ(SUBQ_ERR_NULL_POINTER, 2);
    EXPECT_EQ(SUBQ_ERR_DIMENSION, 3);
    EXPECT_EQ(SUBQ_ERR_LAYOUT, 4);
    EXPECT_EQ(SUBQ_ERR_UNKNOWN_PARAM, 5);
    EXPECT_EQ(SUBQ_ERR_PARAM_TYPE, 6);
    EXPECT_EQ(SUBQ_ERR_PARAM_RANGE, 7);
    EXPECT_EQ(SUBQ_ERR_OUT_OF_MEMORY, 8);
    EXPECT_EQ(SUBQ_ERR_NOT_CONVERGED, 9);
    EXPECT_EQ(SUBQ_ERR_NUMERICAL, 10);
    EXPECT_EQ(SUBQ_ERR_STATE, 11);
    EXPECT_EQ(SUBQ_ERR_UNSUPPORTED, 12);
    EXPECT_EQ(SUBQ_ERR_IO, 13);
    EXPECT_EQ(SUBQ_ERR_VERSION, 14);
    EXPECT_EQ(SUBQ_ERR_CANCELLED, 15);
    EXPECT_EQ(SUBQ_ERR_INTERNAL, 99);
    EXPECT_EQ(SUBQ_ROW_MAJOR, 101);
    EXPECT_EQ(SUBQ_COL_MAJOR, 102);
}

TEST(CoreC, StatusStringsAreDistinctAndNeverNull) {
    std::set<std::string> seen;
    for (int s : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 99}) {
        const char *text = subq_status_string(static_cast<subq_status>(s));
        ASSERT_NE(text, nullptr);
        EXPECT_TRUE(seen.insert(text).second) << text;
    }
    EXPECT_STREQ(subq_status_string(static_cast<subq_status>(1234)), "unknown status");
    EXPECT_STREQ(subq_status_string(static_cast<subq_status>(-1)), "unknown status");
}

TEST(CoreC, VersionFunctionsAgreeWithMacros) {
    EXPECT_EQ(subq_version_number(), static_cast<unsigned>(SUBQ_VERSION_NUMBER));
    EXPECT_EQ(subq_version_number(),
              static_cast<unsigned>(SUBQ_VERSION_MAJOR * 10000 + SUBQ_VERSION_MINOR * 100 + SUBQ_VERSION_PATCH));
    EXPECT_STREQ(subq_version_string(), SUBQ_VERSION_STRING);
    const std::string expected = std::to_string(SUBQ_VERSION_MAJOR) + "." + std::to_string(SUBQ_VERSION_MINOR) +
                                 "." + std::to_string(SUBQ_VERSION_PATCH);
    EXPECT_EQ(std::string(subq_version_string()), expected);
    EXPECT_EQ(subq_abi_version(), static_cast<unsigned>(SUBQ_ABI_VERSION));
}

TEST(CoreC, LastErrorIsClearedBySuccessAndKeptByStatusString) {
    ConfigPtr cfg;
    ASSERT_EQ(subq_config_create(SUBQ_KIND_SKETCH, &cfg.p), SUBQ_OK);
    EXPECT_EQ(last_error(), "");
    EXPECT_EQ(subq_config_set_int(cfg.p, SUBQ_P_NUM_THREADS, 5000), SUBQ_ERR_PARAM_RANGE);
    const std::string msg = last_error();
    EXPECT_NE(msg.find("subq_config_set_int"), std::string::npos) << msg;
    EXPECT_NE(msg.find("SUBQ_P_NUM_THREADS = 5000"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[0, 1024]"), std::string::npos) << msg;
    (void)subq_status_string(SUBQ_ERR_PARAM_RANGE);
    EXPECT_EQ(last_error(), msg);
    EXPECT_EQ(subq_config_set_int(cfg.p, SUBQ_P_NUM_THREADS, 2), SUBQ_OK);
    EXPECT_EQ(last_error(), "");
}

TEST(CoreC, LastErrorIsThreadLocal) {
    std::string in_a, in_b;
    std::thread a([&] {
        subq_config *c = nullptr;
        EXPECT_EQ(subq_config_create(static_cast<subq_kind>(77), &c), SUBQ_ERR_INVALID_ARG);
        EXPECT_EQ(c, nullptr);
        in_a = last_error();
    });
    a.join();
    std::thread b([&] {
        EXPECT_EQ(subq_config_set_int(nullptr, SUBQ_P_SEED, 1), SUBQ_ERR_NULL_POINTER);
        in_b = last_error();
    });
    b.join();
    EXPECT_NE(in_a.find("subq_config_create: kind = 77"), std::string::npos) << in_a;
    EXPECT_NE(in_b.find("subq_config_set_int: cfg is NULL"), std::string::npos) << in_b;
    // This thread made no failing call.
    ConfigPtr cfg;
    ASSERT_EQ(subq_config_create(SUBQ_KIND_NET, &cfg.p), SUBQ_OK);
    EXPECT_EQ(last_error(), "");
}

TEST(CoreC, ConfigCreateRejectsNullOutAndUnknownKinds) {
    EXPECT_EQ(subq_config_create(SUBQ_KIND_SKETCH, nullptr), SUBQ_ERR_NULL_POINTER);
    EXPECT_NE(last_error().find("out is NULL"), std::string::npos);
    subq_config *c = reinterpret_cast<subq_config *>(0x1);
    EXPECT_EQ(subq_config_create(static_cast<subq_kind>(0), &c), SUBQ_ERR_INVALID_ARG);
    EXPECT_EQ(c, nullptr);
    EXPECT_EQ(subq_config_create(static_cast<subq_kind>(-3), &c), SUBQ_ERR_INVALID_ARG);
    subq_config_destroy(nullptr);  // a no-op
}

TEST(CoreC, ConfigDefaultsRoundTripAndKind) {
    ConfigPtr cfg;
    ASSERT_EQ(subq_config_create(SUBQ_KIND_DATASET, &cfg.p), SUBQ_OK);
    subq_kind kind{};
    ASSERT_EQ(subq_config_kind(cfg.p, &kind), SUBQ_OK);
    EXPECT_EQ(kind, SUBQ_KIND_DATASET);
    int64_t v = 123;
    ASSERT_EQ(subq_config_get_int(cfg.p, SUBQ_P_SEED, &v), SUBQ_OK);
    EXPECT_EQ(v, 0);
    ASSERT_EQ(subq_config_get_int(cfg.p, SUBQ_P_LABEL_COLUMN, &v), SUBQ_OK);
    EXPECT_EQ(v, -1);
    ASSERT_EQ(subq_config_get_int(cfg.p, SUBQ_P_CSV_HEADER, &v), SUBQ_OK);
    EXPECT_EQ(v, 2);
    ASSERT_EQ(subq_config_set_int(cfg.p, SUBQ_P_SEED, std::numeric_limits<int64_t>::max()), SUBQ_OK);
    ASSERT_EQ(subq_config_get_int(cfg.p, SUBQ_P_SEED, &v), SUBQ_OK);
    EXPECT_EQ(v, std::numeric_limits<int64_t>::max());
    ASSERT_EQ(subq_config_set_int(cfg.p, SUBQ_P_LABEL_COLUMN, -2), SUBQ_OK);
    ASSERT_EQ(subq_config_get_int(cfg.p, SUBQ_P_LABEL_COLUMN, &v), SUBQ_OK);
    EXPECT_EQ(v, -2);
}

TEST(CoreC, ConfigErrorPaths) {
    ConfigPtr cfg;
    ASSERT_EQ(subq_config_create(SUBQ_KIND_SKETCH, &cfg.p), SUBQ_OK);
    int64_t v = 0;
    double dv = 0;
    // Unknown key, and a key foreign to the kind.
    EXPECT_EQ(subq_config_set_int(cfg.p, static_cast<subq_param>(98765), 1), SUBQ_ERR_UNKNOWN_PARAM);
    EXPECT_NE(last_error().find("unknown parameter key 98765"), std::string::npos) << last_error();
    EXPECT_EQ(subq_config_set_int(cfg.p, SUBQ_P_LABEL_COLUMN, 1), SUBQ_ERR_UNKNOWN_PARAM);
    EXPECT_NE(last_error().find("does not apply to a config of SUBQ_KIND_SKETCH"), std::string::npos);
    EXPECT_EQ(subq_config_get_int(cfg.p, SUBQ_P_LABEL_COLUMN, &v), SUBQ_ERR_UNKNOWN_PARAM);
    // Wrong type.
    EXPECT_EQ(subq_config_set_double(cfg.p, SUBQ_P_SEED, 1.0), SUBQ_ERR_PARAM_TYPE);
    EXPECT_NE(last_error().find("use subq_config_set_int"), std::string::npos) << last_error();
    EXPECT_EQ(subq_config_get_double(cfg.p, SUBQ_P_SEED, &dv), SUBQ_ERR_PARAM_TYPE);
    // Out of range, including negative seeds; the config keeps its old value.
    ASSERT_EQ(subq_config_set_int(cfg.p, SUBQ_P_NUM_THREADS, 3), SUBQ_OK);
    EXPECT_EQ(subq_config_set_int(cfg.p, SUBQ_P_NUM_THREADS, -1), SUBQ_ERR_PARAM_RANGE);
    EXPECT_EQ(subq_config_set_int(cfg.p, SUBQ_P_NUM_THREADS, std::numeric_limits<int64_t>::min()),
              SUBQ_ERR_PARAM_RANGE);
    ASSERT_EQ(subq_config_get_int(cfg.p, SUBQ_P_NUM_THREADS, &v), SUBQ_OK);
    EXPECT_EQ(v, 3);
    EXPECT_EQ(subq_config_set_int(cfg.p, SUBQ_P_SEED, -5), SUBQ_ERR_PARAM_RANGE);
    EXPECT_EQ(subq_config_set_int(cfg.p, SUBQ_P_BLOCK_ROWS, (1 << 20) + 1), SUBQ_ERR_PARAM_RANGE);
    // NULLs.
    EXPECT_EQ(subq_config_get_int(cfg.p, SUBQ_P_SEED, nullptr), SUBQ_ERR_NULL_POINTER);
    EXPECT_EQ(subq_config_get_int(nullptr, SUBQ_P_SEED, &v), SUBQ_ERR_NULL_POINTER);
    EXPECT_EQ(subq_config_get_double(nullptr, SUBQ_P_SEED, &dv), SUBQ_ERR_NULL_POINTER);
    EXPECT_EQ(subq_config_set_double(nullptr, SUBQ_P_SEED, 1.0), SUBQ_ERR_NULL_POINTER);
    EXPECT_EQ(subq_config_kind(nullptr, nullptr), SUBQ_ERR_NULL_POINTER);
    subq_kind kind{};
    EXPECT_EQ(subq_config_kind(nullptr, &kind), SUBQ_ERR_NULL_POINTER);
}

TEST(CoreC, ParamInfo) {
    double lo = 0, hi = 0;
    int is_int = -1;
    const char *name = nullptr;
    ASSERT_EQ(subq_param_info(SUBQ_P_NUM_THREADS, &lo, &hi, &is_int, &name), SUBQ_OK);
    EXPECT_EQ(lo, 0.0);
    EXPECT_EQ(hi, 1024.0);
    EXPECT_EQ(is_int, 1);
    EXPECT_STREQ(name, "SUBQ_P_NUM_THREADS");
    EXPECT_EQ(subq_param_info(SUBQ_P_SEED, nullptr, nullptr, nullptr, nullptr), SUBQ_OK);
    EXPECT_EQ(subq_param_info(static_cast<subq_param>(-7), &lo, &hi, &is_int, &name), SUBQ_ERR_UNKNOWN_PARAM);
    EXPECT_NE(last_error().find("subq_param_info: unknown parameter key -7"), std::string::npos);
}

TEST(CoreC, InfoKeys) {
    const char *s = nullptr;
    ASSERT_EQ(subq_info_string(SUBQ_INFO_BLAS_VENDOR, &s), SUBQ_OK);
    EXPECT_NE(std::strstr(s, "OpenBLAS"), nullptr);
    ASSERT_EQ(subq_info_string(SUBQ_INFO_FFTW_VERSION, &s), SUBQ_OK);
    EXPECT_NE(std::strstr(s, "fftw-3"), nullptr) << s;
    ASSERT_EQ(subq_info_string(SUBQ_INFO_BUILD_TYPE, &s), SUBQ_OK);
    EXPECT_GT(std::strlen(s), 0u);
    ASSERT_EQ(subq_info_string(SUBQ_INFO_BLAS_CONFIG, &s), SUBQ_OK);
    EXPECT_NE(s, nullptr);
    ASSERT_EQ(subq_info_string(SUBQ_INFO_COMPILER, &s), SUBQ_OK);
    int64_t v = -1;
    ASSERT_EQ(subq_info_int(SUBQ_INFO_BLAS_THREADS, &v), SUBQ_OK);
    EXPECT_GE(v, 1);
    ASSERT_EQ(subq_info_int(SUBQ_INFO_MAX_THREADS, &v), SUBQ_OK);
    EXPECT_GE(v, 1);
    ASSERT_EQ(subq_info_int(SUBQ_INFO_SIMD_WIDTH, &v), SUBQ_OK);
    EXPECT_TRUE(v == 16 || v == 32 || v == 64);
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)  // the builds with run-time dispatched kernels
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) {
        EXPECT_GE(v, 32);  // the FWHT's AVX2 path counts
    }
    if (__builtin_cpu_supports("avx512f")) {
        EXPECT_EQ(v, 64);  // the forward's AVX-512F column sums count
    }
#endif
    // Wrong-type keys, unknown keys, NULL outputs.
    EXPECT_EQ(subq_info_string(SUBQ_INFO_BLAS_THREADS, &s), SUBQ_ERR_INVALID_ARG);
    EXPECT_EQ(s, nullptr);
    EXPECT_EQ(subq_info_int(SUBQ_INFO_BLAS_VENDOR, &v), SUBQ_ERR_INVALID_ARG);
    EXPECT_EQ(subq_info_int(static_cast<subq_info>(555), &v), SUBQ_ERR_INVALID_ARG);
    EXPECT_NE(last_error().find("key 555"), std::string::npos);
    EXPECT_EQ(subq_info_string(SUBQ_INFO_BUILD_TYPE, nullptr), SUBQ_ERR_NULL_POINTER);
    EXPECT_EQ(subq_info_int(SUBQ_INFO_MAX_THREADS, nullptr), SUBQ_ERR_NULL_POINTER);
}

TEST(CoreC, FreeAcceptsNull) { subq_free(nullptr); }
