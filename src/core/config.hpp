// Keyed, typed parameters (design/api-style.md §6). One table (config.cpp) declares every key: its name, type,
// bounds, default and the kinds of object that accept it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>

#include "subq/subq.h"

namespace subq {

struct ParamSpec {
    subq_param key;
    const char *name;
    unsigned kinds;  // bit (1 << kind) for every subq_kind that accepts the key
    bool is_integer;
    double lo, hi, default_value;
};

// The spec of `key`, or nullptr if the key is unknown.
const ParamSpec *find_param(subq_param key) noexcept;
// Whether `kind` is one of the subq_kind values.
bool valid_kind(int kind) noexcept;

class Config {
public:
    explicit Config(subq_kind kind) : kind_(kind) {}
    subq_kind kind() const noexcept { return kind_; }

    // Throw subq::Error (UNKNOWN_PARAM, PARAM_TYPE, PARAM_RANGE) with messages that name the key.
    void set_int(subq_param key, std::int64_t value);
    void set_double(subq_param key, double value);
    std::int64_t get_int(subq_param key) const;
    double get_double(subq_param key) const;
    // Whether the caller set `key` (for keys whose unset default is derived from other parameters).
    bool is_set(subq_param key) const { return values_.count(key) != 0; }

private:
    const ParamSpec &spec_for(subq_param key, bool want_integer) const;
    subq_kind kind_;
    std::map<int, std::variant<std::int64_t, double>> values_;
};

}  // namespace subq
