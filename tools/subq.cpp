// subq — the command-line tool. Global options and dispatch; each command lives in tools/cmd_<name>.cpp and is
// registered below (see cli.hpp). Exit status: 0 success, 1 a failed call (one line on stderr:
// "subq: <status string>: <message>"), 2 a usage error.
#include <cstdio>
#include <exception>
#include <iostream>
#include <new>
#include <string>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "cli_common.hpp"

namespace {

void register_commands(CLI::App &app) {
    subq_cli::add_info_command(app);
    subq_cli::add_data_command(app);
    subq_cli::add_sketch_command(app);
    subq_cli::add_featurize_command(app);
    subq_cli::add_kernel_command(app);
    subq_cli::add_krr_command(app);
    subq_cli::add_train_command(app);
}

std::string version_line() {
    return std::string("subq ") + subq_version_string() + " (ABI " + std::to_string(subq_abi_version()) +
           ", built against headers " SUBQ_VERSION_STRING ")";
}

int run(int argc, char **argv) {
    // A library of another ABI than the headers this tool was compiled with cannot be used safely.
    if (subq_abi_version() != SUBQ_ABI_VERSION) {
        subq_cli::fail(SUBQ_ERR_VERSION, "libsubq has ABI version " + std::to_string(subq_abi_version()) +
                                             " but this tool was built for ABI version " +
                                             std::to_string(SUBQ_ABI_VERSION));
    }

    CLI::App app{"subq: fast sketches of polynomial kernels, kernel feature maps, subquadratic training", "subq"};
    app.fallthrough();  // global options (--json) may also follow the command name; set before adding commands
    app.require_subcommand(0, 1);
    bool show_version = false;
    app.add_flag("--version", show_version, "Print the version and exit");
    app.add_flag("--json", subq_cli::globals().json, "Print exactly one JSON object on stdout (also on failure)");
    app.failure_message([](const CLI::App *, const CLI::Error &e) {
        return std::string("subq: usage error: ") + e.what() + " (run 'subq --help')\n";
    });
    register_commands(app);

    try {
        app.parse(argc, argv);  // runs the callback of the chosen command after every option is parsed
    } catch (const CLI::ParseError &e) {
        const int rc = app.exit(e);  // prints --help, or the usage error line
        return rc == 0 ? 0 : 2;
    }
    if (show_version) {
        if (subq_cli::globals().json) {
            subq_cli::json r;
            r["version"] = subq_version_string();
            r["abi_version"] = subq_abi_version();
            r["header_version"] = SUBQ_VERSION_STRING;
            subq_cli::emit(r);
        } else {
            subq_cli::emit({}, version_line() + "\n");
        }
        return 0;
    }
    if (app.get_subcommands().empty()) {
        std::cerr << "subq: usage error: no command given (run 'subq --help')\n";
        return 2;
    }
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    try {
        return run(argc, argv);
    } catch (const subq_cli::Failure &f) {
        subq_cli::report_failure(f.status(), f.what());
    } catch (const std::bad_alloc &) {
        subq_cli::report_failure(SUBQ_ERR_OUT_OF_MEMORY, "allocation failed");
    } catch (const std::exception &e) {
        subq_cli::report_failure(SUBQ_ERR_INTERNAL, e.what());
    } catch (...) {
        subq_cli::report_failure(SUBQ_ERR_INTERNAL, "unknown exception");
    }
    return 1;
}
