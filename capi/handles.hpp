// The definitions behind the opaque C handles: each wraps one core object.
#pragma once

#include "core/config.hpp"

struct subq_config_s {
    subq::Config impl;
};
