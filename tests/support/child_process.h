// The redwire binary (or any program) as a child process of a test: its
// output in a log file, its environment the test's minus systemd's, killed
// on destruction so a failed test leaves nothing running.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace redwire::testing {

struct ChildOptions {
  // Added to the environment; "NAME=@pid" gets the child's own pid, as
  // systemd sets LISTEN_PID and WATCHDOG_PID.
  std::vector<std::string> env;
  int pass_fd = -1;             // becomes the child's fd 3 (socket activation)
  bool stderr_to_log = true;    // false: stderr goes to /dev/null, the log has stdout only
};

class ChildProcess {
 public:
  // Starts `program` with `args` (argv[1..]); stdout (and stderr) append to `log`.
  ChildProcess(const std::string& program, const std::vector<std::string>& args, const std::filesystem::path& log,
               const ChildOptions& options = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int signo) const;
  bool Running() const;
  void Kill();  // SIGKILL, and reaped
  // The exit status (128 + signal for a signal), or -1 when the child has
  // not exited within `limit`.
  int Wait(std::chrono::milliseconds limit);
  std::string log() const;

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_;
};

struct RunResult {
  int code = -1;
  std::string output;
};

// Runs `program` to its end (at most `limit`, then it is killed: code -1).
RunResult RunToEnd(const std::string& program, const std::vector<std::string>& args,
                   const ChildOptions& options = {},
                   std::chrono::milliseconds limit = std::chrono::milliseconds(20000));

// `redwire run` on 127.0.0.1:PORT with a config and a state directory.
class DaemonProcess {
 public:
  DaemonProcess(const std::string& binary, const std::filesystem::path& config, const std::filesystem::path& state,
                unsigned short port, const std::filesystem::path& log,
                const std::vector<std::string>& extra_args = {});

  std::string url(const std::string& path) const;
  bool WaitServing(std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) const;
  bool Running() const { return child_.Running(); }
  void Signal(int signo) const { child_.Signal(signo); }
  void Kill() { child_.Kill(); }
  pid_t pid() const { return child_.pid(); }
  // SIGTERM, then the exit status (or -1 if it did not exit within `limit`).
  // Under the sanitizers a leak at exit makes the status non-zero.
  int Terminate(std::chrono::milliseconds limit);
  std::string log() const { return child_.log(); }

 private:
  unsigned short port_;
  ChildProcess child_;
};

}  // namespace redwire::testing
