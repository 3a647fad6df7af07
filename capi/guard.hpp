// The catch-all boundary of every exported function (design/api-style.md §5).
#pragma once

#include <exception>
#include <new>
#include <string>

#include "core/error.hpp"
#include "subq/core.h"

namespace subq::capi {

void clear_last_error() noexcept;
subq_status set_last_error(subq_status status, const char *fn, const char *message) noexcept;

// Runs `body` (which returns void or subq_status) and maps every exception to a status and a message that
// starts with the function name. Nothing escapes.
template <class Body>
subq_status guarded(const char *fn, Body &&body) noexcept {
    clear_last_error();
    try {
        if constexpr (std::is_void_v<decltype(body())>) {
            body();
            return SUBQ_OK;
        } else {
            return body();
        }
    } catch (const Error &e) {
        return set_last_error(e.status(), fn, e.what());
    } catch (const std::bad_alloc &) {
        return set_last_error(SUBQ_ERR_OUT_OF_MEMORY, fn, "allocation failed");
    } catch (const std::exception &e) {
        return set_last_error(SUBQ_ERR_INTERNAL, fn, e.what());
    } catch (...) {
        return set_last_error(SUBQ_ERR_INTERNAL, fn, "unknown exception");
    }
}

// Argument checks shared by the C translation layer. Each throws subq::Error with a message naming `what`.
inline void require_not_null(const void *p, const char *what) {
    if (p == nullptr) fail(SUBQ_ERR_NULL_POINTER, std::string(what) + " is NULL");
}

}  // namespace subq::capi
