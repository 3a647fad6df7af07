// The installed Fashion-MNIST splits (Debian package dataset-fashion-mnist) and the $SUBQ_FMNIST_DIR override.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "io/reader.hpp"
#include "io_test_util.hpp"

using namespace subq;
using namespace subq::io;
using namespace subq_io_test;

namespace {

// Restores $SUBQ_FMNIST_DIR when a test ends.
class FmnistDirGuard {
public:
    FmnistDirGuard() {
        if (const char *v = std::getenv("SUBQ_FMNIST_DIR")) {
            saved_ = v;
            had_ = true;
        }
        ::unsetenv("SUBQ_FMNIST_DIR");
    }
    ~FmnistDirGuard() {
        if (had_)
            ::setenv("SUBQ_FMNIST_DIR", saved_.c_str(), 1);
        else
            ::unsetenv("SUBQ_FMNIST_DIR");
    }

private:
    std::string saved_;
    bool had_ = false;
};

void check_split(const Dataset &ds, index_t n, index_t per_class, double pixel_sum, std::array<double, 10> first) {
    ASSERT_EQ(ds.rows(), n);
    ASSERT_EQ(ds.cols(), 784);
    EXPECT_EQ(ds.dtype(), SUBQ_F32);
    ASSERT_TRUE(ds.has_labels());
    std::array<index_t, 10> counts{};
    for (double y : ds.labels()) {
        ASSERT_GE(y, 0.0);
        ASSERT_LE(y, 9.0);
        ASSERT_EQ(y, static_cast<double>(static_cast<int>(y)));
        ++counts[static_cast<std::size_t>(y)];
    }
    for (index_t c : counts) EXPECT_EQ(c, per_class);
    for (std::size_t k = 0; k < first.size(); ++k) EXPECT_EQ(ds.labels()[k], first[k]) << k;
    double sum = 0;
    float lo = 255, hi = 0;
    for (float v : ds.f32()) {
        sum += v;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    EXPECT_EQ(sum, pixel_sum);  // exact: integers below 2^53
    EXPECT_EQ(lo, 0.0f);
    EXPECT_EQ(hi, 255.0f);
}

}  // namespace

TEST(IoFmnist, TrainSplit) {
    FmnistDirGuard guard;
    const Dataset ds = load("fmnist-train");
    check_split(ds, 60000, 6000, 3431114169.0, {9, 0, 0, 3, 0, 2, 7, 2, 5, 5});
}

TEST(IoFmnist, TestSplit) {
    FmnistDirGuard guard;
    const Dataset ds = load("fmnist-test");
    check_split(ds, 10000, 1000, 573469082.0, {9, 2, 1, 1, 6, 1, 4, 6, 5, 7});
}

TEST(IoFmnist, DirectoryOverrideAndMissingFiles) {
    FmnistDirGuard guard;
    const std::string dir = test_dir();
    std::filesystem::copy_file(data_path("tiny-images-idx3-ubyte.gz"), dir + "/t10k-images-idx3-ubyte.gz");
    std::filesystem::copy_file(data_path("tiny-labels-idx1-ubyte.gz"), dir + "/t10k-labels-idx1-ubyte.gz");
    ::setenv("SUBQ_FMNIST_DIR", (dir + "/").c_str(), 1);
    EXPECT_EQ(resolve_named("fmnist-test"), dir + "/t10k-images-idx3-ubyte.gz");
    const Dataset ds = load("fmnist-test");
    EXPECT_EQ(ds.rows(), 3);
    EXPECT_EQ(ds.cols(), 6);
    EXPECT_EQ(ds.labels()[2], 9.0);
    // The training split is absent from this directory.
    expect_error([] { load("fmnist-train"); }, SUBQ_ERR_IO,
                 {dir + "/train-images-idx3-ubyte.gz", "cannot open", "dataset-fashion-mnist", "SUBQ_FMNIST_DIR"});
    // Images without labels are an error for the named data set.
    std::filesystem::remove(dir + "/t10k-labels-idx1-ubyte.gz");
    expect_error([] { load("fmnist-test"); }, SUBQ_ERR_IO, {"t10k-labels-idx1-ubyte.gz", "labels", "missing"});
    // Uncompressed files are found when the .gz ones are absent.
    std::filesystem::remove(dir + "/t10k-images-idx3-ubyte.gz");
    write_bytes(dir + "/t10k-images-idx3-ubyte", read_bytes(data_path("plain-images-idx3-ubyte")));
    write_bytes(dir + "/t10k-labels-idx1-ubyte", idx_bytes(0x08, {3}, Bytes{4, 5, 6}));
    const Dataset plain = load("fmnist-test");
    EXPECT_EQ(plain.labels()[0], 4.0);
    EXPECT_EQ(plain.at(1, 0), 255.0);
    EXPECT_EQ(resolve_named("other"), "");
}
