// The definition behind subq_featuremap, shared by the C layers that take a feature map (featuremap_c.cpp,
// krr_c.cpp).
#pragma once

#include <memory>
#include <string>

#include "core/error.hpp"
#include "kernel/comparators.hpp"
#include "kernel/featuremap.hpp"
#include "subq/featuremap.h"

// Exactly one of the three maps is set, as SUBQ_P_FEATURE_METHOD chose.
struct subq_featuremap_s {
    std::unique_ptr<subq::kernel::FeatureMap> taylor;
    std::unique_ptr<subq::kernel::RandomFourier> rff;
    std::unique_ptr<subq::kernel::Nystrom> nystrom;
};

namespace subq::capi {

inline subq::index_t output_dim(const subq_featuremap_s &f) {
    if (f.taylor) return f.taylor->output_dim();
    if (f.rff) return f.rff->output_dim();
    return f.nystrom->output_dim();
}

inline subq::index_t input_dim(const subq_featuremap_s &f) {
    if (f.taylor) return f.taylor->input_dim();
    if (f.rff) return f.rff->input_dim();
    return f.nystrom->input_dim();
}

// SUBQ_ERR_DIMENSION unless d is the map's input dimension.
inline void require_input_dim(const subq_featuremap_s &f, subq::index_t d) {
    if (d != input_dim(f))
        subq::fail(SUBQ_ERR_DIMENSION, "d = " + std::to_string(d) +
                                           " does not match the feature map's input dimension " +
                                           std::to_string(input_dim(f)));
}

}  // namespace subq::capi
