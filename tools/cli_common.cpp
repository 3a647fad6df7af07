#include "cli_common.hpp"

#include <cstdio>
#include <iostream>
#include <map>
#include <utility>

#include <CLI/CLI.hpp>

namespace subq_cli {

GlobalOptions &globals() {
    static GlobalOptions g;
    return g;
}

// ---- errors ----------------------------------------------------------------------------------------------------

void check(subq_status st) {
    if (st != SUBQ_OK) throw Failure(st, subq_last_error_message());
}

void fail(subq_status st, std::string message) { throw Failure(st, std::move(message)); }

std::string status_name(subq_status st) {
    switch (st) {
        case SUBQ_OK: return "SUBQ_OK";
        case SUBQ_ERR_INVALID_ARG: return "SUBQ_ERR_INVALID_ARG";
        case SUBQ_ERR_NULL_POINTER: return "SUBQ_ERR_NULL_POINTER";
        case SUBQ_ERR_DIMENSION: return "SUBQ_ERR_DIMENSION";
        case SUBQ_ERR_LAYOUT: return "SUBQ_ERR_LAYOUT";
        case SUBQ_ERR_UNKNOWN_PARAM: return "SUBQ_ERR_UNKNOWN_PARAM";
        case SUBQ_ERR_PARAM_TYPE: return "SUBQ_ERR_PARAM_TYPE";
        case SUBQ_ERR_PARAM_RANGE: return "SUBQ_ERR_PARAM_RANGE";
        case SUBQ_ERR_OUT_OF_MEMORY: return "SUBQ_ERR_OUT_OF_MEMORY";
        case SUBQ_ERR_NOT_CONVERGED: return "SUBQ_ERR_NOT_CONVERGED";
        case SUBQ_ERR_NUMERICAL: return "SUBQ_ERR_NUMERICAL";
        case SUBQ_ERR_STATE: return "SUBQ_ERR_STATE";
        case SUBQ_ERR_UNSUPPORTED: return "SUBQ_ERR_UNSUPPORTED";
        case SUBQ_ERR_IO: return "SUBQ_ERR_IO";
        case SUBQ_ERR_VERSION: return "SUBQ_ERR_VERSION";
        case SUBQ_ERR_CANCELLED: return "SUBQ_ERR_CANCELLED";
        case SUBQ_ERR_INTERNAL: return "SUBQ_ERR_INTERNAL";
    }
    return "SUBQ_STATUS_" + std::to_string(static_cast<int>(st));
}

void report_failure(subq_status st, const std::string &message) {
    const std::string status_text = subq_status_string(st);
    std::fflush(stdout);
    std::cerr << "subq: " << status_text << ": " << (message.empty() ? "(no message)" : message) << std::endl;
    if (globals().json) {
        json err;
        err["status"] = static_cast<int>(st);
        err["status_name"] = status_name(st);
        err["status_string"] = status_text;
        err["message"] = message;
        json out;
        out["error"] = std::move(err);
        std::cout << dump(out) << std::endl;
    }
}

// ---- output ----------------------------------------------------------------------------------------------------

std::string dump(const json &value) {
    // One line; bytes that are not UTF-8 (file names can have them) become U+FFFD instead of throwing.
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string to_text(const json &result, int indent) {
    std::string out;
    const std::string pad(static_cast<std::size_t>(indent), ' ');
    for (const auto &[key, value] : result.items()) {
        if (value.is_object()) {
            out += pad + key + ":\n" + (value.empty() ? pad + "  (none)\n" : to_text(value, indent + 2));
        } else if (value.is_string()) {
            out += pad + key + ": " + value.get<std::string>() + "\n";
        } else if (value.is_null()) {
            out += pad + key + ": -\n";
        } else {
            out += pad + key + ": " + value.dump() + "\n";
        }
    }
    return out;
}

void emit(const json &result, const std::optional<std::string> &text) {
    if (globals().json) {
        std::cout << dump(result) << std::endl;
    } else {
        std::cout << (text ? *text : to_text(result)) << std::flush;
    }
    if (!std::cout) fail(SUBQ_ERR_IO, "cannot write to standard output");
}

const char *dtype_name(subq_dtype dtype) {
    switch (dtype) {
        case SUBQ_F32: return "float32";
        case SUBQ_F64: return "float64";
    }
    return "unknown";
}

// ---- handles ---------------------------------------------------------------------------------------------------

ConfigPtr make_config(subq_kind kind) {
    subq_config *cfg = nullptr;
    check(subq_config_create(kind, &cfg));
    return ConfigPtr(cfg);
}

void set_int(subq_config *cfg, subq_param key, std::int64_t value) { check(subq_config_set_int(cfg, key, value)); }

// ---- data sets -------------------------------------------------------------------------------------------------

void add_dataset_options(CLI::App &cmd, DatasetOptions &opts) {
    cmd.add_option("--format", opts.format, "File format: auto (from the name and first bytes), npy, csv, libsvm, idx")
        ->transform(CLI::IsMember({"auto", "npy", "csv", "libsvm", "svmlight", "idx"}, CLI::ignore_case))
        ->option_text("auto|npy|csv|libsvm|idx (default: auto)");
    cmd.add_option("--label-column", opts.label_column,
                   "CSV: column (0-based) holding the labels, 'last', or 'none' (default: none)")
        ->transform(CLI::Transformer(std::map<std::string, std::int64_t>{{"last", -2}, {"none", -1}}, CLI::ignore_case))
        ->option_text("N|last|none");
    cmd.add_option("--header", opts.header, "CSV: header row: yes, no, or auto (if the first row is not numeric)")
        ->transform(CLI::CheckedTransformer(
            std::map<std::string, std::int64_t>{{"no", 0}, {"yes", 1}, {"auto", 2}}, CLI::ignore_case))
        ->option_text("yes|no|auto");
    cmd.add_option("--num-features", opts.num_features, "LIBSVM: number of features (default: the largest index)")
        ->option_text("D");
    cmd.add_flag("--zero-based", opts.zero_based, "LIBSVM: feature indices start at 0, not 1");
    cmd.add_option("--max-bytes", opts.max_bytes, "Largest matrix, in bytes, a load may allocate (default 16 GiB)")
        ->option_text("BYTES");
}

DatasetPtr load_dataset(const std::string &path_or_name, const DatasetOptions &opts) {
    ConfigPtr cfg = make_config(SUBQ_KIND_DATASET);
    static const std::map<std::string, std::int64_t> formats{{"auto", SUBQ_FORMAT_AUTO},
                                                             {"npy", SUBQ_FORMAT_NPY},
                                                             {"csv", SUBQ_FORMAT_CSV},
                                                             {"libsvm", SUBQ_FORMAT_LIBSVM},
                                                             {"svmlight", SUBQ_FORMAT_LIBSVM},
                                                             {"idx", SUBQ_FORMAT_IDX}};
    const auto f = formats.find(opts.format);
    if (f == formats.end()) fail(SUBQ_ERR_INVALID_ARG, "unknown --format '" + opts.format + "'");
    set_int(cfg.get(), SUBQ_P_FORMAT, f->second);
    if (opts.label_column) set_int(cfg.get(), SUBQ_P_LABEL_COLUMN, *opts.label_column);
    if (opts.header) set_int(cfg.get(), SUBQ_P_CSV_HEADER, *opts.header);
    if (opts.num_features) set_int(cfg.get(), SUBQ_P_NUM_FEATURES, *opts.num_features);
    if (opts.zero_based) set_int(cfg.get(), SUBQ_P_ZERO_BASED, 1);
    if (opts.max_bytes) set_int(cfg.get(), SUBQ_P_MAX_BYTES, *opts.max_bytes);
    subq_dataset *ds = nullptr;
    check(subq_dataset_load(path_or_name.c_str(), cfg.get(), &ds));
    return DatasetPtr(ds);
}

DatasetShape dataset_shape(const subq_dataset *ds) {
    DatasetShape s;
    int sparse = 0, labels = 0;
    check(subq_dataset_info(ds, &s.rows, &s.cols, &s.dtype, &sparse, &s.stored, &labels));
    s.sparse = sparse != 0;
    s.has_labels = labels != 0;
    return s;
}

std::vector<double> dataset_labels(const subq_dataset *ds) {
    const DatasetShape s = dataset_shape(ds);
    std::vector<double> y(static_cast<std::size_t>(s.rows));
    check(subq_dataset_copy_labels(ds, y.data()));
    return y;
}

std::vector<double> dataset_dense_f64(const subq_dataset *ds) {
    const DatasetShape s = dataset_shape(ds);
    std::vector<double> x(static_cast<std::size_t>(s.rows) * static_cast<std::size_t>(s.cols));
    check(subq_dataset_copy_dense_f64(ds, SUBQ_ROW_MAJOR, x.data(), s.cols > 0 ? s.cols : 1));
    return x;
}

// ---- .npy output -----------------------------------------------------------------------------------------------

void write_npy(const std::string &path, std::int64_t n, std::int64_t d, const double *x) {
    check(subq_npy_write_f64(path.c_str(), SUBQ_ROW_MAJOR, n, d, x, d > 0 ? d : 1));
}

void write_npy(const std::string &path, std::int64_t n, std::int64_t d, const float *x) {
    check(subq_npy_write_f32(path.c_str(), SUBQ_ROW_MAJOR, n, d, x, d > 0 ? d : 1));
}

}  // namespace subq_cli
