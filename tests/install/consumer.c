/* Install test (tests/install/run.sh): a C99 program built against the INSTALLED subq, once through
 * `pkg-config --cflags --libs subq` and once through CMake's find_package(subq CONFIG REQUIRED).
 * Usage: consumer [DATA_FILE]; checks versions, build info, one failing call, and loads DATA_FILE if given. */
#include <stdio.h>
#include <string.h>

#include <subq/subq.h>

static int failures = 0;
#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            ++failures;                                                              \
        }                                                                            \
    } while (0)

int main(int argc, char **argv) {
    const char *blas = NULL;
    subq_config *cfg = NULL;
    subq_dataset *ds = NULL;
    subq_status st;

    /* The installed headers and the installed library agree. */
    CHECK(subq_version_number() == SUBQ_VERSION_NUMBER);
    CHECK(strcmp(subq_version_string(), SUBQ_VERSION_STRING) == 0);
    CHECK(subq_abi_version() == SUBQ_ABI_VERSION);
    st = subq_info_string(SUBQ_INFO_BLAS_VENDOR, &blas);
    CHECK(st == SUBQ_OK && blas != NULL);

    /* A failing call and its message. */
    st = subq_dataset_load("/nonexistent/subq-install-test.csv", NULL, &ds);
    CHECK(st == SUBQ_ERR_IO && ds == NULL);
    CHECK(strstr(subq_last_error_message(), "subq-install-test.csv") != NULL);

    if (argc > 1) {
        subq_index n = 0, d = 0;
        st = subq_config_create(SUBQ_KIND_DATASET, &cfg);
        if (st == SUBQ_OK) st = subq_config_set_int(cfg, SUBQ_P_LABEL_COLUMN, -2);
        if (st == SUBQ_OK) st = subq_dataset_load(argv[1], cfg, &ds);
        if (st == SUBQ_OK) st = subq_dataset_info(ds, &n, &d, NULL, NULL, NULL, NULL);
        if (st != SUBQ_OK) fprintf(stderr, "subq: %s: %s\n", subq_status_string(st), subq_last_error_message());
        CHECK(st == SUBQ_OK && n == 2 && d == 2);
        subq_dataset_destroy(ds);
        subq_config_destroy(cfg);
    }

    printf("consumer (C): subq %s, %s: %s\n", subq_version_string(), blas ? blas : "?", failures ? "FAILED" : "ok");
    return failures == 0 ? 0 : 1;
}
