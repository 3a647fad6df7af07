// Install test (tests/install/run.sh): a C++ program built against the INSTALLED subq through
// find_package(subq CONFIG REQUIRED) and the subq::subq target (shared or static libsubq).
// Named .cc, not .cpp: tests/CMakeLists.txt compiles every tests/*/*.cpp into the unit-test binary.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <subq/subq.h>

namespace {
struct DatasetDeleter {
    void operator()(subq_dataset *d) const noexcept { subq_dataset_destroy(d); }
};
int failures = 0;
void check(bool ok, const char *what) {
    if (!ok) {
        std::fprintf(stderr, "check failed: %s (%s)\n", what, subq_last_error_message());
        ++failures;
    }
}
}  // namespace

int main(int argc, char **argv) {
    check(subq_version_number() == SUBQ_VERSION_NUMBER, "version number");
    check(subq_abi_version() == SUBQ_ABI_VERSION, "ABI version");
    std::int64_t threads = 0;
    check(subq_info_int(SUBQ_INFO_MAX_THREADS, &threads) == SUBQ_OK && threads >= 1, "max threads");
    if (argc > 1) {
        subq_dataset *raw = nullptr;
        const subq_status st = subq_dataset_load(argv[1], nullptr, &raw);
        std::unique_ptr<subq_dataset, DatasetDeleter> ds(raw);
        check(st == SUBQ_OK, "load");
        subq_index n = 0, d = 0;
        check(ds && subq_dataset_info(ds.get(), &n, &d, nullptr, nullptr, nullptr, nullptr) == SUBQ_OK, "info");
        std::vector<double> x(static_cast<std::size_t>(n * d));
        check(ds && subq_dataset_copy_dense_f64(ds.get(), SUBQ_ROW_MAJOR, x.data(), d) == SUBQ_OK, "copy");
        check(x.size() == 6 && x[4] == 4.0, "values");
    }
    std::printf("consumer (C++): subq %s: %s\n", subq_version_string(), failures ? "FAILED" : "ok");
    return failures == 0 ? 0 : 1;
}
