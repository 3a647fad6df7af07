// The subq command-line tool: one registration function per command.
//
// Adding a command `foo`:
//   1. write tools/cmd_foo.cpp defining `void add_foo_command(CLI::App &app)` (copy cmd_info.cpp or cmd_data.cpp:
//      add a subcommand, its options, and a callback that calls the C API through the helpers of cli_common.hpp
//      and ends with subq_cli::emit(result, text));
//   2. declare it below;
//   3. call it in tools/subq.cpp (register_commands) and list the file in tools/CMakeLists.txt;
//   4. document its JSON keys in README.md ("Command-line tool").
// The CLI uses the public C API only: include <subq/subq.h>, never anything from src/ or capi/.
#ifndef SUBQ_TOOLS_CLI_HPP
#define SUBQ_TOOLS_CLI_HPP

#include <subq/subq.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace subq_cli {

/** `subq info`: library and ABI version, build and runtime facts (tools/cmd_info.cpp). */
void add_info_command(CLI::App &app);

/** `subq data FILE`: shape, dtype, density and label counts of a data set (tools/cmd_data.cpp). */
void add_data_command(CLI::App &app);

/** `subq sketch`: apply a base sketch to a data file and write the result as .npy (tools/cmd_sketch.cpp). */
void add_sketch_command(CLI::App &app);

/** `subq featurize`: kernel features (poly through the tree sketch or TensorSketch; gaussian, arccos0, arccos1,
 *  ntk, and Nyström for any kernel, through the subq_featuremap API) of a data file as .npy
 *  (tools/cmd_featurize.cpp). */
void add_featurize_command(CLI::App &app);

/** --method names of the feature maps: taylor, rff, nystrom → subq_feature_method (defined in cmd_featurize.cpp). */
const std::map<std::string, std::int64_t> &feature_methods();

/** `subq krr`: kernel ridge regression on kernel features, fitted on a training set and scored on a test set; the
 *  Fashion-MNIST main job (tools/cmd_krr.cpp). */
void add_krr_command(CLI::App &app);

/** `subq kernel`: the exact kernel matrix of the first N rows of a data file as .npy (tools/cmd_kernel.cpp). */
void add_kernel_command(CLI::App &app);

// ---- kernel options shared by `subq featurize` and `subq kernel` (defined in tools/cmd_kernel.cpp) ----------------

/** --kernel and its parameters. Unset optionals take the library's defaults; options a kernel does not read are
 *  rejected by validate_kernel_options() rather than ignored. */
struct KernelOptions {
    std::string kernel = "poly";                ///< poly, gaussian, arccos0, arccos1, ntk
    std::optional<std::int64_t> degree;         ///< poly: q (required)
    std::optional<double> gamma, coef0;         ///< poly: γ, c; gaussian: γ
    std::optional<std::int64_t> depth;          ///< ntk: L (default 1)
    std::optional<std::string> ntk_convention;  ///< ntk: both (default) or first
};

/** Add --kernel, --degree, --gamma, --coef0, --depth, --ntk-convention. `kernel_help` describes --kernel. */
void add_kernel_options(CLI::App &cmd, KernelOptions &o, const std::string &kernel_help);

/** Throws Failure for an unknown kernel, a parameter the kernel does not take, or γ/c out of range; throws
 *  CLI::RequiredError (a usage error) when --kernel poly has no --degree. */
void validate_kernel_options(const KernelOptions &o);

/** Set SUBQ_P_KERNEL and the kernel's parameters on a SUBQ_KIND_FEATUREMAP config (messages name the option). */
void set_kernel_keys(subq_config *cfg, const KernelOptions &o);

/** The subq_kernel value of --kernel (after validate_kernel_options()). */
std::int64_t kernel_value(const std::string &kernel);

/** subq_config_set_int / _set_double whose failure message starts with the command-line option and its value. */
void set_option(subq_config *cfg, subq_param key, std::int64_t value, const char *option);
void set_option(subq_config *cfg, subq_param key, double value, const char *option);

/** %g formatting of a double, as the messages print option values. */
std::string fmt(double v);

/** `subq train`: train a wide shifted-ReLU network by Gauss–Newton or gradient descent (tools/cmd_train.cpp). */
void add_train_command(CLI::App &app);

}  // namespace subq_cli

#endif  // SUBQ_TOOLS_CLI_HPP
