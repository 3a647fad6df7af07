#include "train/serialize.hpp"

#include <zlib.h>

#include <bit>
#include <cmath>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include "core/atomic_file.hpp"
#include "core/error.hpp"

namespace subq::train {
namespace {

constexpr char kMagic[8] = {'S', 'U', 'B', 'Q', 'N', 'E', 'T', '\0'};
constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kHeaderBytes = 160;

[[noreturn]] void bad_file(const std::string &path, const std::string &what) {
    fail(SUBQ_ERR_IO, "'" + path + "': " + what);
}

// Little-endian encoding of plain values (the format is little-endian; so is every machine subq supports).
static_assert(std::endian::native == std::endian::little, "subq network files assume a little-endian machine");

class Writer {
public:
    explicit Writer(const std::string &path) : file_(path) {}
    template <class V>
    void put(V v) {
        bytes(&v, sizeof v);
    }
    void bytes(const void *p, std::size_t n) {
        crc_ = crc32_z(crc_, static_cast<const Bytef *>(p), n);
        file_.write(p, n);
    }
    void finish() {
        const std::uint32_t crc = static_cast<std::uint32_t>(crc_);
        file_.write(&crc, sizeof crc);
        file_.commit();
    }

private:
    AtomicFile file_;
    uLong crc_ = crc32_z(0L, Z_NULL, 0);
};

class Reader {
public:
    explicit Reader(const std::string &path) : path_(path), in_(path, std::ios::binary) {
        if (!in_) bad_file(path, "cannot open: " + std::string(std::strerror(errno)));
        in_.seekg(0, std::ios::end);
        size_ = static_cast<std::int64_t>(in_.tellg());
        in_.seekg(0);
    }
    std::int64_t remaining() const { return size_ - offset_; }
    void bytes(void *p, std::size_t n) {
        if (static_cast<std::int64_t>(n) > remaining())
            bad_file(path_, "truncated: needs " + std::to_string(n) + " more bytes at offset " +
                                std::to_string(offset_) + ", the file has " + std::to_string(size_));
        in_.read(static_cast<char *>(p), static_cast<std::streamsize>(n));
        if (!in_) bad_file(path_, "read error at offset " + std::to_string(offset_));
        crc_ = crc32_z(crc_, static_cast<const Bytef *>(p), n);
        offset_ += static_cast<std::int64_t>(n);
    }
    template <class V>
    V get() {
        V v;
        bytes(&v, sizeof v);
        return v;
    }
    void check_crc() {
        const std::uint32_t expected = static_cast<std::uint32_t>(crc_);
        std::uint32_t stored = 0;
        bytes(&stored, sizeof stored);
        if (stored != expected) bad_file(path_, "checksum mismatch: the file is corrupted");
        if (remaining() != 0) bad_file(path_, std::to_string(remaining()) + " unexpected bytes after the checksum");
    }
    const std::string &path() const { return path_; }

private:
    std::string path_;
    std::ifstream in_;
    std::int64_t size_ = 0, offset_ = 0;
    uLong crc_ = crc32_z(0L, Z_NULL, 0);
};

template <class T>
void write_layers(Writer &w, const Network<T> &net) {
    const auto &o = net.options();
    for (std::int64_t l = 1; l <= o.depth; ++l) {
        const std::vector<double> W = net.weights(l);
        std::vector<T> stored(W.begin(), W.end());
        w.bytes(stored.data(), stored.size() * sizeof(T));
    }
}

template <class T>
std::unique_ptr<Network<T>> read_body(Reader &r, const Options &o, double auto_lr) {
    auto net = std::make_unique<Network<T>>(o, false);
    std::vector<double> a(static_cast<std::size_t>(o.outputs * o.width));
    r.bytes(a.data(), a.size() * sizeof(double));
    net->set_output_weights(a);
    for (std::int64_t l = 1; l <= o.depth; ++l) {
        std::vector<T> W(static_cast<std::size_t>(o.width * net->layer_cols(l)));
        r.bytes(W.data(), W.size() * sizeof(T));
        net->set_stored_weights(l, W);
    }
    net->set_automatic_learning_rate(auto_lr);
    return net;
}

}  // namespace

template <class T>
void save_network(const Network<T> &net, const std::string &path) {
    const auto &o = net.options();
    Writer w(path);
    w.bytes(kMagic, sizeof kMagic);
    w.put(kVersion);
    w.put(kHeaderBytes);
    w.put<std::int64_t>(o.input_dim);
    w.put<std::int64_t>(o.width);
    w.put<std::int64_t>(o.depth);
    w.put<std::int64_t>(o.outputs);
    w.put<double>(o.threshold);
    w.put<std::int32_t>(static_cast<std::int32_t>(o.variant));
    w.put<std::int32_t>(static_cast<std::int32_t>(o.update));
    w.put<std::int32_t>(static_cast<std::int32_t>(o.mode));
    w.put<std::int32_t>(std::is_same_v<T, float> ? 1 : 2);
    w.put<std::int64_t>(o.max_rank);
    w.put<std::uint64_t>(o.seed);
    w.put<double>(o.learning_rate);
    w.put<double>(net.automatic_learning_rate());
    w.put<std::int32_t>(static_cast<std::int32_t>(o.gn.solver));
    w.put<std::int32_t>(o.gn.max_retries);
    w.put<double>(o.gn.damping);
    w.put<std::int64_t>(o.gn.sketch_rows);
    w.put<double>(o.gn.cg_tolerance);
    w.put<std::int64_t>(o.gn.cg_max_iterations);
    w.put<std::int32_t>(o.fit.solver);
    w.put<std::int32_t>(0);
    w.put<std::int64_t>(o.fit.iterations);
    w.put<double>(o.fit.tolerance);
    w.put<std::int64_t>(o.fit.batch_size);
    w.bytes(net.output_weights().data(), net.output_weights().size() * sizeof(double));
    write_layers(w, net);
    w.finish();
}

AnyNetwork load_network(const std::string &path) {
    Reader r(path);
    char magic[8];
    r.bytes(magic, sizeof magic);
    if (std::memcmp(magic, kMagic, sizeof magic) != 0) bad_file(path, "not a subq network file (wrong magic)");
    const auto version = r.get<std::uint32_t>();
    if (version != kVersion)
        fail(SUBQ_ERR_VERSION, "'" + path + "': network file format version " + std::to_string(version) +
                                   "; this library reads version " + std::to_string(kVersion));
    if (r.get<std::uint32_t>() != kHeaderBytes) bad_file(path, "unexpected header size");
    Options o;
    o.input_dim = r.get<std::int64_t>();
    o.width = r.get<std::int64_t>();
    o.depth = r.get<std::int64_t>();
    o.outputs = r.get<std::int64_t>();
    o.threshold = r.get<double>();
    const auto variant = r.get<std::int32_t>(), update = r.get<std::int32_t>(), mode = r.get<std::int32_t>(),
               dtype = r.get<std::int32_t>();
    o.max_rank = r.get<std::int64_t>();
    o.seed = r.get<std::uint64_t>();
    o.learning_rate = r.get<double>();
    const double auto_lr = r.get<double>();
    const auto gn_solver = r.get<std::int32_t>();
    o.gn.max_retries = r.get<std::int32_t>();
    o.gn.damping = r.get<double>();
    o.gn.sketch_rows = r.get<std::int64_t>();
    o.gn.cg_tolerance = r.get<double>();
    o.gn.cg_max_iterations = r.get<std::int64_t>();
    o.fit.solver = r.get<std::int32_t>();
    (void)r.get<std::int32_t>();
    o.fit.iterations = r.get<std::int64_t>();
    o.fit.tolerance = r.get<double>();
    o.fit.batch_size = r.get<std::int64_t>();
    // Validate every field before anything is allocated from it.
    const bool valid = o.input_dim >= 1 && o.input_dim <= INT32_MAX && o.width >= 1 && o.width <= INT32_MAX &&
                       o.depth >= 1 && o.depth <= 64 && o.outputs >= 1 && o.outputs <= (1 << 20) &&
                       std::isfinite(o.threshold) && (variant == 0 || variant == 1) && (update == 1 || update == 2) &&
                       (mode == 0 || mode == 1) && (dtype == 1 || dtype == 2) && o.max_rank >= 0 &&
                       std::isfinite(o.learning_rate) && o.learning_rate >= 0 && std::isfinite(auto_lr) &&
                       auto_lr >= 0 && gn_solver >= 0 && gn_solver <= 2 && o.gn.max_retries >= 0 &&
                       o.gn.max_retries <= 1000 && o.gn.damping >= 0 && o.gn.sketch_rows >= 0 &&
                       o.gn.cg_tolerance > 0 && o.gn.cg_max_iterations >= 1 && (o.fit.solver == 1 || o.fit.solver == 2) &&
                       o.fit.iterations >= 1 && o.fit.tolerance >= 0 && o.fit.tolerance <= 1 && o.fit.batch_size >= 0;
    if (!valid) bad_file(path, "invalid header field");
    o.variant = static_cast<Variant>(variant);
    o.update = static_cast<UpdateRule>(update);
    o.mode = static_cast<Mode>(mode);
    o.gn.solver = static_cast<GnSolver>(gn_solver);
    const std::int64_t elem = dtype == 1 ? 4 : 8;
    std::int64_t need = 0;
    try {
        need = checked_mul(checked_mul(o.outputs, o.width, "a"), 8, "a");
        need = checked_add(need, checked_mul(checked_mul(o.width, o.input_dim, "W"), elem, "W"), "W");
        need = checked_add(need,
                           checked_mul(checked_mul(checked_mul(o.width, o.width, "W"), o.depth - 1, "W"), elem, "W"),
                           "W");
    } catch (const Error &) {
        bad_file(path, "header sizes overflow");
    }
    if (need + 4 != r.remaining())
        bad_file(path, "the header declares " + std::to_string(need + 4) + " bytes of weights and checksum, the file has " +
                           std::to_string(r.remaining()) + (need + 4 > r.remaining() ? " (truncated)" : ""));
    AnyNetwork net;
    if (dtype == 1)
        net = read_body<float>(r, o, auto_lr);
    else
        net = read_body<double>(r, o, auto_lr);
    r.check_crc();
    return net;
}

template void save_network<float>(const Network<float> &, const std::string &);
template void save_network<double>(const Network<double> &, const std::string &);

}  // namespace subq::train
