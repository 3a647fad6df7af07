// Writing a file atomically: the data go to a temporary file in the target's directory, which is flushed and
// renamed over the target only by commit(). Destroying an AtomicFile that was not committed removes the temporary
// file, so the target holds either its old content or the complete new one, never a partial file.
#pragma once

#include <cstddef>
#include <string>

namespace subq {

class AtomicFile {
public:
    // Creates the temporary file; SUBQ_ERR_IO "'<target>': ..." if it cannot.
    explicit AtomicFile(const std::string &target);
    ~AtomicFile();
    AtomicFile(const AtomicFile &) = delete;
    AtomicFile &operator=(const AtomicFile &) = delete;

    void write(const void *data, std::size_t n);  // SUBQ_ERR_IO on failure
    void commit();                                // fsync, close, rename over the target

private:
    std::string target_, path_;
    int fd_ = -1;
};

}  // namespace subq
