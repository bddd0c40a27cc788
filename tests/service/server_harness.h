// Starts a real doppeld on 127.0.0.1 with a free port and a temporary
// database, for the service tests.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace doppel::testing {

inline std::string DoppeldPath() {
  const char* env = std::getenv("DOPPELD");
  return env ? env : DOPPELD_PATH;
}

inline std::string DoppelPath() {
  const char* env = std::getenv("DOPPEL_CLI");
  return env ? env : DOPPEL_CLI_PATH;
}

class ServerProcess {
 public:
  ServerProcess(std::string db, std::vector<std::string> extra = {}, std::string listen = "tcp://127.0.0.1:*")
      : db_(std::move(db)), extra_(std::move(extra)), listen_(std::move(listen)) {}
  ~ServerProcess() { Kill(); }

  // Starts doppeld and waits until it listens; false when it did not.
  bool Start() {
    std::string endpoint_file = db_ + ".endpoint";
    std::filesystem::remove(endpoint_file);
    std::vector<std::string> args = {DoppeldPath(), "--db", db_, "--listen", listen_, "--endpoint-file", endpoint_file};
    args.insert(args.end(), extra_.begin(), extra_.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    std::string log = db_ + ".log";
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return false;
    for (int i = 0; i < 500; ++i) {  // up to 10 s
      std::ifstream f(endpoint_file);
      if (f >> endpoint_ && !endpoint_.empty()) return true;
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // SIGTERM and wait; returns the exit code (-1 when it did not exit cleanly).
  int Stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  bool Alive() const {
    return pid_ > 0 && ::kill(pid_, 0) == 0;
  }
  const std::string& endpoint() const { return endpoint_; }
  std::string Log() const {
    std::ifstream f(db_ + ".log");
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

 private:
  std::string db_;
  std::vector<std::string> extra_;
  std::string listen_;
  std::string endpoint_;
  pid_t pid_ = -1;
};

}  // namespace doppel::testing
