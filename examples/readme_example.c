/* The C example of README.md ("Using the C library"); the build compiles and runs it (examples/CMakeLists.txt). */
#include <stdio.h>
#include <subq/subq.h>

int main(int argc, char **argv) {
    subq_dataset *ds = NULL;
    subq_index n = 0, d = 0;
    subq_status st = subq_dataset_load(argc > 1 ? argv[1] : "fmnist-train", NULL, &ds);
    if (st == SUBQ_OK) st = subq_dataset_info(ds, &n, &d, NULL, NULL, NULL, NULL);
    if (st != SUBQ_OK) { fprintf(stderr, "subq: %s: %s\n", subq_status_string(st), subq_last_error_message()); return 1; }
    printf("subq %s: %lld x %lld\n", subq_version_string(), (long long)n, (long long)d);
    subq_dataset_destroy(ds);
    return 0;
}
