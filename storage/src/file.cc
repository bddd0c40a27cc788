#include "doppel/storage/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace doppel::storage {
namespace {

std::string ErrnoText(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

class FileSource final : public core::ByteSource {
 public:
  FileSource(int fd, std::string path, uint64_t size, bool own)
      : fd_(fd), path_(std::move(path)), size_(size), own_(own) {}
  ~FileSource() override {
    if (own_) ::close(fd_);
  }
  Result<size_t> Read(char* buf, size_t n) override {
    while (true) {
      ssize_t got = ::read(fd_, buf, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno == EINTR) continue;
      return Status::IoError(ErrnoText("cannot read", path_));
    }
  }
  uint64_t size() const override { return size_; }
  std::string name() const override { return path_; }

 private:
  int fd_;
  std::string path_;
  uint64_t size_;
  bool own_;
};

}  // namespace

Result<std::unique_ptr<core::ByteSource>> OpenFileSource(const std::string& path) {
  if (path == "-") return std::unique_ptr<core::ByteSource>(new FileSource(0, "<stdin>", 0, false));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("no such file: " + path);
    return Status::IoError(ErrnoText("cannot open", path));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::IoError(ErrnoText("cannot stat", path));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + " is a directory, not a file");
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<core::ByteSource>(
      new FileSource(fd, path, S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0, true));
}

Result<std::string> ReadFile(const std::string& path) {
  DOPPEL_ASSIGN_OR_RETURN(auto source, OpenFileSource(path));
  std::string out;
  char buf[1 << 16];
  while (true) {
    DOPPEL_ASSIGN_OR_RETURN(size_t n, source->Read(buf, sizeof buf));
    if (n == 0) break;
    out.append(buf, n);
  }
  return out;
}

Result<std::unique_ptr<AtomicFile>> AtomicFile::Create(const std::string& path) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wbe");
  if (f == nullptr) return Status::IoError(ErrnoText("cannot create", tmp));
  std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
  return std::unique_ptr<AtomicFile>(new AtomicFile(path, tmp, f));
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    if (f_ != nullptr) std::fclose(f_);
    std::remove(tmp_.c_str());
  }
}


void AtomicFile::Write(std::string_view data) {
  if (failed_ || data.empty()) return;
  if (std::fwrite(data.data(), 1, data.size(), f_) != data.size()) failed_ = true;
}

Status AtomicFile::Sync() {
  if (committed_ || synced_) return Status::Internal("AtomicFile synced twice: " + path_);
  bool ok = !failed_ && std::fflush(f_) == 0 && ::fsync(::fileno(f_)) == 0;
  int saved = errno;
  bool closed = std::fclose(f_) == 0;
  f_ = nullptr;
  if (!ok || !closed) {
    errno = saved;
    std::string msg = ErrnoText("cannot write", tmp_);
    std::remove(tmp_.c_str());
    committed_ = true;  // nothing left to clean up
    return Status::IoError(msg);
  }
  synced_ = true;
  return Status::Ok();
}

Status AtomicFile::Publish() {
  if (!synced_ || committed_) return Status::Internal("AtomicFile published before Sync or twice: " + path_);
  committed_ = true;
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    std::string msg = ErrnoText("cannot rename into", path_);
    std::remove(tmp_.c_str());
    return Status::IoError(msg);
  }
  std::string dir = std::filesystem::path(path_).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

Status AtomicFile::Commit() {
  DOPPEL_RETURN_IF_ERROR(Sync());
  return Publish();
}

Status MakeDirs(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Status::IoError("cannot create directory " + path + ": " + ec.message());
  return Status::Ok();
}

bool PathExists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

}  // namespace doppel::storage
