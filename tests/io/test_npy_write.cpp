// The .npy writer: exact bytes, round trips in both layouts and types, atomic replacement, no leftovers.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "io/reader.hpp"
#include "io_test_util.hpp"

using namespace subq;
using namespace subq::io;
using namespace subq_io_test;

namespace {

// A rows x cols matrix with entry (i, j) = i * 100 + j + 0.125, stored in `layout` with leading dimension `ld`;
// padding entries hold -777.
template <class T>
std::vector<T> make_matrix(subq_layout layout, index_t rows, index_t cols, index_t ld) {
    const index_t outer = layout == SUBQ_ROW_MAJOR ? rows : cols;
    std::vector<T> m(static_cast<std::size_t>(outer * ld), T(-777));
    for (index_t i = 0; i < rows; ++i)
        for (index_t j = 0; j < cols; ++j)
            m[static_cast<std::size_t>(layout == SUBQ_ROW_MAJOR ? i * ld + j : j * ld + i)] =
                static_cast<T>(static_cast<double>(i * 100 + j) + 0.125);
    return m;
}

template <class T>
void round_trip(subq_layout layout, index_t ld) {
    const index_t rows = 5, cols = 3;
    const auto m = make_matrix<T>(layout, rows, cols, ld);
    const std::string path = tmp_path(std::string("rt-") + (sizeof(T) == 4 ? "f4" : "f8") +
                                      (layout == SUBQ_ROW_MAJOR ? "-r" : "-c") + ".npy");
    write_npy(path, dense_view("x", layout, rows, cols, m.data(), ld));
    const Dataset ds = read_npy(path, {});
    ASSERT_EQ(ds.rows(), rows);
    ASSERT_EQ(ds.cols(), cols);
    EXPECT_EQ(ds.dtype(), sizeof(T) == 4 ? SUBQ_F32 : SUBQ_F64);
    EXPECT_EQ(ds.layout(), SUBQ_ROW_MAJOR);
    for (index_t i = 0; i < rows; ++i)
        for (index_t j = 0; j < cols; ++j)
            EXPECT_EQ(ds.at(i, j), static_cast<double>(i * 100 + j) + 0.125) << i << "," << j;
    // The data start at a multiple of 64 and the file is exactly header + rows*cols elements.
    const Bytes b = read_bytes(path);
    const std::size_t hlen = b[8] | (b[9] << 8);
    EXPECT_EQ((10 + hlen) % 64, 0u);
    EXPECT_EQ(b.size(), 10 + hlen + static_cast<std::size_t>(rows * cols) * sizeof(T));
}

}  // namespace

TEST(IoNpyWrite, ExactHeaderBytes) {
    const double x[2] = {1.0, -2.0};
    write_npy(tmp_path("h.npy"), dense_view("x", SUBQ_ROW_MAJOR, 1, 2, static_cast<const double *>(x), 2));
    const Bytes b = read_bytes(tmp_path("h.npy"));
    ASSERT_EQ(b.size(), 128u + 16u);
    EXPECT_EQ(std::string(b.begin(), b.begin() + 8), std::string("\x93NUMPY\x01\x00", 8));
    EXPECT_EQ(b[8], 118);
    EXPECT_EQ(b[9], 0);
    const std::string dict(b.begin() + 10, b.begin() + 128);
    const std::string want = "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), }";
    EXPECT_EQ(dict.substr(0, want.size()), want);
    EXPECT_EQ(dict.back(), '\n');
    EXPECT_EQ(dict.find_first_not_of(' ', want.size()), dict.size() - 1);
    double back[2];
    std::memcpy(back, b.data() + 128, 16);
    EXPECT_EQ(back[0], 1.0);
    EXPECT_EQ(back[1], -2.0);
}

TEST(IoNpyWrite, RoundTripF64RowMajorWithPadding) { round_trip<double>(SUBQ_ROW_MAJOR, 7); }
TEST(IoNpyWrite, RoundTripF64ColMajorWithPadding) { round_trip<double>(SUBQ_COL_MAJOR, 9); }
TEST(IoNpyWrite, RoundTripF32RowMajorWithPadding) { round_trip<float>(SUBQ_ROW_MAJOR, 4); }
TEST(IoNpyWrite, RoundTripF32ColMajorWithPadding) { round_trip<float>(SUBQ_COL_MAJOR, 6); }

TEST(IoNpyWrite, LargeMatrixManyBlocks) {
    // 3000 x 100 float64 = 2.4 MB: several 1 MiB write blocks; column-major to exercise the gather.
    const index_t rows = 3000, cols = 100;
    const auto m = make_matrix<double>(SUBQ_COL_MAJOR, rows, cols, rows + 1);
    write_npy(tmp_path("big.npy"), dense_view("x", SUBQ_COL_MAJOR, rows, cols, m.data(), rows + 1));
    const Dataset ds = read_npy(tmp_path("big.npy"), {});
    ASSERT_EQ(ds.rows(), rows);
    for (index_t i = 0; i < rows; i += 7)
        for (index_t j = 0; j < cols; j += 3) ASSERT_EQ(ds.at(i, j), static_cast<double>(i * 100 + j) + 0.125);
    EXPECT_EQ(ds.at(rows - 1, cols - 1), static_cast<double>((rows - 1) * 100 + cols - 1) + 0.125);
}

TEST(IoNpyWrite, EmptyMatrix) {
    write_npy(tmp_path("e.npy"), dense_view<const double>("x", SUBQ_ROW_MAJOR, 0, 4, nullptr, 4));
    const Dataset ds = read_npy(tmp_path("e.npy"), {});
    EXPECT_EQ(ds.rows(), 0);
    EXPECT_EQ(ds.cols(), 4);
}

TEST(IoNpyWrite, MissingDirectoryFailsAndCreatesNothing) {
    const std::string dir = tmp_path("no-such-dir");
    const double x[1] = {1.0};
    expect_error([&] { write_npy(dir + "/a.npy", dense_view("x", SUBQ_ROW_MAJOR, 1, 1, static_cast<const double *>(x), 1)); },
                 SUBQ_ERR_IO, {"a.npy", "cannot create a temporary file in '" + dir + "'", "No such file"});
    EXPECT_FALSE(file_exists(dir));
    EXPECT_EQ(dir_entries(test_dir()).size(), 0u);
}

TEST(IoNpyWrite, OverwriteReplacesAtomicallyAndLeavesNoTemporaries) {
    const std::string path = tmp_path("o.npy");
    const double a[4] = {1, 2, 3, 4};
    write_npy(path, dense_view("x", SUBQ_ROW_MAJOR, 2, 2, static_cast<const double *>(a), 2));
    struct stat before {};
    ASSERT_EQ(::stat(path.c_str(), &before), 0);
    const float b[3] = {9, 8, 7};
    write_npy(path, dense_view("x", SUBQ_ROW_MAJOR, 3, 1, static_cast<const float *>(b), 1));
    const Dataset ds = read_npy(path, {});
    EXPECT_EQ(ds.rows(), 3);
    EXPECT_EQ(ds.cols(), 1);
    EXPECT_EQ(ds.dtype(), SUBQ_F32);
    EXPECT_EQ(ds.at(2, 0), 7.0);
    struct stat after {};
    ASSERT_EQ(::stat(path.c_str(), &after), 0);
    EXPECT_NE(before.st_ino, after.st_ino);  // a new file was renamed over the old one
    EXPECT_EQ(dir_entries(test_dir()), std::vector<std::string>{"o.npy"});
}

TEST(IoNpyWrite, FailedRenameRemovesTheTemporary) {
    // The destination is a non-empty directory: the rename fails after the data were written.
    const std::string dest = tmp_path("dest");
    std::filesystem::create_directories(dest + "/inner");
    const double a[2] = {1, 2};
    expect_error([&] { write_npy(dest, dense_view("x", SUBQ_ROW_MAJOR, 1, 2, static_cast<const double *>(a), 2)); },
                 SUBQ_ERR_IO, {"dest", "cannot rename the temporary file into place"});
    EXPECT_EQ(dir_entries(test_dir()), std::vector<std::string>{"dest"});
    expect_error([&] { write_npy(dest + "/", dense_view("x", SUBQ_ROW_MAJOR, 1, 2, static_cast<const double *>(a), 2)); },
                 SUBQ_ERR_IO, {"is a directory name"});
}
