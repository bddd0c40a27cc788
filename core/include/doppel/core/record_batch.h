// The columnar record model: a batch of rows as one array per column.
//
// Strings are stored Arrow-style as one byte buffer plus offsets, so a column
// can be handed to a kernel as two spans without copying. A RecordBatch owns
// its memory; batches are produced by the readers (reader.h) a chunk at a time
// so that files of any size stream through in bounded memory. Not thread-safe
// for writing; concurrent reads are fine.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "doppel/core/huge_pages.h"

namespace doppel::core {

// A column of UTF-8 strings: bytes + offsets (offsets.size() == size() + 1).
// A whole table's columns are read at random by matching: their big buffers
// sit on huge pages (huge_pages.h); a batch's small ones do not.
class StringColumn {
 public:
  StringColumn() : offsets_{0} {}

  size_t size() const { return offsets_.size() - 1; }
  bool empty() const { return size() == 0; }
  std::string_view Get(size_t i) const {
    return std::string_view(bytes_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  std::string_view operator[](size_t i) const { return Get(i); }
  // Cache hints for a Get(i) to come: the offsets first, the bytes once
  // those are in (they are read to find them).
  void PrefetchOffsets(size_t i) const { __builtin_prefetch(offsets_.data() + i); }
  void PrefetchBytes(size_t i) const { __builtin_prefetch(bytes_.data() + offsets_[i]); }

  void Append(std::string_view s) {
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    offsets_.push_back(bytes_.size());
  }
  // Drops the values after the first n.
  void Truncate(size_t n) {
    offsets_.resize(n + 1);
    bytes_.resize(offsets_.back());
  }
  void Clear() {
    bytes_.clear();
    offsets_.assign(1, 0);
  }

  std::span<const char> bytes() const { return bytes_; }
  std::span<const uint64_t> offsets() const { return offsets_; }
  size_t byte_size() const { return bytes_.size(); }

 private:
  HugeVector<char> bytes_;
  HugeVector<uint64_t> offsets_;
};

// One batch of input rows. Every column has num_rows() values; a missing
// value is an empty string. line(i) is the 1-based physical line where row i
// starts in its file and ordinal(i) its 0-based position among data rows
// (rejected rows included), which makes a stable id when the file has none.
struct RecordBatch {
  std::vector<std::string> column_names;
  std::vector<StringColumn> columns;
  std::vector<uint64_t> lines;
  std::vector<uint64_t> ordinals;

  size_t num_rows() const { return lines.size(); }
  size_t num_columns() const { return columns.size(); }
  std::string_view Value(size_t row, size_t column) const {
    return column < columns.size() ? columns[column].Get(row) : std::string_view();
  }
  size_t byte_size() const {
    size_t n = 0;
    for (const auto& c : columns) n += c.byte_size();
    return n;
  }
  void Clear() {
    for (auto& c : columns) c.Clear();
    lines.clear();
    ordinals.clear();
  }
};

}  // namespace doppel::core
