// Files: a streaming ByteSource over a path (or stdin) and atomic writes.
//
// AtomicFile writes to "<path>.tmp.<pid>" and, on Commit(), flushes it to
// disk (fsync), renames it over <path> and syncs the directory, so a reader
// sees either the old file or the whole new one, never a torn write. A file
// that was never committed is removed by the destructor.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "doppel/core/byte_source.h"
#include "doppel/core/status.h"

namespace doppel::storage {

// Opens `path` for streaming reads; "-" reads standard input.
Result<std::unique_ptr<core::ByteSource>> OpenFileSource(const std::string& path);

// Reads a whole (small) file: configs, lists.
Result<std::string> ReadFile(const std::string& path);

class AtomicFile {
 public:
  static Result<std::unique_ptr<AtomicFile>> Create(const std::string& path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  // Buffered append; errors surface in Commit().
  void Write(std::string_view data);
  // Flushes and fsyncs the temporary file (the step that can run out of
  // space); the file is not visible yet.
  Status Sync();
  // Renames the synced file into place and fsyncs the directory.
  Status Publish();
  // Sync() then Publish(). To replace several files together, Sync() them
  // all first so that a full disk leaves every old file in place.
  Status Commit();
  const std::string& path() const { return path_; }

 private:
  AtomicFile(std::string path, std::string tmp, std::FILE* f) : path_(std::move(path)), tmp_(std::move(tmp)), f_(f) {}
  std::string path_, tmp_;
  std::FILE* f_;
  bool failed_ = false;
  bool synced_ = false;
  bool committed_ = false;
};

// Creates a directory and its parents (like mkdir -p).
Status MakeDirs(const std::string& path);
bool PathExists(const std::string& path);

}  // namespace doppel::storage
