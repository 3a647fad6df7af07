// LIBSVM / svmlight: "label idx:value idx:value ... # comment" per line.
//
// Rules (documented in include/subq/io.h): tokens are separated by spaces or tabs; '#' starts a comment; blank
// and comment-only lines are skipped; "qid:<n>" tokens are ignored; indices are 1-based unless
// SUBQ_P_ZERO_BASED = 1; they need not be sorted and may repeat (repeats are kept in the CSR data and summed
// when densified); SUBQ_P_NUM_FEATURES > 0 fixes d and makes larger indices an error.
#include <cstdint>
#include <cstring>

#include "io/reader.hpp"

namespace subq::io {
namespace {

// Next blank-separated token of `s` from `pos`; empty at the end.
std::string_view next_token(std::string_view s, std::size_t &pos) {
    while (pos < s.size() && is_blank(s[pos])) ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && !is_blank(s[pos])) ++pos;
    return s.substr(start, pos - start);
}

}  // namespace

Dataset read_libsvm(const std::string &path, const LoadOptions &opt) {
    Source src(path);
    const std::int64_t max_line = std::int64_t{1} << 30;
    LineReader lines(src, static_cast<std::size_t>(
                              std::max<std::int64_t>(std::int64_t{1} << 20, std::min(opt.max_bytes, max_line))));
    const std::int64_t base = opt.zero_based ? 0 : 1;

    Buffer<index_t> indptr, indices;
    Buffer<double> values, labels;
    indptr.push_back(0);
    std::int64_t max_col = -1;
    std::int64_t bytes = 8;  // indptr[0]

    std::string_view line;
    while (lines.next(line)) {
        if (const void *hash = std::memchr(line.data(), '#', line.size()))
            line = line.substr(0, static_cast<std::size_t>(static_cast<const char *>(hash) - line.data()));
        line = trim(line);
        if (line.empty()) continue;
        const std::int64_t ln = lines.line_number();
        std::size_t pos = 0;
        const std::string_view label_tok = next_token(line, pos);
        double label = 0;
        if (!parse_double(label_tok, label))
            fail_io(path, "line " + num(ln) + ": cannot parse the label '" + excerpt(label_tok) + "' as a number");
        for (std::string_view tok = next_token(line, pos); !tok.empty(); tok = next_token(line, pos)) {
            const std::size_t colon = tok.find(':');
            if (colon == std::string_view::npos)
                fail_io(path, "line " + num(ln) + ": expected index:value, found '" + excerpt(tok) + "'");
            const std::string_view key = tok.substr(0, colon);
            const std::string_view val = tok.substr(colon + 1);
            if (key == "qid") continue;
            std::int64_t idx = 0;
            if (!parse_int(key, idx))
                fail_io(path, "line " + num(ln) + ": cannot parse the feature index '" + excerpt(key) + "' of '" +
                                  excerpt(tok) + "'");
            if (idx < base)
                fail_io(path, "line " + num(ln) + ": feature index " + num(idx) + " is below " + num(base) +
                                  (opt.zero_based ? " (indices are 0-based)"
                                                  : " (indices are 1-based; set SUBQ_P_ZERO_BASED = 1 for 0-based "
                                                    "files)"));
            const std::int64_t col = idx - base;
            if (col == INT64_MAX) fail_io(path, "line " + num(ln) + ": feature index " + num(idx) + " is too large");
            if (opt.num_features > 0 && col >= opt.num_features)
                fail_io(path, "line " + num(ln) + ": feature index " + num(idx) + " exceeds SUBQ_P_NUM_FEATURES = " +
                                  num(opt.num_features));
            double v = 0;
            if (!parse_double(val, v))
                fail_io(path, "line " + num(ln) + ": cannot parse the value '" + excerpt(val) + "' of feature " +
                                  num(idx) + " as a number");
            bytes += 16;
            if (bytes > opt.max_bytes)
                fail_io(path, "line " + num(ln) + ": the data exceed SUBQ_P_MAX_BYTES = " + num(opt.max_bytes) +
                                  " bytes");
            indices.push_back(col);
            values.push_back(v);
            if (col > max_col) max_col = col;
        }
        bytes += 16;  // the row's offset and label
        if (bytes > opt.max_bytes)
            fail_io(path, "line " + num(ln) + ": the data exceed SUBQ_P_MAX_BYTES = " + num(opt.max_bytes) +
                              " bytes");
        labels.push_back(label);
        indptr.push_back(static_cast<index_t>(indices.size()));
    }
    const std::int64_t rows = static_cast<std::int64_t>(labels.size());
    if (rows == 0) fail_io(path, "no samples: the file has no data lines");
    const std::int64_t cols = opt.num_features > 0 ? opt.num_features : max_col + 1;
    Dataset ds = Dataset::csr(rows, cols, std::move(indptr), std::move(indices), std::move(values));
    ds.set_labels(std::move(labels));
    return ds;
}

}  // namespace subq::io
