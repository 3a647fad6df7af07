// subq::Error and the checks every module uses to validate its arguments.
#pragma once

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "subq/core.h"

namespace subq {

// The one exception type of the core. capi/guard.hpp turns it into a status and the thread-local message.
class Error : public std::runtime_error {
public:
    Error(subq_status status, const std::string &message) : std::runtime_error(message), status_(status) {}
    subq_status status() const noexcept { return status_; }

private:
    subq_status status_;
};

[[noreturn]] inline void fail(subq_status status, const std::string &message) { throw Error(status, message); }

inline void require(bool condition, subq_status status, const std::string &message) {
    if (!condition) fail(status, message);
}

// a * b for non-negative sizes, or SUBQ_ERR_DIMENSION naming `what` if the product overflows int64.
inline std::int64_t checked_mul(std::int64_t a, std::int64_t b, const char *what) {
    std::int64_t r = 0;
    if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r))
        fail(SUBQ_ERR_DIMENSION, std::string(what) + ": size " + std::to_string(a) + " x " + std::to_string(b) +
                                     " overflows");
    return r;
}

inline std::int64_t checked_add(std::int64_t a, std::int64_t b, const char *what) {
    std::int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r)) fail(SUBQ_ERR_DIMENSION, std::string(what) + ": size overflows");
    return r;
}

// Bytes of `count` elements of `elem` bytes, refusing counts whose byte size overflows size_t or int64.
inline std::size_t checked_bytes(std::int64_t count, std::size_t elem, const char *what) {
    return static_cast<std::size_t>(checked_mul(count, static_cast<std::int64_t>(elem), what));
}

}  // namespace subq
