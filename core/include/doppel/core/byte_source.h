// ByteSource: where the readers get their bytes from. The core never opens
// files itself; storage/ provides a file source, tests use MemorySource.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "doppel/core/status.h"

namespace doppel::core {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes into buf; 0 means end of input.
  virtual Result<size_t> Read(char* buf, size_t n) = 0;
  // Total size in bytes when known (for progress), else 0.
  virtual uint64_t size() const { return 0; }
  // A name for messages (a path, or "<memory>").
  virtual std::string name() const = 0;
};

// Reads from a string it owns; for tests and embedded samples.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string data, std::string name = "<memory>")
      : data_(std::move(data)), name_(std::move(name)) {}
  Result<size_t> Read(char* buf, size_t n) override {
    size_t k = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  uint64_t size() const override { return data_.size(); }
  std::string name() const override { return name_; }

 private:
  std::string data_;
  size_t pos_ = 0;
  std::string name_;
};

}  // namespace doppel::core
