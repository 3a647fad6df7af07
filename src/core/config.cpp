#include "core/config.hpp"

#include <cmath>
#include <iterator>

#include "core/error.hpp"

namespace subq {
namespace {

constexpr unsigned bit(subq_kind k) { return 1u << static_cast<unsigned>(k); }
constexpr unsigned kAllKinds = bit(SUBQ_KIND_SKETCH) | bit(SUBQ_KIND_TREE_SKETCH) | bit(SUBQ_KIND_FEATUREMAP) |
                               bit(SUBQ_KIND_KRR) | bit(SUBQ_KIND_NET) | bit(SUBQ_KIND_DATASET);
constexpr double kInt63Max = 9223372036854775807.0;
constexpr double kInt62 = 4611686018427387904.0;  // 2^62

// Every parameter key. Add rows; never change a published key's meaning.
constexpr ParamSpec kParams[] = {
    {SUBQ_P_SEED, "SUBQ_P_SEED", kAllKinds, true, 0, kInt63Max, 0},
    {SUBQ_P_NUM_THREADS, "SUBQ_P_NUM_THREADS", kAllKinds, true, 0, 1024, 0},
    {SUBQ_P_BLOCK_ROWS, "SUBQ_P_BLOCK_ROWS", kAllKinds, true, 0, 1 << 20, 0},
    {SUBQ_P_DTYPE, "SUBQ_P_DTYPE", bit(SUBQ_KIND_NET), true, 1, 2, 1},
    {SUBQ_P_INPUT_DIM, "SUBQ_P_INPUT_DIM",
     bit(SUBQ_KIND_SKETCH) | bit(SUBQ_KIND_TREE_SKETCH) | bit(SUBQ_KIND_FEATUREMAP) | bit(SUBQ_KIND_NET), true, 0, kInt62,
     0},
    {SUBQ_P_OUTPUT_DIM, "SUBQ_P_OUTPUT_DIM", bit(SUBQ_KIND_SKETCH) | bit(SUBQ_KIND_TREE_SKETCH) | bit(SUBQ_KIND_FEATUREMAP), true, 0,
     2147483647.0, 0},
    {SUBQ_P_SKETCH_TYPE, "SUBQ_P_SKETCH_TYPE", bit(SUBQ_KIND_SKETCH), true, 0, 6, 0},
    {SUBQ_P_DEGREE, "SUBQ_P_DEGREE", bit(SUBQ_KIND_SKETCH) | bit(SUBQ_KIND_TREE_SKETCH) | bit(SUBQ_KIND_FEATUREMAP), true, 1,
     1024, 2},
    {SUBQ_P_SPARSITY, "SUBQ_P_SPARSITY", bit(SUBQ_KIND_SKETCH) | bit(SUBQ_KIND_TREE_SKETCH), true, 1, 1024, 4},
    {SUBQ_P_INPUT_DIM2, "SUBQ_P_INPUT_DIM2", bit(SUBQ_KIND_SKETCH), true, 0, kInt62, 0},
    {SUBQ_P_LEAF_MODE, "SUBQ_P_LEAF_MODE", bit(SUBQ_KIND_TREE_SKETCH) | bit(SUBQ_KIND_FEATUREMAP), true, 0, 3, 0},
    {SUBQ_P_LEAF_DIM, "SUBQ_P_LEAF_DIM", bit(SUBQ_KIND_TREE_SKETCH), true, 0, 1 << 30, 0},
    {SUBQ_P_NODE_TYPE, "SUBQ_P_NODE_TYPE", bit(SUBQ_KIND_TREE_SKETCH), true, 5, 6, 6},
    {SUBQ_P_LEAF_TYPE, "SUBQ_P_LEAF_TYPE", bit(SUBQ_KIND_TREE_SKETCH), true, 0, 4, 0},
    {SUBQ_P_LEAF_HASH_DIM, "SUBQ_P_LEAF_HASH_DIM", bit(SUBQ_KIND_TREE_SKETCH), true, 0, 1 << 30, 0},
    {SUBQ_P_NODE_DIM, "SUBQ_P_NODE_DIM", bit(SUBQ_KIND_TREE_SKETCH), true, 0, 1 << 30, 0},
    {SUBQ_P_ALL_DEGREES, "SUBQ_P_ALL_DEGREES", bit(SUBQ_KIND_TREE_SKETCH), true, 0, 1, 0},
    {SUBQ_P_KERNEL, "SUBQ_P_KERNEL", bit(SUBQ_KIND_FEATUREMAP), true, 0, 5, 0},
    {SUBQ_P_GAMMA, "SUBQ_P_GAMMA", bit(SUBQ_KIND_TREE_SKETCH) | bit(SUBQ_KIND_FEATUREMAP), false, 0, 1e300, 1},
    {SUBQ_P_COEF0, "SUBQ_P_COEF0", bit(SUBQ_KIND_TREE_SKETCH) | bit(SUBQ_KIND_FEATUREMAP), false, 0, 1e300, 0},
    {SUBQ_P_NTK_DEPTH, "SUBQ_P_NTK_DEPTH", bit(SUBQ_KIND_FEATUREMAP), true, 1, 64, 1},
    {SUBQ_P_NTK_CONVENTION, "SUBQ_P_NTK_CONVENTION", bit(SUBQ_KIND_FEATUREMAP), true, 1, 2, 2},
    {SUBQ_P_FEATURE_METHOD, "SUBQ_P_FEATURE_METHOD", bit(SUBQ_KIND_FEATUREMAP), true, 1, 3, 1},
    {SUBQ_P_GRANULARITY, "SUBQ_P_GRANULARITY", bit(SUBQ_KIND_FEATUREMAP), true, 1, 1 << 30, 64},
    {SUBQ_P_TAYLOR_TOLERANCE, "SUBQ_P_TAYLOR_TOLERANCE", bit(SUBQ_KIND_FEATUREMAP), false, 0, 1, 1e-3},
    {SUBQ_P_MAX_DEGREE, "SUBQ_P_MAX_DEGREE", bit(SUBQ_KIND_FEATUREMAP), true, 0, 1024, 0},
    {SUBQ_P_DEGREE_ALLOCATION, "SUBQ_P_DEGREE_ALLOCATION", bit(SUBQ_KIND_FEATUREMAP), true, 0, 1, 0},
    {SUBQ_P_RADIUS, "SUBQ_P_RADIUS", bit(SUBQ_KIND_FEATUREMAP), false, 0, 1e300, 1},
    {SUBQ_P_LAMBDA, "SUBQ_P_LAMBDA", bit(SUBQ_KIND_KRR), false, 0, 1e300, 0},
    {SUBQ_P_LAMBDA_SELECT, "SUBQ_P_LAMBDA_SELECT", bit(SUBQ_KIND_KRR), true, 1, 2, 1},
    {SUBQ_P_HOLDOUT_FRACTION, "SUBQ_P_HOLDOUT_FRACTION", bit(SUBQ_KIND_KRR), false, 1e-6, 0.999999, 0.2},
    {SUBQ_P_LAMBDA_GRID_MIN, "SUBQ_P_LAMBDA_GRID_MIN", bit(SUBQ_KIND_KRR), false, 1e-300, 1e300, 1e-6},
    {SUBQ_P_LAMBDA_GRID_MAX, "SUBQ_P_LAMBDA_GRID_MAX", bit(SUBQ_KIND_KRR), false, 1e-300, 1e300, 1},
    {SUBQ_P_LAMBDA_GRID_POINTS, "SUBQ_P_LAMBDA_GRID_POINTS", bit(SUBQ_KIND_KRR), true, 1, 1000, 7},
    {SUBQ_P_KRR_SOLVER, "SUBQ_P_KRR_SOLVER", bit(SUBQ_KIND_KRR), true, 0, 3, 0},
    {SUBQ_P_KRR_SKETCH_ROWS, "SUBQ_P_KRR_SKETCH_ROWS", bit(SUBQ_KIND_KRR), true, 0, 1 << 30, 0},
    {SUBQ_P_KRR_TOLERANCE, "SUBQ_P_KRR_TOLERANCE", bit(SUBQ_KIND_KRR), false, 1e-15, 0.5, 1e-8},
    {SUBQ_P_KRR_MAX_ITERATIONS, "SUBQ_P_KRR_MAX_ITERATIONS", bit(SUBQ_KIND_KRR), true, 1, 1000000, 500},
    {SUBQ_P_HOLDOUT_SCORE, "SUBQ_P_HOLDOUT_SCORE", bit(SUBQ_KIND_KRR), true, 1, 2, 1},
    {SUBQ_P_NET_WIDTH, "SUBQ_P_NET_WIDTH", bit(SUBQ_KIND_NET), true, 0, 2147483647.0, 0},
    {SUBQ_P_NET_DEPTH, "SUBQ_P_NET_DEPTH", bit(SUBQ_KIND_NET), true, 1, 64, 2},
    {SUBQ_P_NET_OUTPUTS, "SUBQ_P_NET_OUTPUTS", bit(SUBQ_KIND_NET), true, 1, 1 << 20, 1},
    {SUBQ_P_NET_THRESHOLD, "SUBQ_P_NET_THRESHOLD", bit(SUBQ_KIND_NET), false, -10, 10, 0},
    {SUBQ_P_NET_ACTIVE_FRACTION, "SUBQ_P_NET_ACTIVE_FRACTION", bit(SUBQ_KIND_NET), false, 0, 0.999999, 0},
    {SUBQ_P_NET_VARIANT, "SUBQ_P_NET_VARIANT", bit(SUBQ_KIND_NET), true, 0, 1, 0},
    {SUBQ_P_NET_UPDATE, "SUBQ_P_NET_UPDATE", bit(SUBQ_KIND_NET), true, 0, 2, 0},
    {SUBQ_P_NET_MAX_RANK, "SUBQ_P_NET_MAX_RANK", bit(SUBQ_KIND_NET), true, 0, 1 << 30, 0},
    {SUBQ_P_NET_MODE, "SUBQ_P_NET_MODE", bit(SUBQ_KIND_NET), true, 0, 1, 0},
    {SUBQ_P_LEARNING_RATE, "SUBQ_P_LEARNING_RATE", bit(SUBQ_KIND_NET), false, 0, 1e6, 0},
    {SUBQ_P_NET_GN_SOLVER, "SUBQ_P_NET_GN_SOLVER", bit(SUBQ_KIND_NET), true, 0, 2, 0},
    {SUBQ_P_NET_GN_DAMPING, "SUBQ_P_NET_GN_DAMPING", bit(SUBQ_KIND_NET), false, 0, 1, 1e-10},
    {SUBQ_P_NET_SKETCH_ROWS, "SUBQ_P_NET_SKETCH_ROWS", bit(SUBQ_KIND_NET), true, 0, 1 << 30, 0},
    {SUBQ_P_NET_CG_TOLERANCE, "SUBQ_P_NET_CG_TOLERANCE", bit(SUBQ_KIND_NET), false, 1e-15, 1, 1e-10},
    {SUBQ_P_NET_CG_MAX_ITERATIONS, "SUBQ_P_NET_CG_MAX_ITERATIONS", bit(SUBQ_KIND_NET), true, 1, 100000, 100},
    {SUBQ_P_NET_SOLVER, "SUBQ_P_NET_SOLVER", bit(SUBQ_KIND_NET), true, 1, 2, 1},
    {SUBQ_P_NET_ITERATIONS, "SUBQ_P_NET_ITERATIONS", bit(SUBQ_KIND_NET), true, 1, 2147483647.0, 10},
    {SUBQ_P_NET_TOLERANCE, "SUBQ_P_NET_TOLERANCE", bit(SUBQ_KIND_NET), false, 0, 1, 0},
    {SUBQ_P_NET_BATCH_SIZE, "SUBQ_P_NET_BATCH_SIZE", bit(SUBQ_KIND_NET), true, 0, 2147483647.0, 64},
    {SUBQ_P_FORMAT, "SUBQ_P_FORMAT", bit(SUBQ_KIND_DATASET), true, 0, 4, 0},
    {SUBQ_P_LABEL_COLUMN, "SUBQ_P_LABEL_COLUMN", bit(SUBQ_KIND_DATASET), true, -2, 1 << 30, -1},
    {SUBQ_P_CSV_HEADER, "SUBQ_P_CSV_HEADER", bit(SUBQ_KIND_DATASET), true, 0, 2, 2},
    {SUBQ_P_NUM_FEATURES, "SUBQ_P_NUM_FEATURES", bit(SUBQ_KIND_DATASET), true, 0, kInt63Max, 0},
    {SUBQ_P_ZERO_BASED, "SUBQ_P_ZERO_BASED", bit(SUBQ_KIND_DATASET), true, 0, 1, 0},
    {SUBQ_P_MAX_BYTES, "SUBQ_P_MAX_BYTES", bit(SUBQ_KIND_DATASET), true, 0, kInt63Max, 0},
};

std::string kind_name(subq_kind k) {
    switch (k) {
        case SUBQ_KIND_SKETCH: return "SUBQ_KIND_SKETCH";
        case SUBQ_KIND_TREE_SKETCH: return "SUBQ_KIND_TREE_SKETCH";
        case SUBQ_KIND_FEATUREMAP: return "SUBQ_KIND_FEATUREMAP";
        case SUBQ_KIND_KRR: return "SUBQ_KIND_KRR";
        case SUBQ_KIND_NET: return "SUBQ_KIND_NET";
        case SUBQ_KIND_DATASET: return "SUBQ_KIND_DATASET";
    }
    return "kind " + std::to_string(static_cast<int>(k));
}

std::string format_bound(const ParamSpec &s, double v) {
    if (s.is_integer) {
        if (v >= kInt63Max) return "2^63-1";
        return std::to_string(static_cast<long long>(v));
    }
    return std::to_string(v);
}

}  // namespace

const ParamSpec *find_param(subq_param key) noexcept {
    for (const auto &s : kParams)
        if (s.key == key) return &s;
    return nullptr;
}

bool valid_kind(int kind) noexcept { return kind >= SUBQ_KIND_SKETCH && kind <= SUBQ_KIND_DATASET; }

const ParamSpec &Config::spec_for(subq_param key, bool want_integer) const {
    const ParamSpec *s = find_param(key);
    if (s == nullptr) fail(SUBQ_ERR_UNKNOWN_PARAM, "unknown parameter key " + std::to_string(static_cast<int>(key)));
    if ((s->kinds & bit(kind_)) == 0)
        fail(SUBQ_ERR_UNKNOWN_PARAM, std::string(s->name) + " does not apply to a config of " + kind_name(kind_));
    if (s->is_integer != want_integer)
        fail(SUBQ_ERR_PARAM_TYPE, std::string(s->name) + " is " + (s->is_integer ? "an integer" : "a double") +
                                      " parameter; use subq_config_" + (s->is_integer ? "set_int" : "set_double"));
    return *s;
}

void Config::set_int(subq_param key, std::int64_t value) {
    const ParamSpec &s = spec_for(key, true);
    // Compare in the integer domain where the bound is exact (bounds below 2^53 are exact doubles).
    const bool below = s.lo > -kInt63Max && static_cast<double>(value) < s.lo;
    const bool above = s.hi < kInt63Max && static_cast<double>(value) > s.hi;
    if (below || above)
        fail(SUBQ_ERR_PARAM_RANGE, std::string(s.name) + " = " + std::to_string(value) + " is outside [" +
                                       format_bound(s, s.lo) + ", " + format_bound(s, s.hi) + "]");
    values_[key] = value;
}

void Config::set_double(subq_param key, double value) {
    const ParamSpec &s = spec_for(key, false);
    if (!(value >= s.lo && value <= s.hi))
        fail(SUBQ_ERR_PARAM_RANGE, std::string(s.name) + " = " + std::to_string(value) + " is outside [" +
                                       format_bound(s, s.lo) + ", " + format_bound(s, s.hi) + "]");
    values_[key] = value;
}

std::int64_t Config::get_int(subq_param key) const {
    const ParamSpec &s = spec_for(key, true);
    const auto it = values_.find(key);
    return it == values_.end() ? static_cast<std::int64_t>(s.default_value) : std::get<std::int64_t>(it->second);
}

double Config::get_double(subq_param key) const {
    const ParamSpec &s = spec_for(key, false);
    const auto it = values_.find(key);
    return it == values_.end() ? s.default_value : std::get<double>(it->second);
}

}  // namespace subq
