// TempFileSpace: core::SpillSpace on disk, for pair lists over the memory
// budget.
//
// Each file is created unlinked in `dir` (O_TMPFILE, or mkstemp and an
// immediate unlink where the file system lacks it), so nothing is left
// behind when the process ends, however it ends. Appends are buffered;
// reads see everything appended before them.
#pragma once

#include <memory>
#include <string>

#include "doppel/core/spill.h"

namespace doppel::storage {

class TempFileSpace final : public core::SpillSpace {
 public:
  explicit TempFileSpace(std::string dir) : dir_(std::move(dir)) {}
  Result<std::unique_ptr<core::SpillFile>> NewFile() override;
  Result<int> NewFileDescriptor() override;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace doppel::storage
