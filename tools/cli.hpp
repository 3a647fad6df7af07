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

/** `subq featurize`: polynomial-kernel features (tree sketch or TensorSketch) of a data file as .npy
 *  (tools/cmd_featurize.cpp). */
void add_featurize_command(CLI::App &app);

/** `subq train`: train a wide shifted-ReLU network by Gauss–Newton or gradient descent (tools/cmd_train.cpp). */
void add_train_command(CLI::App &app);

}  // namespace subq_cli

#endif  // SUBQ_TOOLS_CLI_HPP
