// `subq data FILE`: load a data file (or "fmnist-train"/"fmnist-test") and summarise it: shape, dtype, storage,
// density (nonzeros / (rows·cols)) and, if it has labels, how many rows carry each label.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "cli_common.hpp"

namespace subq_cli {
namespace {

/** More distinct labels than this are not listed one by one (e.g. regression targets). */
constexpr std::size_t kMaxListedLabels = 1000;

struct DataOptions {
    std::string path;
    DatasetOptions dataset;
};

/** "3" for 3.0, "-1" for -1.0, the shortest round-trip form otherwise ("0.25", "1e+300", "nan", "inf"). */
std::string label_key(double v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) return std::to_string(static_cast<std::int64_t>(v));
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

void run_data(const DataOptions &opts) {
    const DatasetPtr ds = load_dataset(opts.path, opts.dataset);
    const DatasetShape s = dataset_shape(ds.get());
    std::int64_t nonzeros = 0;
    check(subq_dataset_count_nonzeros(ds.get(), &nonzeros));
    const double cells = static_cast<double>(s.rows) * static_cast<double>(s.cols);

    json r;
    r["path"] = opts.path;
    r["rows"] = s.rows;
    r["cols"] = s.cols;
    r["dtype"] = dtype_name(s.dtype);
    r["storage"] = s.sparse ? "sparse" : "dense";
    r["stored_entries"] = s.stored;
    r["nonzeros"] = nonzeros;
    r["density"] = cells > 0 ? static_cast<double>(nonzeros) / cells : 0.0;
    r["has_labels"] = s.has_labels;
    if (s.has_labels) {
        std::map<double, std::int64_t> counts;  // ordered by value; NaN is counted apart (it has no order)
        std::int64_t nan_count = 0;
        for (const double v : dataset_labels(ds.get())) {
            if (std::isnan(v)) {
                ++nan_count;
            } else {
                ++counts[v];
            }
        }
        const std::size_t distinct = counts.size() + (nan_count > 0 ? 1 : 0);
        r["distinct_labels"] = distinct;
        if (distinct <= kMaxListedLabels) {
            json lc = json::object();
            for (const auto &[value, count] : counts) lc[label_key(value)] = count;
            if (nan_count > 0) lc["nan"] = nan_count;
            r["label_counts"] = std::move(lc);
        } else {
            r["label_counts"] = nullptr;
        }
    } else {
        r["distinct_labels"] = nullptr;
        r["label_counts"] = nullptr;
    }
    emit(r);
}

}  // namespace

void add_data_command(CLI::App &app) {
    auto opts = std::make_shared<DataOptions>();
    CLI::App *cmd = app.add_subcommand(
        "data", "Summarise a data file (npy, CSV, LIBSVM, IDX) or an installed data set (fmnist-train, fmnist-test)");
    cmd->add_option("FILE", opts->path, "File name, or fmnist-train / fmnist-test")->required();
    add_dataset_options(*cmd, opts->dataset);
    cmd->callback([opts] { run_data(*opts); });
}

}  // namespace subq_cli
