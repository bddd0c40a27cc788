#include "doppel/storage/temp_files.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace doppel::storage {
namespace {

class TempFile final : public core::SpillFile {
 public:
  TempFile(int fd, std::string dir) : fd_(fd), dir_(std::move(dir)) {}
  ~TempFile() override {
    if (map_ != nullptr) ::munmap(map_, map_size_);
    ::close(fd_);
  }

  Status Append(const void* data, size_t bytes) override {
    const char* p = static_cast<const char*>(data);
    while (bytes > 0) {
      const ssize_t put = ::pwrite(fd_, p, bytes, static_cast<off_t>(size_));
      if (put < 0) {
        if (errno == EINTR) continue;
        return Status::IoError(Error("cannot write a temporary file in"));
      }
      p += put;
      bytes -= static_cast<size_t>(put);
      size_ += static_cast<uint64_t>(put);
    }
    return Status::Ok();
  }

  Status ReadAt(uint64_t offset, void* data, size_t bytes) const override {
    char* p = static_cast<char*>(data);
    while (bytes > 0) {
      const ssize_t got = ::pread(fd_, p, bytes, static_cast<off_t>(offset));
      if (got < 0) {
        if (errno == EINTR) continue;
        return Status::IoError(Error("cannot read a temporary file in"));
      }
      if (got == 0) return Status::Corruption("a temporary file in " + dir_ + " is shorter than what was written");
      p += got;
      bytes -= static_cast<size_t>(got);
      offset += static_cast<uint64_t>(got);
    }
    return Status::Ok();
  }

  Result<std::span<const char>> Map() override {
    if (map_ != nullptr) ::munmap(map_, map_size_);
    map_ = nullptr;
    map_size_ = size_;
    if (size_ == 0) return std::span<const char>();
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd_, 0);
    if (p == MAP_FAILED) return Status::IoError(Error("cannot map a temporary file in"));
    map_ = p;
    return std::span<const char>(static_cast<const char*>(p), size_);
  }

  void ReleaseMapped() override {
    if (map_ != nullptr) ::madvise(map_, map_size_, MADV_DONTNEED);  // a shared file map: the data stays in the file
  }

 private:
  std::string Error(const char* what) const { return std::string(what) + " " + dir_ + ": " + std::strerror(errno); }
  int fd_;
  std::string dir_;
  uint64_t size_ = 0;  // appends come from one thread at a time
  void* map_ = nullptr;
  size_t map_size_ = 0;
};

}  // namespace

Result<int> TempFileSpace::NewFileDescriptor() {
  int fd = -1;
#ifdef O_TMPFILE
  fd = ::open(dir_.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
  if (fd < 0) {
    // No O_TMPFILE here: a named file, unlinked at once.
    std::string name = dir_ + "/.doppel-spill-XXXXXX";
    std::vector<char> path(name.begin(), name.end());
    path.push_back('\0');
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd < 0) {
      return Status::IoError("cannot create a temporary file in " + dir_ + ": " + std::strerror(errno) +
                             " (set --spill-dir to a writable directory)");
    }
    ::unlink(path.data());
  }
  return fd;
}

Result<std::unique_ptr<core::SpillFile>> TempFileSpace::NewFile() {
  auto fd = NewFileDescriptor();
  if (!fd.ok()) return fd.status();
  return std::unique_ptr<core::SpillFile>(new TempFile(*fd, dir_));
}

}  // namespace doppel::storage
