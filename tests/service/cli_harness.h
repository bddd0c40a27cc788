// Running the `doppel` binary from tests: its exit code, stdout and stderr.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "service/server_harness.h"

namespace doppel::testing {

struct Ran {
  int code = -1;
  std::string out, err;
};

// '…' around a path for the shell (built with append: GCC 12 warns falsely
// on "literal" + std::string temporaries).
inline std::string Quoted(const std::string& s) {
  std::string q(1, '\'');
  q.append(s).push_back('\'');
  return q;
}

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs `doppel ARGS` through the shell, with its output captured in `dir`.
inline Ran RunDoppel(const std::filesystem::path& dir, const std::string& args) {
  Ran r;
  std::string cmd = Quoted(DoppelPath());
  cmd.append(" ").append(args).append(" >").append(Quoted((dir / "out").string()));
  cmd.append(" 2>").append(Quoted((dir / "err").string()));
  int status = std::system(cmd.c_str());
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = Slurp(dir / "out");
  r.err = Slurp(dir / "err");
  return r;
}

}  // namespace doppel::testing
