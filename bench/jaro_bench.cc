// Jaro-Winkler over a file of string pairs ("left<TAB>right" per line) on
// each kernel backend, one thread, best of several runs; prints JSON. The
// pairs come from bench/rapidfuzz_compare.py, which times rapidfuzz on the
// same file, so the two figures are comparable.
//
//   jaro_bench PAIRS.tsv [--runs 5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "doppel/kernels/backend.h"
#include "doppel/kernels/jaro.h"

int main(int argc, char** argv) {
  using namespace doppel::kernels;
  if (argc < 2 || std::string(argv[1]) == "--help") {
    std::fprintf(stderr, "usage: jaro_bench PAIRS.tsv [--runs N]\n");
    return argc < 2 ? 2 : 0;
  }
  int runs = 5;
  if (argc >= 4 && std::string(argv[2]) == "--runs") runs = std::max(1, std::atoi(argv[3]));
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "jaro_bench: cannot read %s\n", argv[1]);
    return 1;
  }
  std::string bytes;
  std::vector<uint64_t> offsets{0};
  std::vector<uint32_t> left, right;
  std::string line;
  while (std::getline(in, line)) {
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    for (const std::string& s : {line.substr(0, tab), line.substr(tab + 1)}) {
      bytes += s;
      offsets.push_back(bytes.size());
    }
    left.push_back(static_cast<uint32_t>(offsets.size() - 3));
    right.push_back(static_cast<uint32_t>(offsets.size() - 2));
  }
  const size_t n = left.size();
  std::printf("{\"pairs\": %zu, \"cpu_target\": \"%s\", \"backends\": {", n, CpuTargetName().c_str());
  bool first = true;
  for (Backend b : {Backend::kReference, Backend::kSimd, Backend::kCuda}) {
    if (!BackendAvailable(b)) continue;
    const KernelTable& k = GetKernels(b);
    std::vector<JaroCounts> out(n);
    double best = 1e300;
    for (int r = 0; r < runs; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      k.jaro_pairs(bytes.data(), offsets.data(), left.data(), right.data(), n, out.data());
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    double sum = 0;  // a checksum to compare with rapidfuzz's similarities
    for (const JaroCounts& c : out) sum += JaroWinkler(c);
    std::printf("%s\"%s\": {\"seconds\": %.6f, \"pairs_per_second\": %.0f, \"similarity_sum\": %.6f}",
                first ? "" : ", ", k.name, best, n / best, sum);
    first = false;
  }
  std::printf("}}\n");
  return 0;
}
