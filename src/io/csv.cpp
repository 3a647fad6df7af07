// CSV: comma-separated numbers, one sample per line, parsed in place (no per-field allocation).
//
// Rules (documented in include/subq/io.h):
//  - fields are separated by ','; spaces and tabs around a field are ignored; a field may be enclosed in double
//    quotes ("" inside quotes is a literal quote), which are removed before parsing; quoted fields cannot span
//    lines;
//  - lines that are empty or hold only whitespace are skipped; '\r\n' line ends are accepted; a UTF-8 byte-order
//    mark at the start of the file is ignored;
//  - every value must parse fully as a decimal number; "nan", "inf" and "infinity" (any case, optional sign) are
//    accepted and stored as such; an empty field is an error;
//  - every row, the header included, must have the same number of fields.
#include <vector>

#include "io/reader.hpp"

namespace subq::io {
namespace {

struct FieldError {
    std::int64_t field = 0;  // 1-based
    const char *what = nullptr;
};

// Calls on_field(view, 0-based index) for each field of `line`; returns the field count. Quotes are removed.
// Throws for an unterminated quote or text after a closing quote.
template <class OnField>
std::int64_t split_fields(const std::string &path, std::int64_t line_no, std::string_view line, OnField &&on_field) {
    std::int64_t count = 0;
    std::size_t pos = 0;
    for (;;) {
        while (pos < line.size() && is_blank(line[pos])) ++pos;
        std::string_view field;
        std::size_t next = std::string_view::npos;  // position of the ',' ending the field, or npos
        if (pos < line.size() && line[pos] == '"') {
            std::size_t q = pos + 1;
            for (;;) {
                q = line.find('"', q);
                if (q == std::string_view::npos)
                    fail_io(path, "line " + num(line_no) + ", field " + num(count + 1) + ": unterminated quote");
                if (q + 1 < line.size() && line[q + 1] == '"') {
                    q += 2;
                    continue;
                }
                break;
            }
            field = line.substr(pos + 1, q - pos - 1);
            std::size_t r = q + 1;
            while (r < line.size() && (is_blank(line[r]) || line[r] == '\r')) ++r;
            if (r < line.size() && line[r] != ',')
                fail_io(path, "line " + num(line_no) + ", field " + num(count + 1) + ": unexpected '" +
                                  excerpt(line.substr(r, 1)) + "' after a closing quote");
            next = r < line.size() ? r : std::string_view::npos;
            field = trim(field);
        } else {
            next = line.find(',', pos);
            field = trim(line.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos));
        }
        on_field(field, count);
        ++count;
        if (next == std::string_view::npos) return count;
        pos = next + 1;
    }
}

std::size_t max_line_bytes(std::int64_t max_bytes) {
    const std::int64_t cap = std::int64_t{1} << 30;
    const std::int64_t lo = std::int64_t{1} << 20;
    return static_cast<std::size_t>(max_bytes < lo ? lo : (max_bytes > cap ? cap : max_bytes));
}

}  // namespace

Dataset read_csv(const std::string &path, const LoadOptions &opt) {
    Source src(path);
    LineReader lines(src, max_line_bytes(opt.max_bytes));
    const std::int64_t max_values = opt.max_bytes / static_cast<std::int64_t>(sizeof(double));

    std::int64_t ncols = -1;       // fields per row, fixed by the first non-blank line
    std::int64_t first_line = 0;   // that line's number
    std::int64_t label_col = -1;   // resolved label column, or -1
    std::int64_t rows = 0;
    Buffer<double> data, labels;
    std::vector<double> row;       // the current line's values (reused)
    bool first = true;

    // Parses the fields of `line` into `row`; returns false (and the first bad field) instead of throwing.
    auto parse_row = [&](std::string_view line, FieldError &err) {
        row.clear();
        err = FieldError{};
        split_fields(path, lines.line_number(), line, [&](std::string_view f, std::int64_t k) {
            double v = 0;
            if (f.empty()) {
                if (err.field == 0) err = FieldError{k + 1, "empty field (missing values are not supported)"};
            } else if (!parse_double(f, v)) {
                if (err.field == 0) err = FieldError{k + 1, nullptr};
            }
            row.push_back(v);
        });
        return err.field == 0;
    };
    auto fail_field = [&](std::string_view line, const FieldError &err) {
        std::string_view bad;
        split_fields(path, lines.line_number(), line, [&](std::string_view f, std::int64_t k) {
            if (k + 1 == err.field) bad = f;
        });
        fail_io(path, "line " + num(lines.line_number()) + ", field " + num(err.field) + ": " +
                          (err.what ? std::string(err.what)
                                    : "cannot parse '" + excerpt(bad) + "' as a number"));
    };
    auto set_columns = [&](std::int64_t n) {
        ncols = n;
        first_line = lines.line_number();
        if (opt.label_column == -2) {
            label_col = ncols - 1;
        } else if (opt.label_column >= 0) {
            if (opt.label_column >= ncols)
                fail_io(path, "SUBQ_P_LABEL_COLUMN = " + num(opt.label_column) + " but line " + num(first_line) +
                                  " has only " + num(ncols) + " fields (columns are numbered from 0)");
            label_col = opt.label_column;
        }
    };

    std::string_view line;
    FieldError err;
    while (lines.next(line)) {
        if (first) {
            first = false;
            if (line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
        }
        if (trim(line).empty()) continue;
        if (ncols < 0) {
            bool header = opt.csv_header == 1;
            bool parsed = false;
            if (opt.csv_header == 2) {
                parsed = parse_row(line, err);
                header = !parsed;
            }
            if (header) {
                set_columns(split_fields(path, lines.line_number(), line, [](std::string_view, std::int64_t) {}));
                continue;
            }
            if (!parsed && !parse_row(line, err)) fail_field(line, err);
            set_columns(static_cast<std::int64_t>(row.size()));
        } else if (!parse_row(line, err)) {
            if (static_cast<std::int64_t>(row.size()) != ncols)
                fail_io(path, "line " + num(lines.line_number()) + " has " +
                                  num(static_cast<std::int64_t>(row.size())) + " fields, expected " + num(ncols) +
                                  " (as in line " + num(first_line) + ")");
            fail_field(line, err);
        }
        if (static_cast<std::int64_t>(row.size()) != ncols)
            fail_io(path, "line " + num(lines.line_number()) + " has " + num(static_cast<std::int64_t>(row.size())) +
                              " fields, expected " + num(ncols) + " (as in line " + num(first_line) + ")");
        if (static_cast<std::int64_t>(data.size() + labels.size()) + ncols > max_values)
            fail_io(path, "line " + num(lines.line_number()) + ": the data exceed SUBQ_P_MAX_BYTES = " +
                              num(opt.max_bytes) + " bytes");
        for (std::int64_t k = 0; k < ncols; ++k) {
            if (k == label_col)
                labels.push_back(row[static_cast<std::size_t>(k)]);
            else
                data.push_back(row[static_cast<std::size_t>(k)]);
        }
        ++rows;
    }
    if (ncols < 0) fail_io(path, "the file is empty (no header and no data rows)");
    const std::int64_t d = ncols - (label_col >= 0 ? 1 : 0);
    Dataset ds = Dataset::dense_f64(rows, d, SUBQ_ROW_MAJOR, std::move(data));
    if (label_col >= 0) ds.set_labels(std::move(labels));
    return ds;
}

}  // namespace subq::io
