// Big arrays on huge pages, or beyond a RAM budget in files: the allocator
// lives with the kernels (kernels/big_buffers.h), which use it for
// blocking's entries; core names it here. spill.h ColumnFiles opens its file
// scope on a SpillSpace.
#pragma once

#include "doppel/kernels/big_buffers.h"

namespace doppel::core {

using kernels::BigBufferFiles;
using kernels::HugePageAllocator;
using kernels::HugeVector;
using kernels::kHugePage;
using kernels::kHugePageMin;
namespace huge_pages = kernels::huge_pages;

}  // namespace doppel::core
