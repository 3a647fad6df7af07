// NumPy .npy files: reader (versions 1.0, 2.0, 3.0) and atomic writer (version 1.0).
//
// Format: "\x93NUMPY", major, minor, header length (uint16 LE for 1.x, uint32 LE for 2.x/3.x), then a Python
// dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...), } padded with spaces and '\n', then the data.
//
// Reader: '<f4' is stored as float32 and '<f8' as float64, both without conversion. Integer and boolean types
// ('|b1', '|u1', '|i1', '<u2', '<i2', '<u4', '<i4', '<u8', '<i8') are converted to float64 (64-bit values
// above 2^53 are rounded). Big-endian and every other type are rejected. 'fortran_order': True is supported
// (the data set is then stored column-major; copies come out in whatever layout the caller asks for). Shapes
// must be 1-D (n values give an n×1 matrix) or 2-D. The gzip'd form (.npy.gz) is read too.
#include <bit>
#include <cstdio>
#include <cstring>
#include <optional>
#include <vector>

#include "core/atomic_file.hpp"
#include "io/reader.hpp"

namespace subq::io {
namespace {

static_assert(std::endian::native == std::endian::little || std::endian::native == std::endian::big);
constexpr bool kLittle = std::endian::native == std::endian::little;

constexpr std::int64_t kMaxHeaderLen = std::int64_t{1} << 20;

// ---- header dict parser --------------------------------------------------------------------------------------

struct NpyHeader {
    std::string descr;
    bool fortran_order = false;
    std::vector<std::int64_t> shape;
};

class DictParser {
public:
    DictParser(const std::string &path, std::string_view text) : path_(path), s_(text) {}

    NpyHeader parse() {
        NpyHeader h;
        bool has_descr = false, has_order = false, has_shape = false;
        skip_ws();
        expect('{');
        for (;;) {
            skip_ws();
            if (peek() == '}') {
                ++pos_;
                break;
            }
            const std::string key = parse_string("a key");
            skip_ws();
            expect(':');
            skip_ws();
            if (key == "descr") {
                if (has_descr) bad("duplicate key 'descr'");
                has_descr = true;
                if (peek() != '\'' && peek() != '"')
                    bad("'descr' is not a simple type string (structured and subarray dtypes are not supported)");
                h.descr = parse_string("'descr'");
            } else if (key == "fortran_order") {
                if (has_order) bad("duplicate key 'fortran_order'");
                has_order = true;
                h.fortran_order = parse_bool();
            } else if (key == "shape") {
                if (has_shape) bad("duplicate key 'shape'");
                has_shape = true;
                h.shape = parse_shape();
            } else {
                bad("unexpected key '" + excerpt(key) + "'");
            }
            skip_ws();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() == '}') {
                ++pos_;
                break;
            }
            bad("expected ',' or '}' after the value of '" + key + "'");
        }
        skip_ws();
        if (pos_ != s_.size()) bad("unexpected text after the header dict");
        if (!has_descr) bad("the header has no 'descr'");
        if (!has_order) bad("the header has no 'fortran_order'");
        if (!has_shape) bad("the header has no 'shape'");
        return h;
    }

private:
    [[noreturn]] void bad(const std::string &what) {
        fail_io(path_, "malformed .npy header: " + what + " (header: \"" + excerpt(trim(s_), 120) + "\")");
    }
    char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
    void skip_ws() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }
    void expect(char c) {
        if (peek() != c) bad(std::string("expected '") + c + "'");
        ++pos_;
    }
    std::string parse_string(const char *what) {
        const char q = peek();
        if (q != '\'' && q != '"') bad(std::string("expected a quoted string for ") + what);
        const std::size_t end = s_.find(q, pos_ + 1);
        if (end == std::string_view::npos) bad(std::string("unterminated string for ") + what);
        std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
        if (out.find('\\') != std::string::npos) bad(std::string("escape sequences are not supported in ") + what);
        pos_ = end + 1;
        return out;
    }
    bool parse_bool() {
        if (s_.substr(pos_, 4) == "True") {
            pos_ += 4;
            return true;
        }
        if (s_.substr(pos_, 5) == "False") {
            pos_ += 5;
            return false;
        }
        bad("'fortran_order' is neither True nor False");
    }
    std::vector<std::int64_t> parse_shape() {
        std::vector<std::int64_t> dims;
        expect('(');
        for (;;) {
            skip_ws();
            if (peek() == ')') {
                ++pos_;
                return dims;
            }
            const std::size_t start = pos_;
            while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
            std::int64_t v = 0;
            if (pos_ == start) bad("'shape' holds something other than non-negative integers");
            if (!parse_int(s_.substr(start, pos_ - start), v))
                bad("'shape' entry " + excerpt(s_.substr(start, pos_ - start)) + " is too large");
            if (peek() == 'L') ++pos_;  // Python 2 long literal
            dims.push_back(v);
            if (dims.size() > 64) bad("'shape' has too many dimensions");
            skip_ws();
            if (peek() == ',') {
                ++pos_;
                continue;
            }
            if (peek() != ')') bad("expected ',' or ')' in 'shape'");
        }
    }

    const std::string &path_;
    std::string_view s_;
    std::size_t pos_ = 0;
};

std::uint16_t le16(const unsigned char *p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }
std::uint32_t le32(const unsigned char *p) {
    return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}

// Element types the reader accepts.
enum class Elem { F4, F8, B1, U1, I1, U2, I2, U4, I4, U8, I8 };

std::optional<Elem> parse_descr(const std::string &d) {
    if (d == "<f4") return Elem::F4;
    if (d == "<f8") return Elem::F8;
    if (d == "|b1") return Elem::B1;
    if (d == "|u1" || d == "<u1" || d == ">u1") return Elem::U1;
    if (d == "|i1" || d == "<i1" || d == ">i1") return Elem::I1;
    if (d == "<u2") return Elem::U2;
    if (d == "<i2") return Elem::I2;
    if (d == "<u4") return Elem::U4;
    if (d == "<i4") return Elem::I4;
    if (d == "<u8") return Elem::U8;
    if (d == "<i8") return Elem::I8;
    return std::nullopt;
}

std::size_t elem_size(Elem e) {
    switch (e) {
        case Elem::B1:
        case Elem::U1:
        case Elem::I1: return 1;
        case Elem::U2:
        case Elem::I2: return 2;
        case Elem::F4:
        case Elem::U4:
        case Elem::I4: return 4;
        case Elem::F8:
        case Elem::U8:
        case Elem::I8: return 8;
    }
    return 0;
}

// Little-endian load of an integral or floating type from bytes.
template <class V>
V load_le(const unsigned char *p) {
    V v;
    if constexpr (kLittle) {
        std::memcpy(&v, p, sizeof(V));
    } else {
        unsigned char tmp[sizeof(V)];
        for (std::size_t k = 0; k < sizeof(V); ++k) tmp[k] = p[sizeof(V) - 1 - k];
        std::memcpy(&v, tmp, sizeof(V));
    }
    return v;
}

template <class V, class T>
void read_converted(Source &src, std::int64_t count, Buffer<T> &out) {
    read_payload(src, count, sizeof(V), out, [](const unsigned char *in, T *o, std::size_t n) {
        if constexpr (kLittle && std::is_same_v<V, T>) {
            std::memcpy(o, in, n * sizeof(T));
        } else {
            for (std::size_t k = 0; k < n; ++k) o[k] = static_cast<T>(load_le<V>(in + k * sizeof(V)));
        }
    }, ".npy data");
}

std::string shape_text(const std::vector<std::int64_t> &dims) {
    std::string s = "(";
    for (std::size_t k = 0; k < dims.size(); ++k) s += (k ? ", " : "") + num(dims[k]);
    return s + (dims.size() == 1 ? ",)" : ")");
}

}  // namespace

Dataset read_npy(const std::string &path, const LoadOptions &opt) {
    Source src(path);
    unsigned char pre[12];
    const std::size_t got = src.read(pre, 10);
    if (got < 6 || std::memcmp(pre, "\x93NUMPY", 6) != 0)
        fail_io(path, "not a .npy file: wrong magic (expected \\x93NUMPY at byte offset 0)");
    if (got < 10) fail_io(path, "truncated .npy preamble: the file ends at byte offset " + num(src.offset()));
    const int major = pre[6], minor = pre[7];
    std::int64_t header_len = 0;
    if (major == 1) {
        header_len = le16(pre + 8);
    } else if (major == 2 || major == 3) {
        src.read_exact(pre + 10, 2, ".npy preamble");
        header_len = le32(pre + 8);
    } else {
        fail_io(path, "unsupported .npy format version " + num(std::int64_t{major}) + "." +
                          num(std::int64_t{minor}) + " (supported: 1.0, 2.0, 3.0)");
    }
    if (header_len > kMaxHeaderLen)
        fail_io(path, ".npy header length " + num(header_len) + " is implausibly large (limit " +
                          num(kMaxHeaderLen) + ")");
    const std::int64_t room = src.max_remaining();
    if (room >= 0 && header_len > room)
        fail_io(path, "truncated .npy header: " + num(header_len) + " bytes declared at byte offset " +
                          num(src.offset()) + ", but the file has only " + num(room) + " more");
    std::string text(static_cast<std::size_t>(header_len), '\0');
    src.read_exact(text.data(), text.size(), ".npy header");
    const NpyHeader h = DictParser(path, text).parse();

    const std::optional<Elem> elem = parse_descr(h.descr);
    if (!elem) {
        const bool big = !h.descr.empty() && h.descr[0] == '>';
        fail_io(path, "unsupported .npy dtype '" + excerpt(h.descr) + "'" +
                          (big ? " (big-endian data are not supported; convert with a.astype(a.dtype.newbyteorder('<')))"
                               : " (supported: '<f4', '<f8', and '|b1', '|u1', '|i1', '<u2', '<i2', '<u4', "
                                 "'<i4', '<u8', '<i8', read as float64)"));
    }
    if (h.shape.empty() || h.shape.size() > 2)
        fail_io(path, ".npy shape " + shape_text(h.shape) + " has " +
                          num(static_cast<std::int64_t>(h.shape.size())) +
                          " dimensions; only 1-D (n values = n x 1) and 2-D arrays are supported");
    const std::int64_t n = h.shape[0];
    const std::int64_t d = h.shape.size() == 2 ? h.shape[1] : 1;
    const std::int64_t count = header_mul(path, n, d, ".npy element count");
    const std::size_t in_size = elem_size(*elem);
    const bool f32 = *elem == Elem::F4;
    const std::int64_t decoded = header_mul(path, count, f32 ? 4 : 8, ".npy decoded size");
    if (decoded > opt.max_bytes)
        fail_io(path, ".npy shape " + shape_text(h.shape) + " needs " + num(decoded) +
                          " bytes, more than SUBQ_P_MAX_BYTES = " + num(opt.max_bytes));
    const std::int64_t file_bytes = header_mul(path, count, static_cast<std::int64_t>(in_size), ".npy data size");
    const std::int64_t left = src.max_remaining();
    if (left >= 0 && file_bytes > left) {
        if (src.compressed())
            fail_io(path, ".npy shape " + shape_text(h.shape) + " declares " + num(file_bytes) +
                              " bytes, more than a gzip file of " + num(src.file_size()) + " bytes can hold");
        fail_io(path, "truncated: .npy shape " + shape_text(h.shape) + " declares " + num(file_bytes) +
                          " bytes of data after the header (byte offset " + num(src.offset()) +
                          "), but the file has only " + num(left));
    }
    const subq_layout layout = h.fortran_order && h.shape.size() == 2 ? SUBQ_COL_MAJOR : SUBQ_ROW_MAJOR;

    Dataset ds;
    if (f32) {
        Buffer<float> data;
        read_converted<float>(src, count, data);
        expect_end(src, "the " + num(count) + " declared values");
        ds = Dataset::dense_f32(n, d, layout, std::move(data));
    } else {
        Buffer<double> data;
        switch (*elem) {
            case Elem::F8: read_converted<double>(src, count, data); break;
            case Elem::B1:
            case Elem::U1: read_converted<std::uint8_t>(src, count, data); break;
            case Elem::I1: read_converted<std::int8_t>(src, count, data); break;
            case Elem::U2: read_converted<std::uint16_t>(src, count, data); break;
            case Elem::I2: read_converted<std::int16_t>(src, count, data); break;
            case Elem::U4: read_converted<std::uint32_t>(src, count, data); break;
            case Elem::I4: read_converted<std::int32_t>(src, count, data); break;
            case Elem::U8: read_converted<std::uint64_t>(src, count, data); break;
            case Elem::I8: read_converted<std::int64_t>(src, count, data); break;
            case Elem::F4: break;
        }
        expect_end(src, "the " + num(count) + " declared values");
        ds = Dataset::dense_f64(n, d, layout, std::move(data));
    }
    return ds;
}

// ---- writer --------------------------------------------------------------------------------------------------

namespace {

// The .npy 1.0 preamble and header for a C-order rows×cols array, padded so the data start at a multiple of 64.
std::string npy_header(const char *descr, std::int64_t rows, std::int64_t cols) {
    std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" + num(rows) +
                       ", " + num(cols) + "), }";
    std::size_t total = 10 + dict.size() + 1;  // + the terminating '\n'
    const std::size_t padded = (total + 63) / 64 * 64;
    dict.append(padded - total, ' ');
    dict.push_back('\n');
    const std::size_t hlen = dict.size();
    std::string out = "\x93NUMPY";
    out.push_back('\x01');
    out.push_back('\x00');
    out.push_back(static_cast<char>(hlen & 0xff));
    out.push_back(static_cast<char>((hlen >> 8) & 0xff));
    return out + dict;
}

template <class T>
void write_npy_impl(const std::string &path, const DenseView<const T> &x, const char *descr) {
    require(!path.empty(), SUBQ_ERR_IO, "path is empty");
    require(path.back() != '/', SUBQ_ERR_IO, "'" + path + "': is a directory name");
    AtomicFile tmp(path);
    const std::string header = npy_header(descr, x.rows, x.cols);
    tmp.write(header.data(), header.size());
    if (x.rows > 0 && x.cols > 0) {
        // Rows are gathered into a block buffer in little-endian order, about 1 MiB at a time.
        const std::int64_t row_bytes = x.cols * static_cast<std::int64_t>(sizeof(T));
        const std::int64_t block = std::max<std::int64_t>(1, (std::int64_t{1} << 20) / row_bytes);
        std::vector<T> buf(static_cast<std::size_t>(std::min(block, x.rows) * x.cols));
        for (std::int64_t i0 = 0; i0 < x.rows; i0 += block) {
            const std::int64_t i1 = std::min(x.rows, i0 + block);
            if (x.layout == SUBQ_ROW_MAJOR) {
                for (std::int64_t i = i0; i < i1; ++i)
                    std::memcpy(buf.data() + (i - i0) * x.cols, x.data + i * x.ld, static_cast<std::size_t>(row_bytes));
            } else {
                for (std::int64_t j = 0; j < x.cols; ++j)
                    for (std::int64_t i = i0; i < i1; ++i) buf[static_cast<std::size_t>((i - i0) * x.cols + j)] = x.data[j * x.ld + i];
            }
            const std::size_t count = static_cast<std::size_t>((i1 - i0) * x.cols);
            if constexpr (!kLittle) {
                for (std::size_t k = 0; k < count; ++k) {
                    unsigned char b[sizeof(T)];
                    std::memcpy(b, &buf[k], sizeof(T));
                    for (std::size_t q = 0; q < sizeof(T) / 2; ++q) std::swap(b[q], b[sizeof(T) - 1 - q]);
                    std::memcpy(&buf[k], b, sizeof(T));
                }
            }
            tmp.write(buf.data(), count * sizeof(T));
        }
    }
    tmp.commit();
}

}  // namespace

void write_npy(const std::string &path, const DenseView<const double> &x) { write_npy_impl(path, x, "<f8"); }
void write_npy(const std::string &path, const DenseView<const float> &x) { write_npy_impl(path, x, "<f4"); }

}  // namespace subq::io
