// MinHash signatures of token sets, for locality-sensitive blocking.
//
// Record i's tokens (already hashed to 64 bits) are tokens[offsets[i],
// offsets[i+1]); its signature is, for each of k hash functions, the minimum
// over its tokens of MinHashMix(token, function), truncated to 32 bits. Two
// sets agree on one signature entry with probability equal to their Jaccard
// similarity. A record without tokens gets all-ones.
#pragma once

#include <cstddef>
#include <cstdint>

#include "doppel/kernels/hash.h"

namespace doppel::kernels {

// Hash function j applied to a token hash.
DOPPEL_HD inline uint32_t MinHashMix(uint64_t token, uint32_t j) {
  return static_cast<uint32_t>(HashFinalize(token ^ (0x9E3779B97F4A7C15ULL * (j + 1))) >> 32);
}

}  // namespace doppel::kernels
