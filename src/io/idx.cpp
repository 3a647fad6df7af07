// IDX files (the MNIST / Fashion-MNIST format), plain or gzip'd.
//
// Layout: 2 zero bytes, a type byte, the number of dimensions D, then D big-endian uint32 sizes, then the
// elements, big-endian, in C order. The first dimension is the sample count n; the remaining ones are flattened
// into d (an idx3 image file of 28×28 images gives d = 784).
#include <cstring>
#include <vector>

#include "io/reader.hpp"

namespace subq::io {
namespace {

constexpr int kMaxDims = 8;

struct IdxHeader {
    int type = 0;
    std::vector<std::int64_t> dims;
    std::int64_t header_bytes = 0;
    std::size_t elem_size = 0;
};

std::size_t idx_elem_size(int type) {
    switch (type) {
        case 0x08:  // unsigned byte
        case 0x09:  // signed byte
            return 1;
        case 0x0B:  // int16
            return 2;
        case 0x0C:  // int32
        case 0x0D:  // float32
            return 4;
        case 0x0E:  // float64
            return 8;
    }
    return 0;
}

bool idx_type_is_integer(int type) { return type == 0x08 || type == 0x09 || type == 0x0B || type == 0x0C; }
// float32 holds ubyte, sbyte, int16 and float32 values exactly; int32 and float64 data are stored as float64.
bool idx_type_fits_f32(int type) { return type == 0x08 || type == 0x09 || type == 0x0B || type == 0x0D; }

std::uint32_t be32(const unsigned char *p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}
std::uint64_t be64(const unsigned char *p) { return (std::uint64_t{be32(p)} << 32) | be32(p + 4); }

std::string hex(unsigned v, int digits) {
    static const char *const kDigits = "0123456789abcdef";
    std::string s(static_cast<std::size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = kDigits[v & 0xf];
    return "0x" + s;
}

IdxHeader read_header(Source &src) {
    unsigned char m[4];
    src.read_exact(m, 4, "IDX header");
    if (m[0] != 0 || m[1] != 0)
        fail_io(src.path(), std::string("not an IDX file: wrong magic number ") + hex(be32(m), 8) +
                                " (expected 0x0000TTDD: two zero bytes, a type byte, a dimension count)" +
                                (src.compressed() ? " in the decompressed data" : ""));
    IdxHeader h;
    h.type = m[2];
    h.elem_size = idx_elem_size(h.type);
    if (h.elem_size == 0)
        fail_io(src.path(), "unsupported IDX element type " + hex(m[2], 2) +
                                " (expected 0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32 or "
                                "0x0E float64)");
    const int ndims = m[3];
    if (ndims < 1 || ndims > kMaxDims)
        fail_io(src.path(), "IDX header declares " + num(std::int64_t{ndims}) + " dimensions (expected 1 to " +
                                num(std::int64_t{kMaxDims}) + ")");
    unsigned char raw[4 * kMaxDims];
    src.read_exact(raw, 4 * static_cast<std::size_t>(ndims), "IDX header");
    for (int k = 0; k < ndims; ++k) h.dims.push_back(be32(raw + 4 * k));
    h.header_bytes = 4 + 4 * ndims;
    return h;
}

std::string shape_text(const std::vector<std::int64_t> &dims) {
    std::string s;
    for (std::size_t k = 0; k < dims.size(); ++k) s += (k ? " x " : "") + num(dims[k]);
    return s;
}

// Checks the declared payload against SUBQ_P_MAX_BYTES and what the file can hold, before any allocation.
void check_payload(Source &src, const IdxHeader &h, std::int64_t count, std::int64_t decoded_bytes,
                   std::int64_t max_bytes) {
    const std::int64_t file_bytes = header_mul(src.path(), count, static_cast<std::int64_t>(h.elem_size),
                                               "IDX data size");
    if (decoded_bytes > max_bytes)
        fail_io(src.path(), "IDX header declares " + shape_text(h.dims) + " values (" + num(decoded_bytes) +
                                " bytes decoded), more than SUBQ_P_MAX_BYTES = " + num(max_bytes));
    const std::int64_t room = src.max_remaining();
    if (room >= 0 && file_bytes > room) {
        if (src.compressed())
            fail_io(src.path(), "IDX header declares " + shape_text(h.dims) + " values (" + num(file_bytes) +
                                    " bytes), more than a gzip file of " + num(src.file_size()) +
                                    " bytes can hold (file truncated or header corrupt)");
        fail_io(src.path(), "truncated: IDX header declares " + shape_text(h.dims) + " values (" +
                                num(file_bytes) + " bytes after the " + num(h.header_bytes) +
                                "-byte header), but the file has only " + num(room) + " bytes after the header");
    }
}

// Decodes `count` big-endian elements of type `type` into T.
template <class T>
void read_elements(Source &src, int type, std::int64_t count, Buffer<T> &out, const char *what) {
    const std::size_t es = idx_elem_size(type);
    switch (type) {
        case 0x08:
            read_payload(src, count, es, out, [](const unsigned char *in, T *o, std::size_t n) {
                for (std::size_t k = 0; k < n; ++k) o[k] = static_cast<T>(in[k]);
            }, what);
            break;
        case 0x09:
            read_payload(src, count, es, out, [](const unsigned char *in, T *o, std::size_t n) {
                for (std::size_t k = 0; k < n; ++k) o[k] = static_cast<T>(static_cast<std::int8_t>(in[k]));
            }, what);
            break;
        case 0x0B:
            read_payload(src, count, es, out, [](const unsigned char *in, T *o, std::size_t n) {
                for (std::size_t k = 0; k < n; ++k)
                    o[k] = static_cast<T>(static_cast<std::int16_t>((in[2 * k] << 8) | in[2 * k + 1]));
            }, what);
            break;
        case 0x0C:
            read_payload(src, count, es, out, [](const unsigned char *in, T *o, std::size_t n) {
                for (std::size_t k = 0; k < n; ++k) o[k] = static_cast<T>(static_cast<std::int32_t>(be32(in + 4 * k)));
            }, what);
            break;
        case 0x0D:
            read_payload(src, count, es, out, [](const unsigned char *in, T *o, std::size_t n) {
                for (std::size_t k = 0; k < n; ++k) {
                    const std::uint32_t u = be32(in + 4 * k);
                    float f;
                    std::memcpy(&f, &u, 4);
                    o[k] = static_cast<T>(f);
                }
            }, what);
            break;
        case 0x0E:
            read_payload(src, count, es, out, [](const unsigned char *in, T *o, std::size_t n) {
                for (std::size_t k = 0; k < n; ++k) {
                    const std::uint64_t u = be64(in + 8 * k);
                    double f;
                    std::memcpy(&f, &u, 8);
                    o[k] = static_cast<T>(f);
                }
            }, what);
            break;
        default: fail(SUBQ_ERR_INTERNAL, "IDX type not handled");
    }
}

Buffer<double> read_labels(const std::string &label_path, const std::string &image_path, std::int64_t n,
                           const LoadOptions &opt) {
    Source src(label_path);
    const IdxHeader h = read_header(src);
    if (h.dims.size() != 1 || !idx_type_is_integer(h.type))
        fail_io(label_path, "not an IDX label file: expected one dimension of integers, found " +
                                num(static_cast<std::int64_t>(h.dims.size())) + " dimension(s) of type " +
                                hex(static_cast<unsigned>(h.type), 2));
    if (h.dims[0] != n)
        fail_io(label_path, "label count " + num(h.dims[0]) + " differs from the image count " + num(n) + " of '" +
                                image_path + "'");
    check_payload(src, h, n, header_mul(label_path, n, 8, "label size"), opt.max_bytes);
    Buffer<double> labels;
    read_elements(src, h.type, n, labels, "IDX labels");
    expect_end(src, "the " + num(n) + " declared labels");
    return labels;
}

}  // namespace

std::string idx_label_path(const std::string &image_path) {
    static const std::string kImages = "images-idx3";
    const std::size_t slash = image_path.rfind('/');
    const std::size_t base = slash == std::string::npos ? 0 : slash + 1;
    const std::size_t at = image_path.rfind(kImages);
    if (at == std::string::npos || at < base) return "";
    std::string out = image_path;
    out.replace(at, kImages.size(), "labels-idx1");
    return out;
}

Dataset read_idx(const std::string &path, const LoadOptions &opt) {
    Source src(path);
    const IdxHeader h = read_header(src);
    const std::int64_t n = h.dims[0];
    std::int64_t d = 1;
    for (std::size_t k = 1; k < h.dims.size(); ++k) d = header_mul(path, d, h.dims[k], "IDX sample size");
    const std::int64_t count = header_mul(path, n, d, "IDX data size");
    const bool f32 = idx_type_fits_f32(h.type);
    check_payload(src, h, count, header_mul(path, count, f32 ? 4 : 8, "IDX decoded size"), opt.max_bytes);

    Dataset ds;
    if (f32) {
        Buffer<float> data;
        read_elements(src, h.type, count, data, "IDX data");
        expect_end(src, "the " + num(count) + " declared values");
        ds = Dataset::dense_f32(n, d, SUBQ_ROW_MAJOR, std::move(data));
    } else {
        Buffer<double> data;
        read_elements(src, h.type, count, data, "IDX data");
        expect_end(src, "the " + num(count) + " declared values");
        ds = Dataset::dense_f64(n, d, SUBQ_ROW_MAJOR, std::move(data));
    }

    const std::string label_path = idx_label_path(path);
    if (!label_path.empty() && file_exists(label_path)) ds.set_labels(read_labels(label_path, path, n, opt));
    return ds;
}

}  // namespace subq::io
