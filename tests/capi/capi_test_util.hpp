// Helpers shared by the C API tests: owners of configs, feature maps and sketches, a feature-map config, and an
// assertion that a call failed with a given status and a message naming the problem.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "subq/subq.h"

namespace subq_capi_test {

// A config of kind Kind (or `kind`), destroyed with the owner; set/setd expect SUBQ_OK and chain.
template <subq_kind Kind>
struct ConfigOf {
    subq_config *p = nullptr;
    explicit ConfigOf(subq_kind kind = Kind) { EXPECT_EQ(subq_config_create(kind, &p), SUBQ_OK); }
    ConfigOf(const ConfigOf &) = delete;
    ConfigOf &operator=(const ConfigOf &) = delete;
    ~ConfigOf() { subq_config_destroy(p); }
    ConfigOf &set(subq_param k, int64_t v) {
        EXPECT_EQ(subq_config_set_int(p, k, v), SUBQ_OK) << subq_last_error_message();
        return *this;
    }
    ConfigOf &setd(subq_param k, double v) {
        EXPECT_EQ(subq_config_set_double(p, k, v), SUBQ_OK) << subq_last_error_message();
        return *this;
    }
};

struct MapPtr {
    subq_featuremap *p = nullptr;
    MapPtr() = default;
    MapPtr(const MapPtr &) = delete;
    MapPtr &operator=(const MapPtr &) = delete;
    ~MapPtr() { subq_featuremap_destroy(p); }
};

struct SketchPtr {
    subq_sketch *p = nullptr;
    SketchPtr() = default;
    SketchPtr(const SketchPtr &) = delete;
    SketchPtr &operator=(const SketchPtr &) = delete;
    ~SketchPtr() { subq_sketch_destroy(p); }
};

// A feature-map config: kernel, dimensions, method, seed.
template <subq_kind Kind>
void fm_config(ConfigOf<Kind> &c, subq_kernel kernel, int64_t d, int64_t D, subq_feature_method method,
               int64_t seed = 1) {
    c.set(SUBQ_P_KERNEL, kernel).set(SUBQ_P_INPUT_DIM, d).set(SUBQ_P_OUTPUT_DIM, D);
    c.set(SUBQ_P_FEATURE_METHOD, method).set(SUBQ_P_SEED, seed);
}

inline subq_index out_dim(const subq_featuremap *f) {
    subq_index m = -1;
    EXPECT_EQ(subq_featuremap_output_dim(f, &m), SUBQ_OK) << subq_last_error_message();
    return m;
}

// `got` is `want`, and the thread's last error message contains `text`.
inline void expect_error(subq_status got, subq_status want, const char *text) {
    EXPECT_EQ(got, want) << subq_last_error_message();
    const std::string msg = subq_last_error_message();
    EXPECT_NE(msg.find(text), std::string::npos) << "message: " << msg;
}

}  // namespace subq_capi_test
