// Malformed, truncated, lying and missing inputs: every case must fail with SUBQ_ERR_IO and a message naming the
// file and the problem, without allocating from the unchecked header.
#include <gtest/gtest.h>

#include <string>

#include "io/reader.hpp"
#include "io_test_util.hpp"

using namespace subq;
using namespace subq::io;
using namespace subq_io_test;

// ---- missing and unreadable files ----------------------------------------------------------------------------

TEST(IoMalformed, MissingFileEveryFormat) {
    const std::string p = tmp_path("does-not-exist");
    for (subq_format f : {SUBQ_FORMAT_AUTO, SUBQ_FORMAT_NPY, SUBQ_FORMAT_CSV, SUBQ_FORMAT_LIBSVM, SUBQ_FORMAT_IDX}) {
        LoadOptions o;
        o.format = f;
        expect_error([&] { load(p, o); }, SUBQ_ERR_IO, {"'" + p + "'", "cannot open", "No such file"});
    }
}

TEST(IoMalformed, DirectoryIsNotAFile) {
    expect_error([&] { load(test_dir()); }, SUBQ_ERR_IO, {"cannot open", "is a directory"});
}

// ---- IDX -----------------------------------------------------------------------------------------------------

TEST(IoMalformed, IdxWrongMagic) {
    write_bytes(tmp_path("m-images-idx3-ubyte"), Bytes{0x01, 0x02, 0x08, 0x03, 0, 0, 0, 1});
    expect_error([&] { read_idx(tmp_path("m-images-idx3-ubyte"), {}); }, SUBQ_ERR_IO,
                 {"m-images-idx3-ubyte", "wrong magic number 0x01020803"});
    write_bytes(tmp_path("t.idx"), idx_bytes(0x07, {1}, {0}));
    expect_error([&] { read_idx(tmp_path("t.idx"), {}); }, SUBQ_ERR_IO, {"unsupported IDX element type 0x07"});
    write_bytes(tmp_path("z.idx"), Bytes{0, 0, 8, 0});
    expect_error([&] { read_idx(tmp_path("z.idx"), {}); }, SUBQ_ERR_IO, {"declares 0 dimensions"});
    write_bytes(tmp_path("short.idx"), Bytes{0, 0});
    expect_error([&] { read_idx(tmp_path("short.idx"), {}); }, SUBQ_ERR_IO,
                 {"short.idx", "truncated IDX header", "offset 0"});
    write_bytes(tmp_path("dims.idx"), Bytes{0, 0, 8, 3, 0, 0, 0, 1, 0, 0});  // dimension sizes cut short
    expect_error([&] { read_idx(tmp_path("dims.idx"), {}); }, SUBQ_ERR_IO, {"truncated IDX header", "offset 4"});
}

TEST(IoMalformed, IdxTruncatedPlainFile) {
    write_bytes(tmp_path("t-images-idx3-ubyte"), idx_bytes(0x08, {3, 2, 3}, pixels(10)));
    expect_error([&] { read_idx(tmp_path("t-images-idx3-ubyte"), {}); }, SUBQ_ERR_IO,
                 {"t-images-idx3-ubyte", "truncated", "3 x 2 x 3", "18 bytes after the 16-byte header",
                  "only 10 bytes"});
}

TEST(IoMalformed, IdxTrailingBytes) {
    write_bytes(tmp_path("x.idx"), idx_bytes(0x08, {2, 2}, pixels(5)));
    expect_error([&] { read_idx(tmp_path("x.idx"), {}); }, SUBQ_ERR_IO,
                 {"unexpected data after the 4 declared values", "byte offset 16"});
}

TEST(IoMalformed, IdxTruncatedGzip) {
    const Bytes file = idx_bytes(0x08, {200, 28, 28}, pixels(200 * 784));
    const Bytes gz = gzip_bytes(file);
    // Cut in the middle of the deflate stream.
    write_bytes(tmp_path("half-images-idx3-ubyte.gz"), Bytes(gz.begin(), gz.begin() + gz.size() / 2));
    expect_error([&] { read_idx(tmp_path("half-images-idx3-ubyte.gz"), {}); }, SUBQ_ERR_IO,
                 {"half-images-idx3-ubyte.gz", "truncated gzip stream"});
    // Only the 8-byte trailer (CRC, length) missing: all data arrive, the end check catches it.
    write_bytes(tmp_path("trailer.idx.gz"), Bytes(gz.begin(), gz.end() - 8));
    expect_error([&] { read_idx(tmp_path("trailer.idx.gz"), {}); }, SUBQ_ERR_IO,
                 {"trailer.idx.gz", "truncated gzip stream"});
    // A corrupted CRC.
    Bytes bad = gz;
    bad[bad.size() - 8] ^= 0xff;
    write_bytes(tmp_path("crc.idx.gz"), bad);
    expect_error([&] { read_idx(tmp_path("crc.idx.gz"), {}); }, SUBQ_ERR_IO, {"crc.idx.gz", "corrupt gzip data: incorrect data check"});
}

TEST(IoMalformed, IdxGzipWhoseHeaderLies) {
    // The header claims 1000 images; the complete, valid gzip stream holds 10. The buffer grows only with the
    // data that arrive, and the read fails as truncated.
    const Bytes file = idx_bytes(0x08, {1000, 28, 28}, pixels(10 * 784));
    write_bytes(tmp_path("lie-images-idx3-ubyte.gz"), gzip_bytes(file));
    expect_error([&] { read_idx(tmp_path("lie-images-idx3-ubyte.gz"), {}); }, SUBQ_ERR_IO,
                 {"lie-images-idx3-ubyte.gz", "truncated IDX data", "expected 784000 bytes",
                  "the data end at byte offset 7856"});
}

TEST(IoMalformed, IdxAbsurdHeaderSizes) {
    // 2^31 x 2^31 x 28 overflows int64.
    write_bytes(tmp_path("a.idx"), idx_bytes(0x08, {0x80000000u, 0x80000000u, 28}, pixels(64)));
    expect_error([&] { read_idx(tmp_path("a.idx"), {}); }, SUBQ_ERR_IO, {"a.idx", "overflows"});
    // 2^31 x 28 x 28 does not overflow, but decodes to 6.7 TB: over the 16 GiB default.
    write_bytes(tmp_path("b.idx"), idx_bytes(0x08, {0x80000000u, 28, 28}, pixels(64)));
    expect_error([&] { read_idx(tmp_path("b.idx"), {}); }, SUBQ_ERR_IO,
                 {"b.idx", "2147483648 x 28 x 28", "more than SUBQ_P_MAX_BYTES = 17179869184"});
    // Within SUBQ_P_MAX_BYTES, but more than a small gzip file can possibly hold.
    write_bytes(tmp_path("c.idx.gz"), gzip_bytes(idx_bytes(0x08, {1000000, 28, 28}, pixels(64))));
    expect_error([&] { read_idx(tmp_path("c.idx.gz"), {}); }, SUBQ_ERR_IO,
                 {"c.idx.gz", "more than a gzip file of"});
    // A small SUBQ_P_MAX_BYTES applies to real files too.
    LoadOptions o;
    o.max_bytes = 72;
    EXPECT_EQ(read_idx(data_path("tiny-images-idx3-ubyte.gz"), o).rows(), 3);
    o.max_bytes = 71;  // 3 x 6 float32 = 72 bytes
    expect_error([&] { read_idx(data_path("tiny-images-idx3-ubyte.gz"), o); }, SUBQ_ERR_IO,
                 {"(72 bytes decoded), more than SUBQ_P_MAX_BYTES = 71"});
}

TEST(IoMalformed, IdxLabelCountMismatch) {
    write_bytes(tmp_path("w-images-idx3-ubyte"), idx_bytes(0x08, {3, 1, 2}, pixels(6)));
    write_bytes(tmp_path("w-labels-idx1-ubyte"), idx_bytes(0x08, {2}, Bytes{1, 2}));
    expect_error([&] { read_idx(tmp_path("w-images-idx3-ubyte"), {}); }, SUBQ_ERR_IO,
                 {"w-labels-idx1-ubyte", "label count 2 differs from the image count 3", "w-images-idx3-ubyte"});
    // A label file that is not 1-D integers.
    write_bytes(tmp_path("w-labels-idx1-ubyte"), idx_bytes(0x08, {3, 1}, Bytes{1, 2, 3}));
    expect_error([&] { read_idx(tmp_path("w-images-idx3-ubyte"), {}); }, SUBQ_ERR_IO,
                 {"not an IDX label file"});
    // A label file with fewer label bytes than it declares.
    write_bytes(tmp_path("w-labels-idx1-ubyte"), idx_bytes(0x08, {3}, Bytes{1, 2}));
    expect_error([&] { read_idx(tmp_path("w-images-idx3-ubyte"), {}); }, SUBQ_ERR_IO,
                 {"w-labels-idx1-ubyte", "truncated"});
}

// ---- CSV -----------------------------------------------------------------------------------------------------

TEST(IoMalformed, CsvRaggedRow) {
    expect_error([&] { read_csv(data_path("ragged.csv"), {}); }, SUBQ_ERR_IO,
                 {"ragged.csv", "line 3 has 2 fields, expected 3 (as in line 1)"});
    write_text(tmp_path("long.csv"), "1,2\n3,4,5\n");
    expect_error([&] { read_csv(tmp_path("long.csv"), {}); }, SUBQ_ERR_IO, {"line 2 has 3 fields, expected 2"});
}

TEST(IoMalformed, CsvBadNumbers) {
    expect_error([&] { read_csv(data_path("badnum.csv"), {}); }, SUBQ_ERR_IO,
                 {"badnum.csv", "line 2, field 2", "cannot parse '5x' as a number"});
    write_text(tmp_path("e.csv"), "1,2\n3,\n");
    expect_error([&] { read_csv(tmp_path("e.csv"), {}); }, SUBQ_ERR_IO, {"line 2, field 2", "empty field"});
    write_text(tmp_path("q.csv"), "1,\"2\n");
    expect_error([&] { read_csv(tmp_path("q.csv"), {}); }, SUBQ_ERR_IO, {"line 1, field 2", "unterminated quote"});
    write_text(tmp_path("q2.csv"), "1,\"2\"x\n");
    expect_error([&] { read_csv(tmp_path("q2.csv"), {}); }, SUBQ_ERR_IO, {"after a closing quote"});
    write_text(tmp_path("s.csv"), "1,2\n1,2 3\n");
    expect_error([&] { read_csv(tmp_path("s.csv"), {}); }, SUBQ_ERR_IO, {"line 2, field 2", "cannot parse '2 3'"});
}

TEST(IoMalformed, CsvEmptyAndOptionsMismatch) {
    write_text(tmp_path("empty.csv"), "\n  \n");
    expect_error([&] { read_csv(tmp_path("empty.csv"), {}); }, SUBQ_ERR_IO, {"empty.csv", "the file is empty"});
    LoadOptions o;
    o.label_column = 4;
    expect_error([&] { read_csv(data_path("good.csv"), o); }, SUBQ_ERR_IO,
                 {"SUBQ_P_LABEL_COLUMN = 4 but line 1 has only 4 fields"});
    o.label_column = -1;
    o.max_bytes = 8 * 4 * 2;  // two rows of four values
    expect_error([&] { read_csv(data_path("good.csv"), o); }, SUBQ_ERR_IO,
                 {"line 4", "exceed SUBQ_P_MAX_BYTES = 64"});
}

TEST(IoMalformed, CsvTruncatedGzip) {
    std::string text;
    for (int i = 0; i < 20000; ++i) text += std::to_string(i) + "," + std::to_string(i * 7 % 1000) + "\n";
    Bytes gz = gzip_bytes(Bytes(text.begin(), text.end()));
    write_bytes(tmp_path("t.csv.gz"), Bytes(gz.begin(), gz.begin() + gz.size() * 2 / 3));
    expect_error([&] { read_csv(tmp_path("t.csv.gz"), {}); }, SUBQ_ERR_IO, {"t.csv.gz", "truncated gzip stream"});
}

// ---- LIBSVM --------------------------------------------------------------------------------------------------

TEST(IoMalformed, LibsvmBadTokens) {
    expect_error([&] { read_libsvm(data_path("zero_index.libsvm"), {}); }, SUBQ_ERR_IO,
                 {"zero_index.libsvm", "line 2", "feature index 0 is below 1", "SUBQ_P_ZERO_BASED"});
    const struct {
        const char *text;
        const char *msg;
    } cases[] = {
        {"1 1:1\n1 2:abc\n", "line 2: cannot parse the value 'abc' of feature 2"},
        {"1 x:1\n", "line 1: cannot parse the feature index 'x'"},
        {"1 5\n", "line 1: expected index:value, found '5'"},
        {"# c\nabc 1:1\n", "line 2: cannot parse the label 'abc'"},
        {"-1 -3:1\n", "line 1: feature index -3 is below 1"},
        {"1 99999999999999999999:1\n", "cannot parse the feature index"},
        {"1 1:\n", "cannot parse the value ''"},
        {"1 1:1e999\n", "cannot parse the value '1e999'"},
    };
    for (const auto &c : cases) {
        write_text(tmp_path("b.libsvm"), c.text);
        expect_error([&] { read_libsvm(tmp_path("b.libsvm"), {}); }, SUBQ_ERR_IO, {"b.libsvm", c.msg});
    }
}

TEST(IoMalformed, LibsvmNoSamples) {
    write_text(tmp_path("c.libsvm"), "# only a comment\n\n");
    expect_error([&] { read_libsvm(tmp_path("c.libsvm"), {}); }, SUBQ_ERR_IO, {"c.libsvm", "no samples"});
}

// ---- .npy ----------------------------------------------------------------------------------------------------

TEST(IoMalformed, NpyWrongMagicAndVersion) {
    write_text(tmp_path("m.npy"), "1,2,3\n");
    expect_error([&] { read_npy(tmp_path("m.npy"), {}); }, SUBQ_ERR_IO, {"m.npy", "not a .npy file: wrong magic"});
    Bytes v4 = npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", f64_le({1}));
    v4[6] = 4;
    write_bytes(tmp_path("v4.npy"), v4);
    expect_error([&] { read_npy(tmp_path("v4.npy"), {}); }, SUBQ_ERR_IO, {"unsupported .npy format version 4.0"});
    write_bytes(tmp_path("pre.npy"), Bytes{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
    expect_error([&] { read_npy(tmp_path("pre.npy"), {}); }, SUBQ_ERR_IO, {"truncated .npy preamble"});
}

TEST(IoMalformed, NpyUnsupportedDtypes) {
    expect_error([&] { read_npy(data_path("f8_big_endian.npy"), {}); }, SUBQ_ERR_IO,
                 {"f8_big_endian.npy", "unsupported .npy dtype '>f8'", "big-endian"});
    expect_error([&] { read_npy(data_path("f2.npy"), {}); }, SUBQ_ERR_IO, {"unsupported .npy dtype '<f2'"});
    write_bytes(tmp_path("s.npy"),
                npy_bytes("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", f64_le({1})));
    expect_error([&] { read_npy(tmp_path("s.npy"), {}); }, SUBQ_ERR_IO, {"structured"});
}

TEST(IoMalformed, NpyBadHeaderDicts) {
    const struct {
        const char *dict;
        const char *msg;
    } cases[] = {
        {"{'descr': '<f8', 'fortran_order': False, }", "the header has no 'shape'"},
        {"{'descr': '<f8', 'shape': (1,), }", "no 'fortran_order'"},
        {"{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,), }", "neither True nor False"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "unexpected key 'extra'"},
        {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", "duplicate key 'descr'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1, -2), }", "non-negative integers"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1 2), }", "expected ',' or ')'"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }", "too large"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,) ", "expected ',' or '}'"},
        {"{'descr: '<f8'}", "malformed .npy header"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1), }", "3 dimensions"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (), }", "0 dimensions"},
    };
    for (const auto &c : cases) {
        write_bytes(tmp_path("h.npy"), npy_bytes(c.dict, f64_le({1})));
        expect_error([&] { read_npy(tmp_path("h.npy"), {}); }, SUBQ_ERR_IO, {"h.npy", c.msg});
    }
}

TEST(IoMalformed, NpyAbsurdAndTruncated) {
    const Bytes some = f64_le({1, 2, 3, 4});
    write_bytes(tmp_path("a.npy"),
                npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000000, 1000000000000000), }",
                          some));
    expect_error([&] { read_npy(tmp_path("a.npy"), {}); }, SUBQ_ERR_IO, {"a.npy", "element count overflows"});
    write_bytes(tmp_path("b.npy"),
                npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000), }", some));
    expect_error([&] { read_npy(tmp_path("b.npy"), {}); }, SUBQ_ERR_IO,
                 {"(1000000000, 1000) needs 4000000000000 bytes, more than SUBQ_P_MAX_BYTES"});
    write_bytes(tmp_path("c.npy"), npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000, 1000), }", some));
    expect_error([&] { read_npy(tmp_path("c.npy"), {}); }, SUBQ_ERR_IO,
                 {"c.npy", "truncated", "8000000 bytes of data after the header (byte offset 128)", "only 32"});
    // A gzip'd .npy whose shape lies within the ratio bound fails while reading, as truncated data.
    write_bytes(tmp_path("d.npy.gz"),
                gzip_bytes(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (100, 10), }", some)));
    expect_error([&] { read_npy(tmp_path("d.npy.gz"), {}); }, SUBQ_ERR_IO,
                 {"d.npy.gz", "truncated .npy data", "expected 8000 bytes"});
    // Header length beyond the file.
    Bytes h = npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", {});
    h.resize(40);
    write_bytes(tmp_path("e.npy"), h);
    expect_error([&] { read_npy(tmp_path("e.npy"), {}); }, SUBQ_ERR_IO, {"truncated .npy header", "118 bytes"});
    // Huge declared header length (version 2.0, 4 GiB - 1).
    Bytes big = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0xff, 0xff, 0xff, 0xff, '{'};
    write_bytes(tmp_path("f.npy"), big);
    expect_error([&] { read_npy(tmp_path("f.npy"), {}); }, SUBQ_ERR_IO, {"header length 4294967295"});
    // Extra bytes after the data.
    write_bytes(tmp_path("g.npy"), npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", some));
    expect_error([&] { read_npy(tmp_path("g.npy"), {}); }, SUBQ_ERR_IO,
                 {"unexpected data after the 3 declared values"});
}
