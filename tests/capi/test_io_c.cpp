// The I/O part of the C API, called from C++: every status path, the messages, and the copies.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "subq/subq.h"

namespace {

std::string data(const std::string &name) { return std::string(SUBQ_TEST_DATA_DIR) + "/io/" + name; }

std::string tmp_dir() {
    const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string dir =
        std::string(SUBQ_TEST_TMP_DIR) + "/iocapi-" + std::to_string(::getpid()) + "-" + info->name();
    std::filesystem::create_directories(dir);
    return dir;
}

bool has(const char *msg, const std::string &part) { return std::string(msg).find(part) != std::string::npos; }

#define EXPECT_MSG(part) EXPECT_TRUE(has(subq_last_error_message(), part)) << subq_last_error_message()

// Loads `path` with default options; fails the test if it does not load.
subq_dataset *load_ok(const std::string &path, const subq_config *opt = nullptr) {
    subq_dataset *ds = nullptr;
    const subq_status st = subq_dataset_load(path.c_str(), opt, &ds);
    EXPECT_EQ(st, SUBQ_OK) << subq_last_error_message();
    EXPECT_STREQ(subq_last_error_message(), "");
    return ds;
}

}  // namespace

TEST(IoCapi, LoadArgumentErrors) {
    subq_dataset *ds = reinterpret_cast<subq_dataset *>(0x1);
    EXPECT_EQ(subq_dataset_load(nullptr, nullptr, &ds), SUBQ_ERR_NULL_POINTER);
    EXPECT_EQ(ds, nullptr);
    EXPECT_MSG("subq_dataset_load: path is NULL");
    EXPECT_EQ(subq_dataset_load("x", nullptr, nullptr), SUBQ_ERR_NULL_POINTER);
    EXPECT_MSG("subq_dataset_load: out is NULL");

    subq_config *cfg = nullptr;
    ASSERT_EQ(subq_config_create(SUBQ_KIND_SKETCH, &cfg), SUBQ_OK);
    ds = reinterpret_cast<subq_dataset *>(0x1);
    EXPECT_EQ(subq_dataset_load(data("good.csv").c_str(), cfg, &ds), SUBQ_ERR_INVALID_ARG);
    EXPECT_EQ(ds, nullptr);
    EXPECT_MSG("subq_dataset_load: options: a config of kind 1, expected SUBQ_KIND_DATASET");
    subq_config_destroy(cfg);
}

TEST(IoCapi, LoadIoErrorsLeaveOutNull) {
    subq_dataset *ds = reinterpret_cast<subq_dataset *>(0x1);
    const std::string missing = tmp_dir() + "/missing.csv";
    EXPECT_EQ(subq_dataset_load(missing.c_str(), nullptr, &ds), SUBQ_ERR_IO);
    EXPECT_EQ(ds, nullptr);
    EXPECT_MSG("subq_dataset_load: '" + missing + "': cannot open: No such file or directory");
    EXPECT_EQ(subq_dataset_load(data("ragged.csv").c_str(), nullptr, &ds), SUBQ_ERR_IO);
    EXPECT_MSG("line 3 has 2 fields, expected 3");
    EXPECT_STREQ(subq_status_string(SUBQ_ERR_IO), "I/O error");
}

TEST(IoCapi, OptionsReachTheReaders) {
    subq_config *cfg = nullptr;
    ASSERT_EQ(subq_config_create(SUBQ_KIND_DATASET, &cfg), SUBQ_OK);
    ASSERT_EQ(subq_config_set_int(cfg, SUBQ_P_LABEL_COLUMN, -2), SUBQ_OK);
    subq_dataset *ds = load_ok(data("good.csv"), cfg);
    subq_index rows = -1, cols = -1, nnz = -1;
    subq_dtype dtype = SUBQ_F32;
    int sparse = -1, labels = -1;
    ASSERT_EQ(subq_dataset_info(ds, &rows, &cols, &dtype, &sparse, &nnz, &labels), SUBQ_OK);
    EXPECT_EQ(rows, 3);
    EXPECT_EQ(cols, 3);
    EXPECT_EQ(dtype, SUBQ_F64);
    EXPECT_EQ(sparse, 0);
    EXPECT_EQ(nnz, 9);
    EXPECT_EQ(labels, 1);
    double y[3] = {-1, -1, -1};
    ASSERT_EQ(subq_dataset_copy_labels(ds, y), SUBQ_OK);
    EXPECT_EQ(y[0], 1.0);
    EXPECT_EQ(y[1], 0.0);
    EXPECT_EQ(y[2], 2.0);
    subq_dataset_destroy(ds);

    // LIBSVM options: SUBQ_P_NUM_FEATURES too small is an I/O error naming the line; then zero-based indices.
    ASSERT_EQ(subq_config_set_int(cfg, SUBQ_P_NUM_FEATURES, 3), SUBQ_OK);
    ds = reinterpret_cast<subq_dataset *>(0x1);
    EXPECT_EQ(subq_dataset_load(data("small.libsvm").c_str(), cfg, &ds), SUBQ_ERR_IO);
    EXPECT_EQ(ds, nullptr);
    EXPECT_MSG("line 5: feature index 4 exceeds SUBQ_P_NUM_FEATURES = 3");
    ASSERT_EQ(subq_config_set_int(cfg, SUBQ_P_NUM_FEATURES, 0), SUBQ_OK);
    ASSERT_EQ(subq_config_set_int(cfg, SUBQ_P_ZERO_BASED, 1), SUBQ_OK);
    ds = load_ok(data("zero_index.libsvm"), cfg);
    ASSERT_EQ(subq_dataset_info(ds, &rows, &cols, nullptr, &sparse, &nnz, nullptr), SUBQ_OK);
    EXPECT_EQ(rows, 2);
    EXPECT_EQ(cols, 2);
    EXPECT_EQ(sparse, 1);
    EXPECT_EQ(nnz, 2);
    subq_dataset_destroy(ds);

    // A forced format and a byte limit.
    ASSERT_EQ(subq_config_set_int(cfg, SUBQ_P_FORMAT, SUBQ_FORMAT_NPY), SUBQ_OK);
    EXPECT_EQ(subq_dataset_load(data("good.csv").c_str(), cfg, &ds), SUBQ_ERR_IO);
    EXPECT_MSG("not a .npy file");
    ASSERT_EQ(subq_config_set_int(cfg, SUBQ_P_FORMAT, SUBQ_FORMAT_AUTO), SUBQ_OK);
    ASSERT_EQ(subq_config_set_int(cfg, SUBQ_P_MAX_BYTES, 47), SUBQ_OK);
    EXPECT_EQ(subq_dataset_load(data("f8_v1.npy").c_str(), cfg, &ds), SUBQ_ERR_IO);
    EXPECT_MSG("more than SUBQ_P_MAX_BYTES = 47");
    ASSERT_EQ(subq_config_set_int(cfg, SUBQ_P_FORMAT, 5), SUBQ_ERR_PARAM_RANGE);
    subq_config_destroy(cfg);
}

TEST(IoCapi, InfoAndNullHandles) {
    subq_index r = 0;
    EXPECT_EQ(subq_dataset_info(nullptr, &r, nullptr, nullptr, nullptr, nullptr, nullptr), SUBQ_ERR_NULL_POINTER);
    EXPECT_MSG("subq_dataset_info: ds is NULL");
    double x[1];
    EXPECT_EQ(subq_dataset_copy_dense_f64(nullptr, SUBQ_ROW_MAJOR, x, 1), SUBQ_ERR_NULL_POINTER);
    EXPECT_MSG("subq_dataset_copy_dense_f64: ds is NULL");
    float xf[1];
    EXPECT_EQ(subq_dataset_copy_dense_f32(nullptr, SUBQ_ROW_MAJOR, xf, 1), SUBQ_ERR_NULL_POINTER);
    EXPECT_MSG("subq_dataset_copy_dense_f32: ds is NULL");
    subq_index ip[1];
    EXPECT_EQ(subq_dataset_copy_csr_f64(nullptr, ip, nullptr, nullptr, 0), SUBQ_ERR_NULL_POINTER);
    EXPECT_MSG("subq_dataset_copy_csr_f64: ds is NULL");
    EXPECT_EQ(subq_dataset_count_nonzeros(nullptr, &r), SUBQ_ERR_NULL_POINTER);
    EXPECT_MSG("subq_dataset_count_nonzeros: ds is NULL");
    EXPECT_EQ(subq_dataset_copy_labels(nullptr, x), SUBQ_ERR_NULL_POINTER);
    EXPECT_MSG("subq_dataset_copy_labels: ds is NULL");
    subq_dataset_destroy(nullptr);

    subq_dataset *ds = load_ok(data("plain-images-idx3-ubyte"));
    // Every out-pointer may be NULL.
    EXPECT_EQ(subq_dataset_info(ds, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr), SUBQ_OK);
    subq_dtype dt = SUBQ_F64;
    int labels = -1;
    EXPECT_EQ(subq_dataset_info(ds, nullptr, nullptr, &dt, nullptr, nullptr, &labels), SUBQ_OK);
    EXPECT_EQ(dt, SUBQ_F32);
    EXPECT_EQ(labels, 0);
    EXPECT_EQ(subq_dataset_count_nonzeros(ds, nullptr), SUBQ_ERR_NULL_POINTER);
    EXPECT_MSG("subq_dataset_count_nonzeros: count is NULL");
    EXPECT_EQ(subq_dataset_count_nonzeros(ds, &r), SUBQ_OK);
    EXPECT_EQ(r, 15);
    double y[3];
    EXPECT_EQ(subq_dataset_copy_labels(ds, y), SUBQ_ERR_STATE);
    EXPECT_MSG("subq_dataset_copy_labels: ds: the data set has no labels");
    subq_dataset_destroy(ds);

    ds = load_ok(data("tiny-images-idx3-ubyte.gz"));
    EXPECT_EQ(subq_dataset_copy_labels(ds, nullptr), SUBQ_ERR_NULL_POINTER);
    EXPECT_MSG("subq_dataset_copy_labels: y is NULL");
    subq_dataset_destroy(ds);
}

TEST(IoCapi, CopyDenseValidatesLayoutAndLd) {
    subq_dataset *ds = load_ok(data("tiny-images-idx3-ubyte.gz"));  // 3 x 6
    std::vector<double> x(64, -5.0);
    EXPECT_EQ(subq_dataset_copy_dense_f64(ds, SUBQ_ROW_MAJOR, x.data(), 5), SUBQ_ERR_LAYOUT);
    EXPECT_MSG("subq_dataset_copy_dense_f64: x: leading dimension 5 < 6 columns (row-major)");
    EXPECT_EQ(subq_dataset_copy_dense_f64(ds, SUBQ_COL_MAJOR, x.data(), 2), SUBQ_ERR_LAYOUT);
    EXPECT_MSG("leading dimension 2 < 3 rows (column-major)");
    EXPECT_EQ(subq_dataset_copy_dense_f64(ds, static_cast<subq_layout>(7), x.data(), 6), SUBQ_ERR_LAYOUT);
    EXPECT_MSG("layout = 7");
    EXPECT_EQ(subq_dataset_copy_dense_f64(ds, SUBQ_ROW_MAJOR, nullptr, 6), SUBQ_ERR_NULL_POINTER);
    EXPECT_MSG("subq_dataset_copy_dense_f64: x is NULL");
    std::vector<float> xf(64, -5.0f);
    EXPECT_EQ(subq_dataset_copy_dense_f32(ds, SUBQ_ROW_MAJOR, xf.data(), 3), SUBQ_ERR_LAYOUT);
    EXPECT_MSG("subq_dataset_copy_dense_f32: x: leading dimension 3 < 6");
    EXPECT_EQ(std::count(x.begin(), x.end(), -5.0), 64);  // nothing written by the failed calls

    ASSERT_EQ(subq_dataset_copy_dense_f64(ds, SUBQ_COL_MAJOR, x.data(), 4), SUBQ_OK);
    EXPECT_STREQ(subq_last_error_message(), "");
    EXPECT_EQ(x[0 * 4 + 1], 255.0);  // (1, 0)
    EXPECT_EQ(x[5 * 4 + 2], 60.0);   // (2, 5)
    EXPECT_EQ(x[3], -5.0);           // padding row untouched
    ASSERT_EQ(subq_dataset_copy_dense_f32(ds, SUBQ_ROW_MAJOR, xf.data(), 7), SUBQ_OK);
    EXPECT_EQ(xf[1 * 7 + 1], 128.0f);
    EXPECT_EQ(xf[6], -5.0f);
    subq_dataset_destroy(ds);

    // float64 data rounded to float32; sparse data densified with duplicates summed.
    ds = load_ok(data("small.libsvm"));
    std::vector<float> d(16, -1.0f);
    ASSERT_EQ(subq_dataset_copy_dense_f32(ds, SUBQ_ROW_MAJOR, d.data(), 4), SUBQ_OK);
    EXPECT_EQ(d[1 * 4 + 1], 2.001f);
    EXPECT_EQ(d[3 * 4 + 0], 0.0f);
    subq_dataset_destroy(ds);
}

TEST(IoCapi, CopyCsr) {
    subq_dataset *ds = load_ok(data("small.libsvm"));
    subq_index nnz = 0, count = 0;
    ASSERT_EQ(subq_dataset_info(ds, nullptr, nullptr, nullptr, nullptr, &nnz, nullptr), SUBQ_OK);
    ASSERT_EQ(nnz, 6);
    ASSERT_EQ(subq_dataset_count_nonzeros(ds, &count), SUBQ_OK);
    EXPECT_EQ(count, 6);
    std::vector<subq_index> ip(5), ix(6);
    std::vector<double> v(6);
    EXPECT_EQ(subq_dataset_copy_csr_f64(ds, ip.data(), ix.data(), v.data(), 5), SUBQ_ERR_DIMENSION);
    EXPECT_MSG("subq_dataset_copy_csr_f64: capacity = 5 < 6 entries to copy");
    EXPECT_EQ(subq_dataset_copy_csr_f64(ds, ip.data(), ix.data(), v.data(), -1), SUBQ_ERR_DIMENSION);
    EXPECT_MSG("capacity = -1 is negative");
    EXPECT_EQ(subq_dataset_copy_csr_f64(ds, nullptr, ix.data(), v.data(), 6), SUBQ_ERR_NULL_POINTER);
    EXPECT_MSG("subq_dataset_copy_csr_f64: indptr is NULL");
    EXPECT_EQ(subq_dataset_copy_csr_f64(ds, ip.data(), nullptr, v.data(), 6), SUBQ_ERR_NULL_POINTER);
    EXPECT_MSG("indices is NULL");
    EXPECT_EQ(subq_dataset_copy_csr_f64(ds, ip.data(), ix.data(), nullptr, 6), SUBQ_ERR_NULL_POINTER);
    EXPECT_MSG("values is NULL");
    ASSERT_EQ(subq_dataset_copy_csr_f64(ds, ip.data(), ix.data(), v.data(), 6), SUBQ_OK);
    EXPECT_EQ(ip, (std::vector<subq_index>{0, 2, 4, 6, 6}));
    EXPECT_EQ(ix, (std::vector<subq_index>{0, 2, 1, 1, 3, 0}));
    EXPECT_EQ(v, (std::vector<double>{0.5, -2, 1e-3, 2, 7, 1}));
    subq_dataset_destroy(ds);

    // Dense data: only the nonzero entries, in column order.
    ds = load_ok(data("f8_fortran_v3.npy"));  // [[1, -2.5, 3.25], [4, 1e-300, -0]]
    ASSERT_EQ(subq_dataset_count_nonzeros(ds, &count), SUBQ_OK);
    EXPECT_EQ(count, 5);
    std::vector<subq_index> dip(3), dix(5);
    std::vector<double> dv(5);
    ASSERT_EQ(subq_dataset_copy_csr_f64(ds, dip.data(), dix.data(), dv.data(), 5), SUBQ_OK);
    EXPECT_EQ(dip, (std::vector<subq_index>{0, 3, 5}));
    EXPECT_EQ(dix, (std::vector<subq_index>{0, 1, 2, 0, 1}));
    EXPECT_EQ(dv, (std::vector<double>{1, -2.5, 3.25, 4, 1e-300}));
    subq_dataset_destroy(ds);
}

TEST(IoCapi, NpyWriteChecksAndRoundTrip) {
    const std::string dir = tmp_dir();
    const std::string path = dir + "/w.npy";
    const double x[6] = {1, 2, 3, 4, 5, 6};  // column-major 2 x 2 with ld = 3: [[1, 4], [2, 5]]
    EXPECT_EQ(subq_npy_write_f64(nullptr, SUBQ_ROW_MAJOR, 1, 1, x, 1), SUBQ_ERR_NULL_POINTER);
    EXPECT_MSG("subq_npy_write_f64: path is NULL");
    EXPECT_EQ(subq_npy_write_f64(path.c_str(), SUBQ_ROW_MAJOR, 2, 2, nullptr, 2), SUBQ_ERR_NULL_POINTER);
    EXPECT_MSG("subq_npy_write_f64: x is NULL");
    EXPECT_EQ(subq_npy_write_f64(path.c_str(), SUBQ_ROW_MAJOR, -1, 2, x, 2), SUBQ_ERR_DIMENSION);
    EXPECT_MSG("subq_npy_write_f64: x: negative size -1 x 2");
    EXPECT_EQ(subq_npy_write_f64(path.c_str(), SUBQ_COL_MAJOR, 2, 2, x, 1), SUBQ_ERR_LAYOUT);
    EXPECT_MSG("leading dimension 1 < 2 rows (column-major)");
    const float xf[1] = {1};
    EXPECT_EQ(subq_npy_write_f32(path.c_str(), static_cast<subq_layout>(0), 1, 1, xf, 1), SUBQ_ERR_LAYOUT);
    EXPECT_MSG("subq_npy_write_f32: x: layout = 0");
    EXPECT_FALSE(std::filesystem::exists(path));
    const std::string nodir = dir + "/nope/w.npy";
    EXPECT_EQ(subq_npy_write_f32(nodir.c_str(), SUBQ_ROW_MAJOR, 1, 1, xf, 1), SUBQ_ERR_IO);
    EXPECT_MSG("subq_npy_write_f32: '" + nodir + "': cannot create a temporary file");

    ASSERT_EQ(subq_npy_write_f64(path.c_str(), SUBQ_COL_MAJOR, 2, 2, x, 3), SUBQ_OK);
    subq_dataset *ds = load_ok(path);
    std::vector<double> back(4);
    ASSERT_EQ(subq_dataset_copy_dense_f64(ds, SUBQ_ROW_MAJOR, back.data(), 2), SUBQ_OK);
    EXPECT_EQ(back, (std::vector<double>{1, 4, 2, 5}));
    subq_dataset_destroy(ds);
    // n = 0 with a NULL pointer is allowed.
    ASSERT_EQ(subq_npy_write_f32(path.c_str(), SUBQ_ROW_MAJOR, 0, 3, nullptr, 3), SUBQ_OK);
    ds = load_ok(path);
    subq_index rows = -1, cols = -1;
    ASSERT_EQ(subq_dataset_info(ds, &rows, &cols, nullptr, nullptr, nullptr, nullptr), SUBQ_OK);
    EXPECT_EQ(rows, 0);
    EXPECT_EQ(cols, 3);
    EXPECT_EQ(subq_dataset_copy_dense_f64(ds, SUBQ_ROW_MAJOR, nullptr, 3), SUBQ_OK);
    subq_dataset_destroy(ds);
    std::vector<std::string> names;
    for (const auto &e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
    EXPECT_EQ(names, std::vector<std::string>{"w.npy"});
}

TEST(IoCapi, FmnistTestThroughTheCApi) {
    subq_dataset *ds = load_ok("fmnist-test");
    ASSERT_NE(ds, nullptr);
    subq_index rows = 0, cols = 0;
    int labels = 0;
    ASSERT_EQ(subq_dataset_info(ds, &rows, &cols, nullptr, nullptr, nullptr, &labels), SUBQ_OK);
    EXPECT_EQ(rows, 10000);
    EXPECT_EQ(cols, 784);
    EXPECT_EQ(labels, 1);
    std::vector<double> y(10000);
    ASSERT_EQ(subq_dataset_copy_labels(ds, y.data()), SUBQ_OK);
    for (int c = 0; c < 10; ++c) EXPECT_EQ(std::count(y.begin(), y.end(), static_cast<double>(c)), 1000) << c;
    std::vector<float> x(10000 * 784);
    ASSERT_EQ(subq_dataset_copy_dense_f32(ds, SUBQ_ROW_MAJOR, x.data(), 784), SUBQ_OK);
    double first = 0;
    for (int j = 0; j < 784; ++j) first += x[static_cast<std::size_t>(j)];
    EXPECT_EQ(first, 33456.0);
    subq_dataset_destroy(ds);
}

TEST(IoCapi, LastErrorIsThreadLocal) {
    std::string m1, m2;
    subq_status s1 = SUBQ_OK, s2 = SUBQ_OK;
    std::thread a([&] {
        subq_dataset *ds = nullptr;
        s1 = subq_dataset_load(data("badnum.csv").c_str(), nullptr, &ds);
        m1 = subq_last_error_message();
    });
    std::thread b([&] {
        s2 = subq_dataset_copy_labels(nullptr, nullptr);
        m2 = subq_last_error_message();
    });
    a.join();
    b.join();
    EXPECT_EQ(s1, SUBQ_ERR_IO);
    EXPECT_EQ(s2, SUBQ_ERR_NULL_POINTER);
    EXPECT_TRUE(has(m1.c_str(), "subq_dataset_load: ") && has(m1.c_str(), "cannot parse '5x'")) << m1;
    EXPECT_EQ(m2, "subq_dataset_copy_labels: ds is NULL");
}
