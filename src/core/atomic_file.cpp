#include "core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "core/error.hpp"

namespace subq {
namespace {

[[noreturn]] void fail_io(const std::string &target, const std::string &what) {
    fail(SUBQ_ERR_IO, "'" + target + "': " + what);
}

std::string errno_text(int err) { return std::strerror(err); }

std::string parent_dir(const std::string &path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

}  // namespace

AtomicFile::AtomicFile(const std::string &target) : target_(target) {
    if (target.empty()) fail(SUBQ_ERR_IO, "the file name is empty");
    if (target.back() == '/') fail_io(target, "is a directory name");
    static std::atomic<std::uint64_t> counter{0};
    const std::string dir = parent_dir(target);
    const auto stamp = static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (int attempt = 0; attempt < 100; ++attempt) {
        const std::uint64_t k = counter.fetch_add(1);
        char name[96];
        std::snprintf(name, sizeof name, "/.subq-%ld-%llu-%llx.tmp", static_cast<long>(::getpid()),
                      static_cast<unsigned long long>(k), static_cast<unsigned long long>(stamp & 0xffffffffu));
        path_ = dir + name;
        fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd_ >= 0) return;
        if (errno != EEXIST && errno != EINTR) break;
    }
    const int err = errno;
    path_.clear();
    fail_io(target_, "cannot create a temporary file in '" + dir + "': " + errno_text(err));
}

AtomicFile::~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
}

void AtomicFile::write(const void *data, std::size_t n) {
    const char *p = static_cast<const char *>(data);
    while (n > 0) {
        const ssize_t w = ::write(fd_, p, std::min<std::size_t>(n, std::size_t{1} << 30));
        if (w < 0) {
            const int err = errno;
            if (err == EINTR) continue;
            fail_io(target_, "cannot write the temporary file '" + path_ + "': " + errno_text(err));
        }
        p += w;
        n -= static_cast<std::size_t>(w);
    }
}

void AtomicFile::commit() {
    if (::fsync(fd_) != 0) {
        const int err = errno;
        if (err != EINVAL && err != EROFS)
            fail_io(target_, "cannot flush the temporary file '" + path_ + "': " + errno_text(err));
    }
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
        const int err = errno;
        fail_io(target_, "cannot close the temporary file '" + path_ + "': " + errno_text(err));
    }
    if (::rename(path_.c_str(), target_.c_str()) != 0) {
        const int err = errno;
        fail_io(target_, "cannot rename the temporary file into place: " + errno_text(err));
    }
    path_.clear();  // now owned by the target name
}

}  // namespace subq
