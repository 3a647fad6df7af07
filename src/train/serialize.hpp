// Saving and loading trained networks: a versioned little-endian binary format with a CRC-32 checksum, written
// atomically (temporary file + rename).
//
//   "SUBQNET\0"                      8 bytes
//   u32 format version (1), u32 header bytes (= 128)
//   header: i64 d, m, L, k; f64 threshold; i32 variant, update, mode, dtype (1 f32, 2 f64); i64 max_rank;
//           u64 seed; f64 learning_rate, automatic_learning_rate; i32 gn_solver, gn_max_retries;
//           f64 gn_damping; i64 gn_sketch_rows; f64 gn_cg_tolerance; i64 gn_cg_max_iterations   (128 bytes)
//   f64 output weights, k x m row-major
//   for l = 1..L: W_l column-major m x m_{l-1} in the storage type (pending low-rank terms folded in)
//   u32 CRC-32 (zlib) of every byte before it
//
// Loading checks the magic, the version (SUBQ_ERR_VERSION), every header field, the file size against the header
// before allocating, and the checksum (SUBQ_ERR_IO for truncated or corrupted files).
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "train/net.hpp"

namespace subq::train {

using AnyNetwork = std::variant<std::unique_ptr<Network<float>>, std::unique_ptr<Network<double>>>;

template <class T>
void save_network(const Network<T> &net, const std::string &path);

AnyNetwork load_network(const std::string &path);

}  // namespace subq::train
