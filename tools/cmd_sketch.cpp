// `subq sketch --kind K --dim D --seed S [--sparsity s] --in X --out Z.npy`: sketch every row of a data set with a
// base sketch (CountSketch, OSNAP, SRHT, Gaussian) and write the n×D result as .npy. The output has the input's
// float type (IDX/npy float32 gives float32; CSV/LIBSVM/npy float64 gives float64); sparse (LIBSVM) input is
// sketched from CSR without densifying.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli.hpp"
#include "cli_common.hpp"

namespace subq_cli {
namespace {

struct SketchOptions {
    std::string kind;
    std::int64_t dim = 0;
    std::int64_t seed = 0;
    std::optional<std::int64_t> sparsity;
    std::optional<std::int64_t> threads;
    std::string in, out;
    DatasetOptions dataset;
};

struct SketchDeleter {
    void operator()(subq_sketch *s) const noexcept { subq_sketch_destroy(s); }
};
using SketchPtr = std::unique_ptr<subq_sketch, SketchDeleter>;

const std::map<std::string, subq_sketch_type> &kinds() {
    static const std::map<std::string, subq_sketch_type> k{{"countsketch", SUBQ_SKETCH_COUNTSKETCH},
                                                           {"osnap", SUBQ_SKETCH_OSNAP},
                                                           {"srht", SUBQ_SKETCH_SRHT},
                                                           {"gaussian", SUBQ_SKETCH_GAUSSIAN}};
    return k;
}

void run_sketch(const SketchOptions &opts) {
    const auto kind = kinds().find(opts.kind);
    if (kind == kinds().end()) fail(SUBQ_ERR_INVALID_ARG, "unknown --kind '" + opts.kind + "'");
    const DatasetPtr ds = load_dataset(opts.in, opts.dataset);
    const DatasetShape s = dataset_shape(ds.get());

    ConfigPtr cfg = make_config(SUBQ_KIND_SKETCH);
    set_int(cfg.get(), SUBQ_P_SKETCH_TYPE, kind->second);
    set_int(cfg.get(), SUBQ_P_INPUT_DIM, s.cols);
    set_int(cfg.get(), SUBQ_P_OUTPUT_DIM, opts.dim);
    set_int(cfg.get(), SUBQ_P_SEED, opts.seed);
    if (opts.sparsity) set_int(cfg.get(), SUBQ_P_SPARSITY, *opts.sparsity);
    if (opts.threads) set_int(cfg.get(), SUBQ_P_NUM_THREADS, *opts.threads);
    subq_sketch *raw = nullptr;
    check(subq_sketch_create(cfg.get(), &raw));
    const SketchPtr sk(raw);
    subq_index m = 0;
    check(subq_sketch_output_dim(sk.get(), &m));

    double seconds = 0;  // the sketch apply alone (not loading or writing)
    const auto timed = [&seconds](auto &&apply) {
        const auto t0 = std::chrono::steady_clock::now();
        check(apply());
        seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    const std::size_t out_size = static_cast<std::size_t>(s.rows) * static_cast<std::size_t>(m);
    const subq_index ldz = m > 0 ? m : 1;
    if (s.sparse) {
        std::vector<subq_index> indptr(static_cast<std::size_t>(s.rows) + 1),
            indices(static_cast<std::size_t>(s.stored));
        std::vector<double> values(static_cast<std::size_t>(s.stored));
        check(subq_dataset_copy_csr_f64(ds.get(), indptr.data(), indices.data(), values.data(), s.stored));
        std::vector<double> z(out_size);
        timed([&] {
            return subq_sketch_apply_csr_f64(sk.get(), s.rows, s.cols, indptr.data(), indices.data(), values.data(),
                                             SUBQ_ROW_MAJOR, z.data(), ldz);
        });
        write_npy(opts.out, s.rows, m, z.data());
    } else if (s.dtype == SUBQ_F32) {
        std::vector<float> x(static_cast<std::size_t>(s.rows) * static_cast<std::size_t>(s.cols)), z(out_size);
        const subq_index ldx = s.cols > 0 ? s.cols : 1;
        check(subq_dataset_copy_dense_f32(ds.get(), SUBQ_ROW_MAJOR, x.data(), ldx));
        timed([&] {
            return subq_sketch_apply_f32(sk.get(), SUBQ_ROW_MAJOR, s.rows, s.cols, x.data(), ldx, z.data(), ldz);
        });
        write_npy(opts.out, s.rows, m, z.data());
    } else {
        const std::vector<double> x = dataset_dense_f64(ds.get());
        std::vector<double> z(out_size);
        timed([&] {
            return subq_sketch_apply_f64(sk.get(), SUBQ_ROW_MAJOR, s.rows, s.cols, x.data(), s.cols > 0 ? s.cols : 1,
                                         z.data(), ldz);
        });
        write_npy(opts.out, s.rows, m, z.data());
    }

    json r;
    r["kind"] = opts.kind;
    r["in"] = opts.in;
    r["out"] = opts.out;
    r["rows"] = s.rows;
    r["input_dim"] = s.cols;
    r["output_dim"] = m;
    r["dtype"] = dtype_name(s.sparse ? SUBQ_F64 : s.dtype);
    r["input_storage"] = s.sparse ? "sparse" : "dense";
    r["seed"] = opts.seed;
    if (kind->second == SUBQ_SKETCH_OSNAP) r["sparsity"] = opts.sparsity.value_or(4);
    r["apply_seconds"] = seconds;
    emit(r);
}

}  // namespace

void add_sketch_command(CLI::App &app) {
    auto opts = std::make_shared<SketchOptions>();
    CLI::App *cmd = app.add_subcommand("sketch", "Sketch every row of a data set to D dimensions and write .npy");
    cmd->add_option("--kind", opts->kind, "countsketch, osnap, srht or gaussian")
        ->required()
        ->check(CLI::IsMember({"countsketch", "osnap", "srht", "gaussian"}));
    cmd->add_option("--dim", opts->dim, "Output dimension D (OSNAP rounds it up to a multiple of --sparsity)")
        ->required();
    cmd->add_option("--seed", opts->seed, "Seed (default 0)");
    cmd->add_option("--sparsity", opts->sparsity, "OSNAP nonzeros per column (default 4)");
    cmd->add_option("--threads", opts->threads, "Threads (default: all)");
    cmd->add_option("--in", opts->in, "Input file, or fmnist-train / fmnist-test")->required();
    cmd->add_option("--out", opts->out, "Output .npy file (n×D, the input's float type)")->required();
    add_dataset_options(*cmd, opts->dataset);
    cmd->callback([opts] { run_sketch(*opts); });
}

}  // namespace subq_cli
