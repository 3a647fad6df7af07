// Low-level input for the data readers: a byte stream over a plain or gzip'd file (zlib's gzread reads both),
// a line splitter for the text formats, number parsing, and the SUBQ_ERR_IO error helpers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace subq::io {

using index_t = std::int64_t;

// SUBQ_ERR_IO with the message "'<path>': <what>".
[[noreturn]] void fail_io(const std::string &path, const std::string &what);

// The C library's text for errno value `err` (thread-safe).
std::string errno_text(int err);

// A short, printable excerpt of `s` for error messages (at most `max_len` characters, non-printables as '?').
std::string excerpt(std::string_view s, std::size_t max_len = 40);

// Decimal formatting helper for messages.
inline std::string num(std::int64_t v) { return std::to_string(v); }
inline std::string num(std::uint64_t v) { return std::to_string(v); }

// a * b for sizes read from a file header, or SUBQ_ERR_IO naming `what` if it overflows int64.
std::int64_t header_mul(const std::string &path, std::int64_t a, std::int64_t b, const char *what);

// The default of SUBQ_P_MAX_BYTES (16 GiB), used when the option is 0.
inline constexpr std::int64_t kDefaultMaxBytes = std::int64_t{16} << 30;

// A std::allocator that default-initialises (leaves uninitialised) trivial elements on resize(), so large
// buffers are not zeroed before they are overwritten with file data.
template <class T, class A = std::allocator<T>>
class DefaultInitAllocator : public A {
    using traits = std::allocator_traits<A>;

public:
    template <class U>
    struct rebind {
        using other = DefaultInitAllocator<U, typename traits::template rebind_alloc<U>>;
    };
    using A::A;
    template <class U>
    void construct(U *p) noexcept(std::is_nothrow_default_constructible_v<U>) {
        ::new (static_cast<void *>(p)) U;
    }
    template <class U, class... Args>
    void construct(U *p, Args &&...args) {
        traits::construct(static_cast<A &>(*this), p, std::forward<Args>(args)...);
    }
};

template <class T>
using Buffer = std::vector<T, DefaultInitAllocator<T>>;

// Make room for `needed` elements, growing geometrically but never beyond `cap` elements (the size the file
// declares), so a lying header cannot make the buffer larger than the data that actually arrived, times two.
template <class T>
void reserve_growing(Buffer<T> &v, std::size_t needed, std::size_t cap) {
    if (needed <= v.capacity()) return;
    std::size_t want = v.capacity() * 2;
    if (want < needed) want = needed;
    if (want < 4096) want = 4096;
    if (want > cap) want = cap > needed ? cap : needed;
    v.reserve(want);
}

// A readable file, plain or gzip-compressed (detected by the gzip magic bytes 1f 8b). Reads are buffered by
// zlib; there are no per-byte calls.
class Source {
public:
    // Opens `path`. SUBQ_ERR_IO "cannot open" if it does not exist, is a directory, or cannot be read.
    explicit Source(std::string path);
    ~Source();
    Source(const Source &) = delete;
    Source &operator=(const Source &) = delete;

    // Reads up to n bytes and returns how many; fewer than n only at the end of the data. SUBQ_ERR_IO on read
    // errors and on corrupt or truncated gzip streams.
    std::size_t read(void *buf, std::size_t n);
    // Reads exactly n bytes, or SUBQ_ERR_IO "truncated" naming `what` and the byte offset where data ran out.
    void read_exact(void *buf, std::size_t n, const char *what);
    // True if no data is left (reads ahead by at most one byte, which is then lost: call only at the end).
    bool at_end();

    const std::string &path() const noexcept { return path_; }
    bool compressed() const noexcept { return compressed_; }
    // Size of the file on disk, or -1 if it is not a regular file.
    std::int64_t file_size() const noexcept { return file_size_; }
    // Decompressed bytes consumed so far.
    std::int64_t offset() const noexcept { return offset_; }
    // An upper bound on the decompressed bytes still to come: exact for plain files, the deflate ratio limit
    // (1032:1) for gzip files; -1 if unknown (not a regular file).
    std::int64_t max_remaining() const noexcept;

private:
    std::string path_;
    void *gz_ = nullptr;  // gzFile
    bool compressed_ = false;
    std::int64_t file_size_ = -1;
    std::int64_t offset_ = 0;
};

// Splits a Source into lines without copying them: each line is a view into an internal buffer, valid until
// the next call. '\n' ends a line; a '\r' before it is dropped; the last line need not end with '\n'.
class LineReader {
public:
    // `max_line` bounds the length of one line (a file without newlines cannot exhaust memory).
    LineReader(Source &src, std::size_t max_line);
    bool next(std::string_view &line);
    // 1-based number of the line last returned.
    std::int64_t line_number() const noexcept { return line_no_; }

private:
    Source &src_;
    std::size_t max_line_;
    std::vector<char> buf_;
    std::size_t begin_ = 0, end_ = 0;
    bool eof_ = false;
    std::int64_t line_no_ = 0;
};

// Parses all of `s` as a decimal floating-point number. An optional leading '+' is accepted, as are "nan",
// "inf" and "infinity" in any case, with an optional sign. Underflow to zero or a subnormal is accepted;
// overflow and any unparsed character are not. Returns false on failure.
bool parse_double(std::string_view s, double &out) noexcept;
// Parses all of `s` as a decimal integer (optional '+' or '-'). Returns false on failure or overflow.
bool parse_int(std::string_view s, std::int64_t &out) noexcept;

// Space or tab.
inline bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }
inline bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
// `s` without leading and trailing spaces, tabs, '\r' and '\n'.
inline std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Whether a regular file (or anything stat() accepts) exists at `path`.
bool file_exists(const std::string &path) noexcept;

// Reads the `count` elements of a binary payload, each `in_size` bytes in the file, into `out`, decoding them in
// chunks with decode(const unsigned char *in, T *out, std::size_t n). The caller has checked count against
// SUBQ_P_MAX_BYTES and Source::max_remaining(). For plain files (whose size is then known to suffice) `out` is
// allocated once. For compressed data the first allocation is bounded by the compressed file size (times 8)
// and the buffer then grows only as data actually arrive, so a lying header fails cleanly with "truncated"
// before much memory is used. `what` names the payload in messages.
template <class T, class Decode>
void read_payload(Source &src, index_t count, std::size_t in_size, Buffer<T> &out, Decode &&decode,
                  const std::string &what) {
    out.clear();
    const auto total = static_cast<std::size_t>(count);
    const std::size_t per_chunk = std::max<std::size_t>(1, (std::size_t{1} << 20) / in_size);
    if (!src.compressed() && src.file_size() >= 0) {
        out.reserve(total);
    } else if (src.file_size() > 0) {
        // Start from what the bytes on disk plausibly hold (8 times the compressed size; typical data compress
        // far less), not from the header's claim; beyond that the buffer grows only as data arrive.
        const auto plausible = static_cast<std::size_t>(src.file_size()) / in_size * 8;
        out.reserve(std::min(total, std::max(per_chunk, plausible)));
    }
    std::vector<unsigned char> stage(std::min(total, per_chunk) * in_size);
    std::size_t done = 0;
    const std::int64_t start = src.offset();
    while (done < total) {
        const std::size_t n = std::min(total - done, per_chunk);
        const std::size_t bytes = n * in_size;
        const std::size_t got = src.read(stage.data(), bytes);
        if (got < bytes)
            fail_io(src.path(), "truncated " + what + ": expected " + num(static_cast<std::int64_t>(total * in_size)) +
                                    " bytes from byte offset " + num(start) + ", the data end at byte offset " +
                                    num(src.offset()));
        reserve_growing(out, done + n, total);
        out.resize(done + n);
        decode(stage.data(), out.data() + done, n);
        done += n;
    }
}

// Fails unless the data end here ("unexpected bytes after ..."). For gzip data this also verifies the stream's
// trailer (CRC and length), reporting a truncated or corrupt stream.
void expect_end(Source &src, const std::string &after_what);

}  // namespace subq::io
