/* Pure C99: the public header compiles as C and the ABI works from C. */
#include <stdio.h>
#include <string.h>

#include "subq/subq.h"

static int failures = 0;
#define CHECK(cond)                                                     \
    do {                                                                \
        if (!(cond)) {                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            ++failures;                                                 \
        }                                                               \
    } while (0)

int main(void) {
    subq_config *cfg = NULL;
    int64_t v = -1;
    subq_status st;

    CHECK(subq_version_number() == SUBQ_VERSION_NUMBER);
    CHECK(strcmp(subq_version_string(), SUBQ_VERSION_STRING) == 0);
    CHECK(subq_abi_version() == SUBQ_ABI_VERSION);

    st = subq_config_create(SUBQ_KIND_SKETCH, &cfg);
    CHECK(st == SUBQ_OK && cfg != NULL);
    st = subq_config_set_int(cfg, SUBQ_P_SEED, 42);
    CHECK(st == SUBQ_OK);
    st = subq_config_get_int(cfg, SUBQ_P_SEED, &v);
    CHECK(st == SUBQ_OK && v == 42);

    /* One failing call and its message. */
    st = subq_config_set_int(cfg, SUBQ_P_NUM_THREADS, -1);
    CHECK(st == SUBQ_ERR_PARAM_RANGE);
    CHECK(strstr(subq_last_error_message(), "subq_config_set_int") != NULL);
    CHECK(strcmp(subq_status_string(st), "parameter out of range") == 0);
    subq_config_destroy(cfg);
    subq_config_destroy(NULL);

    if (failures == 0) printf("c99 smoke: 1 passed, 0 failed\n");
    return failures == 0 ? 0 : 1;
}
