// MinHash signatures of token sets, for locality-sensitive blocking.
//
// Record i's tokens (already hashed to 64 bits) are tokens[offsets[i],
// offsets[i+1]); its signature is, for each of k hash functions, the minimum
// over its tokens of MinHashMix(token, function). Two sets agree on one
// signature entry with probability close to their Jaccard similarity. A
// record without tokens gets all-ones.
//
// The functions are 32-bit: MurmurHash3's fmix32 of the token folded to 32
// bits, xor a salt per function. fmix32 is a bijection with full avalanche,
// so each function orders the tokens as an independent-looking permutation
// would. 32-bit lanes hold twice the functions of 64-bit ones, with native
// multiplies on every SIMD target. (Signatures before fuzzy-key version 2
// used the top half of fmix64; storage re-keys such databases on open.)
#pragma once

#include <cstddef>
#include <cstdint>

#include "doppel/kernels/hash.h"

namespace doppel::kernels {

// Function j's salt: the golden-ratio sequence, distinct for every j.
DOPPEL_HD inline uint32_t MinHashSalt(uint32_t j) { return 0x9E3779B9u * (j + 1); }

// A 64-bit token hash folded to the 32 bits the functions take.
DOPPEL_HD inline uint32_t MinHashFold(uint64_t token) { return static_cast<uint32_t>(token ^ (token >> 32)); }

// MurmurHash3's 32-bit finalizer.
DOPPEL_HD inline uint32_t Fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  return h;
}

// Hash function j applied to a token hash.
DOPPEL_HD inline uint32_t MinHashMix(uint64_t token, uint32_t j) { return Fmix32(MinHashFold(token) ^ MinHashSalt(j)); }

}  // namespace doppel::kernels
