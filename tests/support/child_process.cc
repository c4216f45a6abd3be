#include "support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <stdexcept>

#include "support/http_client.h"
#include "support/scratch.h"

extern char** environ;

namespace fs = std::filesystem;

namespace redwire::testing {

ChildProcess::ChildProcess(const std::string& program, const std::vector<std::string>& args, const fs::path& log,
                           const ChildOptions& options)
    : log_(log) {
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) {
    const std::string var = *e;
    static const char* kDropped[] = {"NOTIFY_SOCKET=", "LISTEN_", "WATCHDOG_", "JOURNAL_STREAM="};
    bool drop = false;
    for (const char* d : kDropped) drop = drop || var.rfind(d, 0) == 0;
    if (!drop) envs.push_back(var);
  }
  // Room for the pid digits, filled in after fork without allocating.
  std::vector<std::size_t> pid_slots;
  for (const auto& e : options.env) {
    if (e.size() > 4 && e.compare(e.size() - 4, 4, "@pid") == 0) {
      pid_slots.push_back(envs.size());
      envs.push_back(e.substr(0, e.size() - 4) + std::string(20, '\0'));
    } else {
      envs.push_back(e);
    }
  }
  std::vector<char*> envp;
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_storage = args;
  argv_storage.insert(argv_storage.begin(), program);
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("ChildProcess: cannot open " + log.string());
  const int null_fd = options.stderr_to_log ? -1 : open("/dev/null", O_WRONLY | O_CLOEXEC);
  const int pass_fd = options.pass_fd;

  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("ChildProcess: fork failed");
  if (pid_ == 0) {
    // Only async-signal-safe calls from here on.
    char digits[20];
    int n = 0;
    for (pid_t p = getpid(); p > 0; p /= 10) digits[n++] = static_cast<char>('0' + p % 10);
    for (std::size_t slot : pid_slots) {
      char* value = std::strchr(envp[slot], '=') + 1;
      for (int i = 0; i < n; ++i) value[i] = digits[n - 1 - i];
      value[n] = '\0';
    }
    if (pass_fd >= 0) {
      if (pass_fd == 3) {
        fcntl(3, F_SETFD, 0);
      } else {
        dup2(pass_fd, 3);
      }
    }
    dup2(log_fd, 1);
    dup2(null_fd >= 0 ? null_fd : log_fd, 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  if (null_fd >= 0) close(null_fd);
}

ChildProcess::~ChildProcess() { Kill(); }

void ChildProcess::Signal(int signo) const {
  if (pid_ > 0) kill(pid_, signo);
}

void ChildProcess::Kill() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

bool ChildProcess::Running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

int ChildProcess::Wait(std::chrono::milliseconds limit) {
  int status = 0;
  if (pid_ <= 0) return -1;
  if (!WaitFor([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, limit, std::chrono::milliseconds(20))) {
    return -1;
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ChildProcess::log() const { return ReadFile(log_); }

RunResult RunToEnd(const std::string& program, const std::vector<std::string>& args, const ChildOptions& options,
                   std::chrono::milliseconds limit) {
  const fs::path log = fs::temp_directory_path() / ("redwire-run-" + std::to_string(std::random_device{}()));
  RunResult r;
  {
    ChildProcess child(program, args, log, options);
    r.code = child.Wait(limit);
    r.output = child.log();
  }
  fs::remove(log);
  return r;
}

namespace {

std::vector<std::string> RunArgs(const fs::path& config, const fs::path& state, unsigned short port,
                                 const std::vector<std::string>& extra) {
  std::vector<std::string> args{"run", "--config", config.string(), "--state", state.string(),
                                "--listen", "127.0.0.1:" + std::to_string(port)};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

DaemonProcess::DaemonProcess(const std::string& binary, const fs::path& config, const fs::path& state,
                             unsigned short port, const fs::path& log, const std::vector<std::string>& extra_args)
    : port_(port), child_(binary, RunArgs(config, state, port, extra_args), log) {}

std::string DaemonProcess::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

bool DaemonProcess::WaitServing(std::chrono::milliseconds limit) const {
  return WaitFor([&] { return HttpGet(url("/")).status == 200; }, limit);
}

int DaemonProcess::Terminate(std::chrono::milliseconds limit) {
  child_.Signal(SIGTERM);
  return child_.Wait(limit);
}

}  // namespace redwire::testing
