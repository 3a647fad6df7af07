// Helpers shared by the commands of the subq CLI: error reporting, output (text or one JSON object), RAII for
// subq handles, data-set options and loading, and .npy output. Built on the public C API only.
//
// Error model: a command never prints errors itself. It calls subq_cli::check(st) right after every C call;
// a non-OK status throws subq_cli::Failure carrying the status and subq_last_error_message(), which main()
// (tools/subq.cpp) reports as one line `subq: <status string>: <message>` on stderr (and, under --json, as
// {"error": {...}} on stdout) before exiting with status 1. Usage errors exit with status 2.
#ifndef SUBQ_TOOLS_CLI_COMMON_HPP
#define SUBQ_TOOLS_CLI_COMMON_HPP

#include <subq/subq.h>

#include <cstdint>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace subq_cli {

using json = nlohmann::ordered_json;  // keys keep the order in which a command inserts them

// ---- global options --------------------------------------------------------------------------------------------

/** Options of the `subq` program itself, parsed before any command callback runs. */
struct GlobalOptions {
    bool json = false;  ///< --json: print exactly one JSON object on stdout instead of text
};
GlobalOptions &globals();

// ---- errors ----------------------------------------------------------------------------------------------------

/** A failed call: the status and the message to report. */
class Failure : public std::exception {
public:
    Failure(subq_status status, std::string message) : status_(status), message_(std::move(message)) {}
    subq_status status() const noexcept { return status_; }
    const char *what() const noexcept override { return message_.c_str(); }

private:
    subq_status status_;
    std::string message_;
};

/** Throw Failure(st, subq_last_error_message()) unless st is SUBQ_OK. Call it directly after the C call. */
void check(subq_status st);

/** Throw Failure(st, message): for conditions the tool itself detects. */
[[noreturn]] void fail(subq_status st, std::string message);

/** "SUBQ_ERR_IO" for SUBQ_ERR_IO, and so on; "SUBQ_STATUS_<n>" for values not in subq_status. */
std::string status_name(subq_status st);

/** Report a failure: the stderr line, and the {"error": ...} object on stdout under --json. */
void report_failure(subq_status st, const std::string &message);

// ---- output ----------------------------------------------------------------------------------------------------

/**
 * Print a command's result: under --json `result` as one JSON object on one line of stdout; otherwise `text` if
 * it is given, else `result` as indented "key: value" lines.
 */
void emit(const json &result, const std::optional<std::string> &text = std::nullopt);

/** `value` as compact one-line JSON; invalid UTF-8 is replaced by U+FFFD. */
std::string dump(const json &value);

/** The text form of a JSON object used by emit(): "key: value" lines, nested objects indented. */
std::string to_text(const json &result, int indent = 0);

/** "float32" or "float64". */
const char *dtype_name(subq_dtype dtype);

// ---- handles ---------------------------------------------------------------------------------------------------

struct ConfigDeleter {
    void operator()(subq_config *c) const noexcept { subq_config_destroy(c); }
};
struct DatasetDeleter {
    void operator()(subq_dataset *d) const noexcept { subq_dataset_destroy(d); }
};
using ConfigPtr = std::unique_ptr<subq_config, ConfigDeleter>;
struct FeatureMapDeleter {
    void operator()(subq_featuremap *f) const noexcept { subq_featuremap_destroy(f); }
};
using DatasetPtr = std::unique_ptr<subq_dataset, DatasetDeleter>;
using FeatureMapPtr = std::unique_ptr<subq_featuremap, FeatureMapDeleter>;

/** A new config of the given kind (throws Failure). */
ConfigPtr make_config(subq_kind kind);

/** subq_config_set_int that throws Failure. */
void set_int(subq_config *cfg, subq_param key, std::int64_t value);

// ---- data sets -------------------------------------------------------------------------------------------------

/** The SUBQ_KIND_DATASET keys as command-line options; unset options keep the library's defaults. */
struct DatasetOptions {
    std::string format = "auto";               ///< --format auto|npy|csv|libsvm|idx
    std::optional<std::int64_t> label_column;  ///< --label-column N|last|none
    std::optional<std::int64_t> header;        ///< --header auto|yes|no
    std::optional<std::int64_t> num_features;  ///< --num-features D
    bool zero_based = false;                   ///< --zero-based
    std::optional<std::int64_t> max_bytes;     ///< --max-bytes B
};

/** Add --format, --label-column, --header, --num-features, --zero-based, --max-bytes to a command. `opts` must
 *  outlive the parse (keep it in a std::shared_ptr captured by the command's callback). */
void add_dataset_options(CLI::App &cmd, DatasetOptions &opts);

/** Load a file, or an installed data set by name ("fmnist-train", "fmnist-test"); throws Failure. */
DatasetPtr load_dataset(const std::string &path_or_name, const DatasetOptions &opts);

/** What subq_dataset_info() reports. */
struct DatasetShape {
    std::int64_t rows = 0, cols = 0;
    subq_dtype dtype = SUBQ_F64;
    bool sparse = false;
    std::int64_t stored = 0;  ///< stored entries: CSR nonzeros, or rows·cols for dense data
    bool has_labels = false;
};
DatasetShape dataset_shape(const subq_dataset *ds);

/** The n labels (throws Failure with SUBQ_ERR_STATE if the data set has none). */
std::vector<double> dataset_labels(const subq_dataset *ds);

/** A dense row-major n×d float64 copy of the matrix. */
std::vector<double> dataset_dense_f64(const subq_dataset *ds);

// ---- .npy output -----------------------------------------------------------------------------------------------

/** Write a row-major n×d matrix as .npy. Atomic: `path` gets either the complete file or is left untouched. */
void write_npy(const std::string &path, std::int64_t n, std::int64_t d, const double *x);
void write_npy(const std::string &path, std::int64_t n, std::int64_t d, const float *x);

}  // namespace subq_cli

#endif  // SUBQ_TOOLS_CLI_COMMON_HPP
