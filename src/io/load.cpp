// Format selection, named data sets, and the SUBQ_KIND_DATASET options.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>

#include "io/reader.hpp"

namespace subq::io {
namespace {

constexpr const char *kFmnistDefaultDir = "/usr/share/datasets/fashion-mnist";

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool ends_with(const std::string &s, const std::string &suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The format implied by the file name, or AUTO if the name says nothing.
subq_format format_from_name(const std::string &path) {
    const std::size_t slash = path.rfind('/');
    std::string name = lower(slash == std::string::npos ? path : path.substr(slash + 1));
    if (ends_with(name, ".gz")) name.resize(name.size() - 3);
    if (ends_with(name, ".npy")) return SUBQ_FORMAT_NPY;
    if (ends_with(name, ".csv")) return SUBQ_FORMAT_CSV;
    if (ends_with(name, ".libsvm") || ends_with(name, ".svm") || ends_with(name, ".svmlight"))
        return SUBQ_FORMAT_LIBSVM;
    if (ends_with(name, ".idx") || ends_with(name, "-ubyte") || name.find("-idx1-") != std::string::npos ||
        name.find("-idx3-") != std::string::npos)
        return SUBQ_FORMAT_IDX;
    return SUBQ_FORMAT_AUTO;
}

// The format implied by the first bytes of the (decompressed) data.
subq_format format_from_content(const std::string &path) {
    Source src(path);
    std::vector<char> head(std::size_t{64} << 10);
    head.resize(src.read(head.data(), head.size()));
    const auto *u = reinterpret_cast<const unsigned char *>(head.data());
    if (head.size() >= 6 && std::memcmp(head.data(), "\x93NUMPY", 6) == 0) return SUBQ_FORMAT_NPY;
    if (head.size() >= 4 && u[0] == 0 && u[1] == 0 &&
        (u[2] == 0x08 || u[2] == 0x09 || (u[2] >= 0x0B && u[2] <= 0x0E)) && u[3] >= 1 && u[3] <= 8)
        return SUBQ_FORMAT_IDX;
    // Text: the first line that is not blank or a comment decides. A token "<integer>:<something>" after the
    // first token means LIBSVM; anything else is read as CSV.
    std::string_view rest(head.data(), head.size());
    while (!rest.empty()) {
        const std::size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        std::size_t pos = line.find_first_of(" \t");
        while (pos != std::string_view::npos && pos < line.size()) {
            while (pos < line.size() && is_blank(line[pos])) ++pos;
            const std::size_t end = std::min(line.find_first_of(" \t", pos), line.size());
            const std::string_view tok = line.substr(pos, end - pos);
            const std::size_t colon = tok.find(':');
            std::int64_t idx = 0;
            if (colon != std::string_view::npos && colon > 0 &&
                (parse_int(tok.substr(0, colon), idx) || tok.substr(0, colon) == "qid"))
                return SUBQ_FORMAT_LIBSVM;
            pos = end;
        }
        return SUBQ_FORMAT_CSV;
    }
    return SUBQ_FORMAT_CSV;
}

const char *format_name(subq_format f) {
    switch (f) {
        case SUBQ_FORMAT_NPY: return "npy";
        case SUBQ_FORMAT_CSV: return "CSV";
        case SUBQ_FORMAT_LIBSVM: return "LIBSVM";
        case SUBQ_FORMAT_IDX: return "IDX";
        case SUBQ_FORMAT_AUTO: break;
    }
    return "auto";
}

}  // namespace

LoadOptions LoadOptions::from_config(const Config &cfg) {
    if (cfg.kind() != SUBQ_KIND_DATASET)
        fail(SUBQ_ERR_INVALID_ARG, "options: a config of kind " + num(std::int64_t{cfg.kind()}) +
                                       ", expected SUBQ_KIND_DATASET (6)");
    LoadOptions o;
    o.format = static_cast<subq_format>(cfg.get_int(SUBQ_P_FORMAT));
    o.label_column = cfg.get_int(SUBQ_P_LABEL_COLUMN);
    o.csv_header = static_cast<int>(cfg.get_int(SUBQ_P_CSV_HEADER));
    o.num_features = cfg.get_int(SUBQ_P_NUM_FEATURES);
    o.zero_based = cfg.get_int(SUBQ_P_ZERO_BASED) != 0;
    const std::int64_t mb = cfg.get_int(SUBQ_P_MAX_BYTES);
    o.max_bytes = mb == 0 ? kDefaultMaxBytes : mb;
    return o;
}

std::string resolve_named(const std::string &name) {
    const char *prefix = nullptr;
    if (name == "fmnist-train") prefix = "train";
    if (name == "fmnist-test") prefix = "t10k";
    if (prefix == nullptr) return "";
    const char *env = std::getenv("SUBQ_FMNIST_DIR");
    std::string dir = env != nullptr && env[0] != '\0' ? env : kFmnistDefaultDir;
    if (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    const std::string base = dir + "/" + prefix + "-images-idx3-ubyte";
    if (file_exists(base + ".gz") || !file_exists(base)) return base + ".gz";
    return base;
}

subq_format detect_format(const std::string &path) {
    const subq_format by_name = format_from_name(path);
    return by_name != SUBQ_FORMAT_AUTO ? by_name : format_from_content(path);
}

Dataset load(const std::string &path, const LoadOptions &opt) {
    require(opt.max_bytes > 0, SUBQ_ERR_INVALID_ARG, "options: max_bytes must be positive");
    if (opt.format == SUBQ_FORMAT_AUTO || opt.format == SUBQ_FORMAT_IDX) {
        const std::string images = resolve_named(path);
        if (!images.empty()) {
            const char *hint = " (the data set '";
            Dataset ds;
            try {
                ds = read_idx(images, opt);
            } catch (const Error &e) {
                fail(e.status(), std::string(e.what()) + hint + path +
                                     "' comes from the Debian package dataset-fashion-mnist; set SUBQ_FMNIST_DIR "
                                     "to read it from another directory)");
            }
            const std::string labels = idx_label_path(images);
            if (!ds.has_labels())
                fail_io(labels, "cannot open: the labels of '" + path + "' are missing" + hint + path +
                                    "' comes from the Debian package dataset-fashion-mnist)");
            return ds;
        }
    }
    const subq_format fmt = opt.format == SUBQ_FORMAT_AUTO ? detect_format(path) : opt.format;
    switch (fmt) {
        case SUBQ_FORMAT_NPY: return read_npy(path, opt);
        case SUBQ_FORMAT_CSV: return read_csv(path, opt);
        case SUBQ_FORMAT_LIBSVM: return read_libsvm(path, opt);
        case SUBQ_FORMAT_IDX: return read_idx(path, opt);
        case SUBQ_FORMAT_AUTO: break;
    }
    fail(SUBQ_ERR_INVALID_ARG, std::string("options: SUBQ_P_FORMAT = ") + format_name(fmt) + " is not a format");
}

}  // namespace subq::io
