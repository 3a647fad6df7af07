/**
 * @file subq.h
 * @brief subq — fast oblivious sketches of high-degree polynomial kernels, kernel feature maps, and subquadratic
 *        training of wide ReLU networks. The one header users include; valid C99 and C++.
 *
 * Lifecycle in brief (every module follows it):
 * @code
 *   subq_config *cfg = NULL;  subq_dataset *ds = NULL;
 *   subq_status st = subq_config_create(SUBQ_KIND_DATASET, &cfg);
 *   if (st == SUBQ_OK) st = subq_dataset_load("fmnist-train", cfg, &ds);
 *   subq_config_destroy(cfg);
 *   if (st != SUBQ_OK) fprintf(stderr, "subq: %s: %s\n", subq_status_string(st), subq_last_error_message());
 *   subq_dataset_destroy(ds);
 * @endcode
 * Link with `pkg-config --cflags --libs subq` or CMake's `find_package(subq)` and `subq::subq`.
 */
#ifndef SUBQ_SUBQ_H
#define SUBQ_SUBQ_H

#include "subq/version.h"
#include "subq/core.h"
#include "subq/io.h"
#include "subq/sketch.h"
#include "subq/featuremap.h"
#include "subq/krr.h"
#include "subq/net.h"

#endif /* SUBQ_SUBQ_H */
