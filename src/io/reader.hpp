// Readers of the data formats of include/subq/io.h and the .npy writer. Every failure throws subq::Error;
// malformed or unreadable files give SUBQ_ERR_IO with a message "'<path>': <what is wrong>".
#pragma once

#include <cstdint>
#include <string>

#include "core/config.hpp"
#include "core/matrix.hpp"
#include "io/dataset.hpp"
#include "subq/io.h"

namespace subq::io {

// The SUBQ_KIND_DATASET parameters, with their defaults.
struct LoadOptions {
    subq_format format = SUBQ_FORMAT_AUTO;
    std::int64_t label_column = -1;  // CSV: -1 none, -2 last, else the 0-based column
    int csv_header = 2;              // 0 none, 1 yes, 2 detect
    std::int64_t num_features = 0;   // LIBSVM: 0 = largest index seen
    bool zero_based = false;         // LIBSVM
    std::int64_t max_bytes = kDefaultMaxBytes;

    // The options a SUBQ_KIND_DATASET config holds (SUBQ_ERR_INVALID_ARG for a config of another kind).
    static LoadOptions from_config(const Config &cfg);
};

// Reads a file or a named data set ("fmnist-train", "fmnist-test"), picking the format as io.h documents.
Dataset load(const std::string &path, const LoadOptions &opt = {});

// The format load() would use for `path` under SUBQ_FORMAT_AUTO (reads at most the first bytes of the file).
subq_format detect_format(const std::string &path);

// Individual readers. read_idx also reads the sibling label file (see idx_label_path) when it exists.
Dataset read_idx(const std::string &path, const LoadOptions &opt);
Dataset read_csv(const std::string &path, const LoadOptions &opt);
Dataset read_libsvm(const std::string &path, const LoadOptions &opt);
Dataset read_npy(const std::string &path, const LoadOptions &opt);

// The label file next to an IDX image file: the last "images-idx3" in the file name (not the directory) replaced
// by "labels-idx1"; "" if the name has no "images-idx3".
std::string idx_label_path(const std::string &image_path);

// For "fmnist-train" / "fmnist-test": the image file path ($SUBQ_FMNIST_DIR or /usr/share/datasets/fashion-mnist,
// preferring the .gz file, else the uncompressed one). "" for any other name.
std::string resolve_named(const std::string &name);

// Writes a rows×cols matrix as .npy version 1.0, C order, atomically (temporary file in the same directory,
// fsync, rename). On failure the temporary file is removed and `path` is untouched.
void write_npy(const std::string &path, const DenseView<const double> &x);
void write_npy(const std::string &path, const DenseView<const float> &x);

}  // namespace subq::io
