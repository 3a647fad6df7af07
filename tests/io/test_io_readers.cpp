// Readers on well-formed files: exact shapes, types, values and labels.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "io/reader.hpp"
#include "io_test_util.hpp"

using namespace subq;
using namespace subq::io;
using namespace subq_io_test;

namespace {

std::vector<double> dense_row_major(const Dataset &ds) {
    std::vector<double> out(static_cast<std::size_t>(ds.rows() * ds.cols()), -12345.0);
    ds.copy_dense(dense_view("x", SUBQ_ROW_MAJOR, ds.rows(), ds.cols(), out.data(), std::max<index_t>(1, ds.cols())));
    return out;
}

std::vector<double> labels_of(const Dataset &ds) { return {ds.labels().begin(), ds.labels().end()}; }

}  // namespace

// ---- IDX -----------------------------------------------------------------------------------------------------

TEST(IoIdx, GzipImagesWithSiblingLabels) {
    const Dataset ds = read_idx(data_path("tiny-images-idx3-ubyte.gz"), {});
    EXPECT_EQ(ds.rows(), 3);
    EXPECT_EQ(ds.cols(), 6);
    EXPECT_EQ(ds.dtype(), SUBQ_F32);
    EXPECT_FALSE(ds.is_sparse());
    const std::vector<float> want = {0, 1, 2, 3, 4, 5, 255, 128, 7, 0, 0, 9, 10, 20, 30, 40, 50, 60};
    EXPECT_EQ(std::vector<float>(ds.f32().begin(), ds.f32().end()), want);
    ASSERT_TRUE(ds.has_labels());
    EXPECT_EQ(labels_of(ds), (std::vector<double>{7, 0, 9}));
}

TEST(IoIdx, PlainFileWithoutLabelFile) {
    const Dataset ds = load(data_path("plain-images-idx3-ubyte"));
    EXPECT_EQ(ds.rows(), 3);
    EXPECT_EQ(ds.cols(), 6);
    EXPECT_FALSE(ds.has_labels());
    EXPECT_EQ(ds.at(1, 0), 255.0);
    EXPECT_EQ(ds.at(2, 5), 60.0);
}

TEST(IoIdx, LabelPathReplacesOnlyInTheFileName) {
    EXPECT_EQ(idx_label_path("/d/train-images-idx3-ubyte.gz"), "/d/train-labels-idx1-ubyte.gz");
    EXPECT_EQ(idx_label_path("images-idx3-ubyte"), "labels-idx1-ubyte");
    EXPECT_EQ(idx_label_path("/images-idx3/x.idx"), "");
    EXPECT_EQ(idx_label_path("/images-idx3/a-images-idx3"), "/images-idx3/a-labels-idx1");
}

TEST(IoIdx, OtherElementTypes) {
    // float32 (0x0D), big-endian: 1.5 and -2.0 as a 2 x 1 matrix.
    Bytes f32 = idx_bytes(0x0D, {2, 1}, {0x3f, 0xc0, 0, 0, 0xc0, 0, 0, 0});
    write_bytes(tmp_path("f.idx"), f32);
    Dataset a = read_idx(tmp_path("f.idx"), {});
    EXPECT_EQ(a.dtype(), SUBQ_F32);
    EXPECT_EQ(a.at(0, 0), 1.5);
    EXPECT_EQ(a.at(1, 0), -2.0);
    // int32 (0x0C) is stored as float64: -2 and 2^31 - 1.
    Bytes i32 = idx_bytes(0x0C, {1, 2}, {0xff, 0xff, 0xff, 0xfe, 0x7f, 0xff, 0xff, 0xff});
    write_bytes(tmp_path("i.idx"), i32);
    Dataset b = read_idx(tmp_path("i.idx"), {});
    EXPECT_EQ(b.dtype(), SUBQ_F64);
    EXPECT_EQ(b.at(0, 0), -2.0);
    EXPECT_EQ(b.at(0, 1), 2147483647.0);
    // int8 (0x09), 1-D: a 2 x 1 matrix.
    write_bytes(tmp_path("s.idx"), idx_bytes(0x09, {2}, {0x80, 0x7f}));
    Dataset c = read_idx(tmp_path("s.idx"), {});
    EXPECT_EQ(c.cols(), 1);
    EXPECT_EQ(c.at(0, 0), -128.0);
    EXPECT_EQ(c.at(1, 0), 127.0);
}

TEST(IoIdx, LargeGzipFileReadInChunks) {
    // 3000 images of 28 x 28: more than one read chunk, compressed and plain give the same data.
    const Bytes px = pixels(3000 * 784, 7);
    const Bytes file = idx_bytes(0x08, {3000, 28, 28}, px);
    write_bytes(tmp_path("big-images-idx3-ubyte"), file);
    write_bytes(tmp_path("big-images-idx3-ubyte.gz"), gzip_bytes(file));
    for (const char *name : {"big-images-idx3-ubyte", "big-images-idx3-ubyte.gz"}) {
        const Dataset ds = load(tmp_path(name));
        ASSERT_EQ(ds.rows(), 3000);
        ASSERT_EQ(ds.cols(), 784);
        for (std::size_t k = 0; k < px.size(); k += 997) ASSERT_EQ(ds.f32()[k], static_cast<float>(px[k])) << k;
        EXPECT_EQ(ds.f32().back(), static_cast<float>(px.back()));
    }
}

// ---- CSV -----------------------------------------------------------------------------------------------------

TEST(IoCsv, HeaderLabelsNanInfCrlfBom) {
    LoadOptions o;
    o.label_column = -2;
    const Dataset ds = read_csv(data_path("good.csv"), o);
    ASSERT_EQ(ds.rows(), 3);
    ASSERT_EQ(ds.cols(), 3);
    EXPECT_EQ(ds.dtype(), SUBQ_F64);
    const auto x = dense_row_major(ds);
    EXPECT_EQ(x[0], 1.5);
    EXPECT_EQ(x[1], -2.0);
    EXPECT_EQ(x[2], 300.0);
    EXPECT_EQ(x[3], 4.0);
    EXPECT_EQ(x[4], 5.25);
    EXPECT_EQ(x[5], -0.5);
    EXPECT_TRUE(std::isnan(x[6]));
    EXPECT_EQ(x[7], std::numeric_limits<double>::infinity());
    EXPECT_EQ(x[8], -std::numeric_limits<double>::infinity());
    ASSERT_TRUE(ds.has_labels());
    EXPECT_EQ(labels_of(ds), (std::vector<double>{1, 0, 2}));
}

TEST(IoCsv, LabelColumnChoices) {
    LoadOptions o;
    const Dataset none = read_csv(data_path("good.csv"), o);  // default -1: no labels
    EXPECT_EQ(none.cols(), 4);
    EXPECT_FALSE(none.has_labels());
    EXPECT_EQ(none.at(1, 3), 0.0);
    o.label_column = 1;
    const Dataset mid = read_csv(data_path("good.csv"), o);
    EXPECT_EQ(mid.cols(), 3);
    EXPECT_EQ(labels_of(mid)[0], -2.0);
    EXPECT_EQ(labels_of(mid)[1], 5.25);
    EXPECT_EQ(mid.at(0, 0), 1.5);
    EXPECT_EQ(mid.at(0, 1), 300.0);
    EXPECT_EQ(mid.at(0, 2), 1.0);
}

TEST(IoCsv, HeaderModesAndBlankLines) {
    LoadOptions o;
    const Dataset detect = read_csv(data_path("noheader.csv"), o);
    EXPECT_EQ(detect.rows(), 3);
    EXPECT_EQ(detect.cols(), 2);
    EXPECT_EQ(dense_row_major(detect), (std::vector<double>{1, 2, 3, 4, 5, 6}));
    o.csv_header = 1;  // the first row is a header even though it is numeric
    const Dataset skip = read_csv(data_path("noheader.csv"), o);
    EXPECT_EQ(dense_row_major(skip), (std::vector<double>{3, 4, 5, 6}));
    o.csv_header = 0;
    expect_error([&] { read_csv(data_path("good.csv"), o); }, SUBQ_ERR_IO,
                 {"good.csv", "line 1, field 1", "cannot parse"});
}

TEST(IoCsv, HeaderOnlyGivesZeroRows) {
    write_text(tmp_path("h.csv"), "a,b,c\n");
    const Dataset ds = read_csv(tmp_path("h.csv"), {});
    EXPECT_EQ(ds.rows(), 0);
    EXPECT_EQ(ds.cols(), 3);
}

TEST(IoCsv, NumberEdgeCases) {
    LoadOptions no_header;
    no_header.csv_header = 0;
    write_text(tmp_path("n.csv"), "1e-400, -1e-400,+.5,1.,4.9e-324,0x10\n");
    expect_error([&] { read_csv(tmp_path("n.csv"), no_header); }, SUBQ_ERR_IO, {"line 1, field 6", "'0x10'"});
    // With header detection (the default) the same single line is a header: a field is not a number.
    EXPECT_EQ(read_csv(tmp_path("n.csv"), {}).rows(), 0);
    write_text(tmp_path("n2.csv"), "1e-400, -1e-400,+.5,1.,4.9e-324, \"7\"\n");
    const Dataset ds = read_csv(tmp_path("n2.csv"), {});
    const auto x = dense_row_major(ds);
    EXPECT_EQ(x[0], 0.0);
    EXPECT_TRUE(std::signbit(x[1]));
    EXPECT_EQ(x[2], 0.5);
    EXPECT_EQ(x[3], 1.0);
    EXPECT_EQ(x[4], 4.9e-324);
    EXPECT_EQ(x[5], 7.0);
    write_text(tmp_path("n3.csv"), "1,1e400\n");
    expect_error([&] { read_csv(tmp_path("n3.csv"), no_header); }, SUBQ_ERR_IO, {"field 2", "cannot parse '1e400'"});
}

TEST(IoCsv, LongFileAcrossReadChunksAndGzip) {
    // 30000 x 9: about 1.9 MB of text, so lines straddle the reader's 1 MiB buffer.
    std::string text = "c0,c1,c2,c3,c4,c5,c6,c7,y\n";
    for (int i = 0; i < 30000; ++i) {
        for (int j = 0; j < 8; ++j) text += std::to_string(i * 8 + j) + ".25,";
        text += std::to_string(i % 10) + "\n";
    }
    write_text(tmp_path("long.csv"), text);
    write_bytes(tmp_path("long.csv.gz"), gzip_bytes(Bytes(text.begin(), text.end())));
    LoadOptions o;
    o.label_column = 8;
    for (const char *name : {"long.csv", "long.csv.gz"}) {
        const Dataset ds = load(tmp_path(name), o);
        ASSERT_EQ(ds.rows(), 30000);
        ASSERT_EQ(ds.cols(), 8);
        const auto &v = ds.f64();
        for (std::size_t k = 0; k < v.size(); ++k) ASSERT_EQ(v[k], static_cast<double>(k) + 0.25) << name << k;
        for (std::size_t i = 0; i < 30000; ++i) ASSERT_EQ(ds.labels()[i], static_cast<double>(i % 10));
    }
}

// ---- LIBSVM --------------------------------------------------------------------------------------------------

TEST(IoLibsvm, CommentsQidDuplicatesAndEmptyRows) {
    const Dataset ds = read_libsvm(data_path("small.libsvm"), {});
    ASSERT_EQ(ds.rows(), 4);
    EXPECT_EQ(ds.cols(), 4);
    EXPECT_TRUE(ds.is_sparse());
    EXPECT_EQ(ds.dtype(), SUBQ_F64);
    EXPECT_EQ(std::vector<index_t>(ds.indptr().begin(), ds.indptr().end()), (std::vector<index_t>{0, 2, 4, 6, 6}));
    EXPECT_EQ(std::vector<index_t>(ds.indices().begin(), ds.indices().end()),
              (std::vector<index_t>{0, 2, 1, 1, 3, 0}));
    EXPECT_EQ(std::vector<double>(ds.values().begin(), ds.values().end()),
              (std::vector<double>{0.5, -2, 1e-3, 2, 7, 1}));
    EXPECT_EQ(labels_of(ds), (std::vector<double>{1, -1, 1, 0}));
    EXPECT_EQ(ds.stored(), 6);
    // Duplicates are summed when densified.
    EXPECT_EQ(dense_row_major(ds), (std::vector<double>{0.5, 0, -2, 0, 0, 2.001, 0, 0, 1, 0, 0, 7, 0, 0, 0, 0}));
}

TEST(IoLibsvm, NumFeaturesAndZeroBased) {
    LoadOptions o;
    o.num_features = 10;
    EXPECT_EQ(read_libsvm(data_path("small.libsvm"), o).cols(), 10);
    o.num_features = 3;
    expect_error([&] { read_libsvm(data_path("small.libsvm"), o); }, SUBQ_ERR_IO,
                 {"small.libsvm", "line 5", "feature index 4 exceeds SUBQ_P_NUM_FEATURES = 3"});
    LoadOptions z;
    z.zero_based = true;
    const Dataset ds = read_libsvm(data_path("zero_index.libsvm"), z);
    EXPECT_EQ(ds.cols(), 2);
    EXPECT_EQ(ds.at(0, 1), 1.0);
    EXPECT_EQ(ds.at(1, 0), 3.0);
    EXPECT_EQ(labels_of(ds), (std::vector<double>{1, 2}));
}

TEST(IoLibsvm, GzipAndByteLimit) {
    const Bytes raw = read_bytes(data_path("small.libsvm"));
    write_bytes(tmp_path("s.libsvm.gz"), gzip_bytes(raw));
    const Dataset ds = load(tmp_path("s.libsvm.gz"));
    EXPECT_TRUE(ds.is_sparse());
    EXPECT_EQ(ds.rows(), 4);
    EXPECT_EQ(ds.at(1, 1), 2.001);
    LoadOptions o;
    o.max_bytes = 8 + 2 * 16 + 16 + 16;  // indptr[0], row 1 (two entries + offset/label), one more entry
    expect_error([&] { read_libsvm(data_path("small.libsvm"), o); }, SUBQ_ERR_IO,
                 {"small.libsvm", "line 3: the data exceed SUBQ_P_MAX_BYTES = 72 bytes"});
}

// ---- .npy ----------------------------------------------------------------------------------------------------

TEST(IoNpy, F8Version1) {
    const Dataset ds = read_npy(data_path("f8_v1.npy"), {});
    ASSERT_EQ(ds.rows(), 2);
    ASSERT_EQ(ds.cols(), 3);
    EXPECT_EQ(ds.dtype(), SUBQ_F64);
    EXPECT_FALSE(ds.has_labels());
    const auto x = dense_row_major(ds);
    EXPECT_EQ(x, (std::vector<double>{1.0, -2.5, 3.25, 4.0, 1e-300, -0.0}));
    EXPECT_TRUE(std::signbit(x[5]));
}

TEST(IoNpy, F4Version2) {
    const Dataset ds = load(data_path("f4_v2.npy"));
    ASSERT_EQ(ds.rows(), 3);
    ASSERT_EQ(ds.cols(), 2);
    EXPECT_EQ(ds.dtype(), SUBQ_F32);
    EXPECT_EQ(std::vector<float>(ds.f32().begin(), ds.f32().end()),
              (std::vector<float>{0.5f, 1.5f, -2.0f, 8.0f, 0.0f, 100.25f}));
}

TEST(IoNpy, FortranOrderVersion3) {
    const Dataset ds = read_npy(data_path("f8_fortran_v3.npy"), {});
    ASSERT_EQ(ds.rows(), 2);
    ASSERT_EQ(ds.cols(), 3);
    EXPECT_EQ(ds.layout(), SUBQ_COL_MAJOR);
    EXPECT_EQ(dense_row_major(ds), (std::vector<double>{1.0, -2.5, 3.25, 4.0, 1e-300, -0.0}));
    std::vector<double> cm(2 * 3 + 1, 99.0);  // column-major with ld = 2... and one padding entry at the end
    ds.copy_dense(dense_view("x", SUBQ_COL_MAJOR, 2, 3, cm.data(), 2));
    EXPECT_EQ(cm, (std::vector<double>{1.0, 4.0, -2.5, 1e-300, 3.25, -0.0, 99.0}));
}

TEST(IoNpy, IntegerOneDimensionalBecomesF64Column) {
    const Dataset ds = read_npy(data_path("i4_1d.npy"), {});
    ASSERT_EQ(ds.rows(), 4);
    ASSERT_EQ(ds.cols(), 1);
    EXPECT_EQ(ds.dtype(), SUBQ_F64);
    EXPECT_EQ(dense_row_major(ds), (std::vector<double>{5, -6, 2147483647, 0}));
}

TEST(IoNpy, OtherHeaderSpellings) {
    // Double quotes, no trailing comma, keys in another order, Python 2 long literals, u1 data.
    write_bytes(tmp_path("a.npy"), npy_bytes("{\"shape\": (2L, 1L), \"fortran_order\": False, \"descr\": \"|u1\"}",
                                             Bytes{200, 7}));
    const Dataset ds = read_npy(tmp_path("a.npy"), {});
    EXPECT_EQ(ds.rows(), 2);
    EXPECT_EQ(ds.cols(), 1);
    EXPECT_EQ(dense_row_major(ds), (std::vector<double>{200, 7}));
    // An empty 0 x 5 array.
    write_bytes(tmp_path("e.npy"), npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 5), }", {}));
    const Dataset e = read_npy(tmp_path("e.npy"), {});
    EXPECT_EQ(e.rows(), 0);
    EXPECT_EQ(e.cols(), 5);
}

// ---- format detection and the Dataset copies -----------------------------------------------------------------

TEST(IoLoad, DetectsFormatsFromNamesAndContent) {
    EXPECT_EQ(detect_format(data_path("f8_v1.npy")), SUBQ_FORMAT_NPY);
    EXPECT_EQ(detect_format(data_path("good.csv")), SUBQ_FORMAT_CSV);
    EXPECT_EQ(detect_format(data_path("small.libsvm")), SUBQ_FORMAT_LIBSVM);
    EXPECT_EQ(detect_format(data_path("tiny-images-idx3-ubyte.gz")), SUBQ_FORMAT_IDX);
    // Names that say nothing: the content decides (npy magic, IDX magic inside gzip, LIBSVM tokens, else CSV).
    write_bytes(tmp_path("a.bin"), read_bytes(data_path("f8_v1.npy")));
    write_bytes(tmp_path("b.bin"), read_bytes(data_path("tiny-images-idx3-ubyte.gz")));
    write_text(tmp_path("c.txt"), "# comment\n\n1 qid:2 3:4\n");
    write_text(tmp_path("d.txt"), "1,2\n");
    EXPECT_EQ(detect_format(tmp_path("a.bin")), SUBQ_FORMAT_NPY);
    EXPECT_EQ(detect_format(tmp_path("b.bin")), SUBQ_FORMAT_IDX);
    EXPECT_EQ(detect_format(tmp_path("c.txt")), SUBQ_FORMAT_LIBSVM);
    EXPECT_EQ(detect_format(tmp_path("d.txt")), SUBQ_FORMAT_CSV);
    EXPECT_EQ(load(tmp_path("c.txt")).at(0, 2), 4.0);
    // A forced format overrides the name.
    LoadOptions o;
    o.format = SUBQ_FORMAT_CSV;
    write_text(tmp_path("e.npy"), "1,2\n");
    EXPECT_EQ(load(tmp_path("e.npy"), o).at(0, 1), 2.0);
}

TEST(IoDataset, CopiesInBothLayoutsWithPaddingUntouched) {
    const Dataset ds = read_idx(data_path("tiny-images-idx3-ubyte.gz"), {});
    // Row-major, ld = 8 > 6: the two padding entries of each row stay as they were.
    std::vector<float> rm(3 * 8, -1.0f);
    ds.copy_dense(dense_view("x", SUBQ_ROW_MAJOR, 3, 6, rm.data(), 8));
    EXPECT_EQ(rm[8 + 0], 255.0f);
    EXPECT_EQ(rm[16 + 5], 60.0f);
    EXPECT_EQ(rm[6], -1.0f);
    EXPECT_EQ(rm[7], -1.0f);
    // Column-major, ld = 4 > 3.
    std::vector<double> cm(4 * 6, -1.0);
    ds.copy_dense(dense_view("x", SUBQ_COL_MAJOR, 3, 6, cm.data(), 4));
    for (index_t i = 0; i < 3; ++i)
        for (index_t j = 0; j < 6; ++j) EXPECT_EQ(cm[static_cast<std::size_t>(j * 4 + i)], ds.at(i, j));
    for (index_t j = 0; j < 6; ++j) EXPECT_EQ(cm[static_cast<std::size_t>(j * 4 + 3)], -1.0);
    // A shape mismatch is a dimension error.
    expect_error([&] { ds.copy_dense(dense_view("x", SUBQ_ROW_MAJOR, 2, 6, rm.data(), 8)); }, SUBQ_ERR_DIMENSION,
                 {"2 x 6", "3 x 6"});
}

TEST(IoDataset, CsrOfDenseAndSparseData) {
    const Dataset ds = read_idx(data_path("tiny-images-idx3-ubyte.gz"), {});
    EXPECT_EQ(ds.count_nonzeros(), 15);
    std::vector<index_t> ip(4), ix(15);
    std::vector<double> v(15);
    expect_error([&] { ds.copy_csr(ip.data(), ix.data(), v.data(), 14); }, SUBQ_ERR_DIMENSION,
                 {"capacity = 14 < 15"});
    ds.copy_csr(ip.data(), ix.data(), v.data(), 15);
    EXPECT_EQ(ip, (std::vector<index_t>{0, 5, 9, 15}));
    EXPECT_EQ(ix, (std::vector<index_t>{1, 2, 3, 4, 5, 0, 1, 2, 5, 0, 1, 2, 3, 4, 5}));
    EXPECT_EQ(v, (std::vector<double>{1, 2, 3, 4, 5, 255, 128, 7, 9, 10, 20, 30, 40, 50, 60}));

    const Dataset sp = read_libsvm(data_path("small.libsvm"), {});
    EXPECT_EQ(sp.count_nonzeros(), 6);
    std::vector<index_t> sip(5), six(6);
    std::vector<double> sv(6);
    sp.copy_csr(sip.data(), six.data(), sv.data(), 6);
    EXPECT_EQ(sip, (std::vector<index_t>{0, 2, 4, 6, 6}));
    EXPECT_EQ(six, (std::vector<index_t>{0, 2, 1, 1, 3, 0}));
    EXPECT_EQ(sv, (std::vector<double>{0.5, -2, 1e-3, 2, 7, 1}));
}
