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

    /* A tree sketch of x^{(x)3} from C: (0.5<x,y> + 1)^3, identity leaves, applied to one row. */
    {
        subq_sketch *sk = NULL;
        subq_sketch_type type = SUBQ_SKETCH_SRHT;
        double x[4] = {1.0, -0.5, 0.25, 0.0}, z[8];
        int i, nonzero = 0;
        cfg = NULL;
        st = subq_config_create(SUBQ_KIND_TREE_SKETCH, &cfg);
        if (st == SUBQ_OK) st = subq_config_set_int(cfg, SUBQ_P_INPUT_DIM, 4);
        if (st == SUBQ_OK) st = subq_config_set_int(cfg, SUBQ_P_OUTPUT_DIM, 8);
        if (st == SUBQ_OK) st = subq_config_set_int(cfg, SUBQ_P_DEGREE, 3);
        if (st == SUBQ_OK) st = subq_config_set_double(cfg, SUBQ_P_GAMMA, 0.5);
        if (st == SUBQ_OK) st = subq_config_set_double(cfg, SUBQ_P_COEF0, 1.0);
        if (st == SUBQ_OK) st = subq_sketch_create(cfg, &sk);
        subq_config_destroy(cfg);
        CHECK(st == SUBQ_OK && sk != NULL);
        if (st == SUBQ_OK) st = subq_sketch_get_type(sk, &type);
        CHECK(st == SUBQ_OK && type == SUBQ_SKETCH_TREE);
        if (st == SUBQ_OK) st = subq_sketch_get_int(sk, SUBQ_P_LEAF_MODE, &v);
        CHECK(st == SUBQ_OK && v == SUBQ_LEAF_IDENTITY);
        if (st == SUBQ_OK) st = subq_sketch_apply_f64(sk, SUBQ_ROW_MAJOR, 1, 4, x, 4, z, 8);
        CHECK(st == SUBQ_OK);
        for (i = 0; st == SUBQ_OK && i < 8; ++i) nonzero += z[i] != 0.0;
        CHECK(nonzero > 0);
        subq_sketch_destroy(sk);
    }

    if (failures == 0) printf("c99 smoke: 1 passed, 0 failed\n");
    return failures == 0 ? 0 : 1;
}
