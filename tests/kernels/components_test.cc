// Connected components (components.h): every backend's labels against a
// breadth-first search, on graphs that take a hooking algorithm many rounds
// (long chains numbered against the edges' order) as well as random ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "doppel/kernels/backend.h"
#include "doppel/kernels/components.h"

namespace doppel::kernels {
namespace {

// The smallest vertex of each vertex's component, by search from the
// vertices in increasing order.
std::vector<uint32_t> SearchLabels(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b, uint32_t n) {
  std::vector<std::vector<uint32_t>> adj(n);
  for (size_t i = 0; i < a.size(); ++i) adj[a[i]].push_back(b[i]), adj[b[i]].push_back(a[i]);
  std::vector<uint32_t> label(n, UINT32_MAX);
  for (uint32_t s = 0; s < n; ++s) {
    if (label[s] != UINT32_MAX) continue;
    std::queue<uint32_t> q;
    label[s] = s;
    q.push(s);
    while (!q.empty()) {
      const uint32_t v = q.front();
      q.pop();
      for (uint32_t w : adj[v]) {
        if (label[w] == UINT32_MAX) label[w] = s, q.push(w);
      }
    }
  }
  return label;
}

void ExpectLabels(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b, uint32_t n, const std::string& what) {
  const std::vector<uint32_t> want = SearchLabels(a, b, n);
  for (Backend be : {Backend::kReference, Backend::kSimd}) {
    std::vector<uint32_t> got(n, 12345);
    GetKernels(be).components(a.data(), b.data(), a.size(), n, got.data());
    ASSERT_EQ(got, want) << what << " on " << BackendName(be);
  }
}

TEST(Components, LabelsAreEachComponentsSmallestVertex) {
  ExpectLabels({}, {}, 0, "empty");
  ExpectLabels({}, {}, 5, "no edges");
  ExpectLabels({3, 3, 4}, {3, 1, 1}, 6, "a self-loop and a path");
  // A chain whose edges come from its far end: each edge joins two
  // vertices numbered far apart.
  const uint32_t n = 5000;
  std::vector<uint32_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0u);
  std::mt19937_64 rng(11);
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<uint32_t> a, b;
  for (uint32_t i = n - 1; i > 0; --i) a.push_back(perm[i]), b.push_back(perm[i - 1]);
  ExpectLabels(a, b, n, "a shuffled chain");
  std::reverse(a.begin(), a.end());
  std::swap(a, b);
  ExpectLabels(a, b, n, "the chain, the other way");
  // A star, edges repeated both ways.
  a.clear(), b.clear();
  for (uint32_t v = 1; v < 100; ++v) a.push_back(v), b.push_back(0), a.push_back(0), b.push_back(v);
  ExpectLabels(a, b, 100, "a star");
}

TEST(Components, RandomGraphsMatchSearch) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (uint32_t n : {1u, 2u, 17u, 1000u, 50000u}) {
    for (double per_vertex : {0.1, 0.5, 1.0, 3.0}) {
      const size_t m = static_cast<size_t>(n * per_vertex);
      std::vector<uint32_t> a(m), b(m);
      for (size_t i = 0; i < m; ++i) a[i] = rng() % n, b[i] = rng() % n;
      ExpectLabels(a, b, n, "n " + std::to_string(n) + " m " + std::to_string(m));
    }
  }
}

}  // namespace
}  // namespace doppel::kernels
