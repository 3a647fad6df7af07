// Helpers shared by the I/O tests: test file paths, writing raw and gzip'd bytes, IDX/npy builders, and an
// assertion that a call fails with a given status and message parts.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace subq_io_test {

using Bytes = std::vector<unsigned char>;

inline std::string data_path(const std::string &name) { return std::string(SUBQ_TEST_DATA_DIR) + "/io/" + name; }

// A fresh directory for the running test: <SUBQ_TEST_TMP_DIR>/io-<pid>-<suite>.<test>/ (removed and recreated).
inline std::string test_dir() {
    const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string dir = std::string(SUBQ_TEST_TMP_DIR) + "/io-" + std::to_string(::getpid()) + "-" +
                            info->test_suite_name() + "." + info->name();
    static std::string made;
    if (made != dir) {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        made = dir;
    }
    return dir;
}
inline std::string tmp_path(const std::string &name) { return test_dir() + "/" + name; }

inline void write_bytes(const std::string &path, const Bytes &b) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char *>(b.data()), static_cast<std::streamsize>(b.size()));
    ASSERT_TRUE(f.good()) << path;
}
inline void write_text(const std::string &path, const std::string &s) {
    write_bytes(path, Bytes(s.begin(), s.end()));
}
inline Bytes read_bytes(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    return Bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// gzip (RFC 1952) bytes of `b`, from zlib.
inline Bytes gzip_bytes(const Bytes &b) {
    z_stream s{};
    EXPECT_EQ(deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    Bytes out(deflateBound(&s, static_cast<uLong>(b.size())) + 64);
    s.next_in = const_cast<unsigned char *>(b.data());
    s.avail_in = static_cast<uInt>(b.size());
    s.next_out = out.data();
    s.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
    out.resize(s.total_out);
    deflateEnd(&s);
    return out;
}

inline void put_be32(Bytes &b, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(v >> s));
}

// An IDX file: magic (type, dims) and the payload.
inline Bytes idx_bytes(unsigned char type, std::initializer_list<std::uint32_t> dims, const Bytes &payload) {
    Bytes b{0, 0, type, static_cast<unsigned char>(dims.size())};
    for (auto d : dims) put_be32(b, d);
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

// Deterministic pseudo-random pixels (so that gzip cannot compress them to nothing).
inline Bytes pixels(std::size_t n, std::uint32_t seed = 12345) {
    Bytes b(n);
    std::uint32_t x = seed;
    for (auto &v : b) {
        x = x * 1664525u + 1013904223u;
        v = static_cast<unsigned char>(x >> 24);
    }
    return b;
}

// A .npy file with the given header dict text (padded as NumPy does) and payload.
inline Bytes npy_bytes(const std::string &dict, const Bytes &payload, int major = 1) {
    const std::size_t pre = major == 1 ? 10 : 12;
    std::string h = dict;
    const std::size_t total = pre + h.size() + 1;
    h.append((64 - total % 64) % 64, ' ');
    h.push_back('\n');
    // Sized once and filled by index: growing or inserting into the vector draws a false -Wstringop-overflow from
    // GCC 12 at -O3 -march=native (SUBQ_NATIVE with SUBQ_WERROR).
    Bytes b(pre + h.size() + payload.size());
    std::size_t at = 0;
    const auto put = [&](unsigned char c) { b[at++] = c; };
    for (char c : std::string("\x93NUMPY")) put(static_cast<unsigned char>(c));
    put(static_cast<unsigned char>(major));
    put(0);
    const std::size_t len = h.size();
    for (std::size_t i = 0; i < pre - 8; ++i)
        put(static_cast<unsigned char>((len >> (8 * i)) & 0xff));  // little-endian
    for (char c : h) put(static_cast<unsigned char>(c));
    for (unsigned char c : payload) put(c);
    return b;
}

inline Bytes f64_le(std::initializer_list<double> v) {
    Bytes b(v.size() * 8);
    std::size_t k = 0;
    for (double x : v) {
        std::memcpy(b.data() + 8 * k, &x, 8);
        ++k;
    }
    return b;
}

// Runs `f`, expecting subq::Error with `status` and a message containing every part.
inline void expect_error(const std::function<void()> &f, subq_status status,
                         std::initializer_list<std::string> parts) {
    try {
        f();
        ADD_FAILURE() << "expected an error with status " << status << ", but the call succeeded";
    } catch (const subq::Error &e) {
        EXPECT_EQ(e.status(), status) << e.what();
        for (const auto &p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos)
                << "message \"" << e.what() << "\" lacks \"" << p << "\"";
    }
}

// Names of the entries in a directory.
inline std::vector<std::string> dir_entries(const std::string &dir) {
    std::vector<std::string> out;
    for (const auto &e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
    return out;
}

}  // namespace subq_io_test
