#include "io/source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <system_error>

namespace subq::io {
namespace {

// strerror_r comes in a GNU (returns char *) and an XSI (returns int) flavour; accept either.
[[maybe_unused]] const char *pick_strerror(int r, const char *buf) { return r == 0 ? buf : "unknown error"; }
[[maybe_unused]] const char *pick_strerror(const char *r, const char *) { return r; }

gzFile as_gz(void *p) { return static_cast<gzFile>(p); }

constexpr std::int64_t kDeflateMaxRatio = 1032;  // deflate cannot expand one input byte into more output bytes
constexpr std::size_t kZlibBuffer = std::size_t{1} << 18;

}  // namespace

void fail_io(const std::string &path, const std::string &what) { fail(SUBQ_ERR_IO, "'" + path + "': " + what); }

std::string errno_text(int err) {
    char buf[256] = {0};
    return pick_strerror(strerror_r(err, buf, sizeof buf), buf);
}

std::string excerpt(std::string_view s, std::size_t max_len) {
    std::string out;
    const bool cut = s.size() > max_len;
    if (cut) s = s.substr(0, max_len);
    out.reserve(s.size() + 3);
    for (char c : s) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    if (cut) out += "...";
    return out;
}

std::int64_t header_mul(const std::string &path, std::int64_t a, std::int64_t b, const char *what) {
    std::int64_t r = 0;
    if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r))
        fail_io(path, std::string(what) + " overflows (" + num(a) + " x " + num(b) + ")");
    return r;
}

bool file_exists(const std::string &path) noexcept {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// ---- Source --------------------------------------------------------------------------------------------------

Source::Source(std::string path) : path_(std::move(path)) {
    int fd = -1;
    do {
        fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) fail_io(path_, "cannot open: " + errno_text(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        fail_io(path_, "cannot open: " + errno_text(err));
    }
    if (S_ISDIR(st.st_mode)) {
        ::close(fd);
        fail_io(path_, "cannot open: is a directory");
    }
    if (S_ISREG(st.st_mode)) {
        file_size_ = static_cast<std::int64_t>(st.st_size);
        unsigned char magic[2] = {0, 0};
        ssize_t got = 0;
        do {
            got = ::pread(fd, magic, 2, 0);
        } while (got < 0 && errno == EINTR);
        if (got < 0) {
            const int err = errno;
            ::close(fd);
            fail_io(path_, "cannot read: " + errno_text(err));
        }
        compressed_ = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }
    gzFile gz = gzdopen(fd, "rb");
    if (gz == nullptr) {
        ::close(fd);
        fail(SUBQ_ERR_OUT_OF_MEMORY, "'" + path_ + "': cannot allocate the zlib stream");
    }
    gzbuffer(gz, kZlibBuffer);
    gz_ = gz;
}

Source::~Source() {
    if (gz_ != nullptr) gzclose_r(as_gz(gz_));
}

std::size_t Source::read(void *buf, std::size_t n) {
    auto *p = static_cast<unsigned char *>(buf);
    std::size_t total = 0;
    while (total < n) {
        const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - total, std::size_t{1} << 30));
        const int r = gzread(as_gz(gz_), p + total, chunk);
        int err = Z_OK;
        const char *msg = nullptr;
        if (r < 0 || static_cast<unsigned>(r) < chunk) msg = gzerror(as_gz(gz_), &err);
        if (r > 0) {
            total += static_cast<std::size_t>(r);
            offset_ += r;
        }
        if (err == Z_BUF_ERROR)
            fail_io(path_, "truncated gzip stream: compressed data end unexpectedly after " + num(offset_) +
                               " decompressed bytes");
        if (err == Z_ERRNO) fail_io(path_, "read error after " + num(offset_) + " bytes: " + errno_text(errno));
        if (err != Z_OK) {
            // zlib prefixes its message with the file name ("<fd:3>: "); keep only the reason.
            std::string why = msg ? msg : "unknown zlib error";
            if (const std::size_t colon = why.find(": "); colon != std::string::npos) why.erase(0, colon + 2);
            fail_io(path_, std::string(compressed_ ? "corrupt gzip data: " : "read error: ") + why +
                               " (zlib error " + num(std::int64_t{err}) + ")");
        }
        if (r < 0) fail_io(path_, "read error after " + num(offset_) + " bytes");
        if (static_cast<unsigned>(r) < chunk) break;  // end of data
    }
    return total;
}

void Source::read_exact(void *buf, std::size_t n, const char *what) {
    const std::int64_t start = offset_;
    const std::size_t got = read(buf, n);
    if (got < n)
        fail_io(path_, std::string("truncated ") + what + ": expected " + num(static_cast<std::int64_t>(n)) +
                           " bytes at byte offset " + num(start) + ", the data end at offset " + num(offset_));
}

bool Source::at_end() {
    unsigned char c = 0;
    return read(&c, 1) == 0;
}

void expect_end(Source &src, const std::string &after_what) {
    const std::int64_t at = src.offset();
    if (!src.at_end()) fail_io(src.path(), "unexpected data after " + after_what + " (at byte offset " + num(at) + ")");
}

std::int64_t Source::max_remaining() const noexcept {
    if (file_size_ < 0) return -1;
    if (!compressed_) return file_size_ > offset_ ? file_size_ - offset_ : 0;
    std::int64_t bound = 0;
    if (__builtin_mul_overflow(file_size_, kDeflateMaxRatio, &bound)) return INT64_MAX;
    return bound + 4096;
}

// ---- LineReader ----------------------------------------------------------------------------------------------

LineReader::LineReader(Source &src, std::size_t max_line) : src_(src), max_line_(max_line) {
    buf_.resize(std::size_t{1} << 20);
}

bool LineReader::next(std::string_view &line) {
    for (;;) {
        const char *start = buf_.data() + begin_;
        const void *nl = std::memchr(start, '\n', end_ - begin_);
        if (nl != nullptr) {
            const char *stop = static_cast<const char *>(nl);
            std::size_t len = static_cast<std::size_t>(stop - start);
            begin_ += len + 1;
            if (len > 0 && start[len - 1] == '\r') --len;
            line = std::string_view(start, len);
            ++line_no_;
            return true;
        }
        if (eof_) {
            if (begin_ == end_) return false;
            std::size_t len = end_ - begin_;
            begin_ = end_;
            if (len > 0 && start[len - 1] == '\r') --len;
            line = std::string_view(start, len);
            ++line_no_;
            return true;
        }
        // Move the partial line to the front, grow if it fills the buffer, and read more.
        if (begin_ > 0) {
            std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
            end_ -= begin_;
            begin_ = 0;
        }
        if (end_ == buf_.size()) {
            if (buf_.size() >= max_line_)
                fail_io(src_.path(), "line " + num(line_no_ + 1) + " is longer than " +
                                         num(static_cast<std::int64_t>(max_line_)) + " bytes");
            buf_.resize(std::min(buf_.size() * 2, std::max(max_line_, buf_.size() + 1)));
        }
        const std::size_t got = src_.read(buf_.data() + end_, buf_.size() - end_);
        if (got == 0) eof_ = true;
        end_ += got;
    }
}

// ---- numbers -------------------------------------------------------------------------------------------------

namespace {

// For a syntactically valid decimal number that from_chars reported out of range: true if its magnitude is
// below 1 (an underflow), false if at least 1 (an overflow).
bool is_underflow(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    std::int64_t int_digits = 0, lead_zeros = 0;
    bool seen_nonzero = false;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
        if (s[i] != '0') seen_nonzero = true;
        if (seen_nonzero) ++int_digits;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
            if (int_digits > 0 || seen_nonzero) break;
            if (s[i] != '0') {
                seen_nonzero = true;
                break;
            }
            ++lead_zeros;
        }
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    }
    std::int64_t exp = 0;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        bool neg = false;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
        for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
            if (exp < (std::int64_t{1} << 40)) exp = exp * 10 + (s[i] - '0');
        if (neg) exp = -exp;
    }
    const std::int64_t magnitude = (int_digits > 0 ? int_digits - 1 : -(lead_zeros + 1)) + exp;
    return magnitude < 0;
}

}  // namespace

bool parse_double(std::string_view s, double &out) noexcept {
    if (s.empty()) return false;
    const char *b = s.data();
    const char *e = b + s.size();
    if (*b == '+') {
        ++b;
        if (b == e || *b == '-' || *b == '+') return false;
    }
    double v = 0;
    const auto [p, ec] = std::from_chars(b, e, v, std::chars_format::general);
    if (p != e) return false;
    if (ec == std::errc()) {
        out = v;
        return true;
    }
    if (ec == std::errc::result_out_of_range && is_underflow(std::string_view(b, static_cast<std::size_t>(e - b)))) {
        out = *b == '-' ? -0.0 : 0.0;
        return true;
    }
    return false;
}

bool parse_int(std::string_view s, std::int64_t &out) noexcept {
    if (s.empty()) return false;
    const char *b = s.data();
    const char *e = b + s.size();
    if (*b == '+') {
        ++b;
        if (b == e || *b == '-') return false;
    }
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(b, e, v, 10);
    if (ec != std::errc() || p != e) return false;
    out = v;
    return true;
}

}  // namespace subq::io
