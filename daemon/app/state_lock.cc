#include "daemon/app/state_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

namespace redwire::app {
namespace {

constexpr const char* kLockName = "/redwire.lock";
constexpr std::size_t kMaxLockFile = 4096;

std::string ReadAll(int fd) {
  std::string text;
  char buffer[512];
  off_t at = 0;
  for (ssize_t n; text.size() < kMaxLockFile && (n = pread(fd, buffer, sizeof buffer, at)) > 0; at += n) {
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

// "pid 12\ncommand run\nurl http://127.0.0.1:8080\n"
LockHolder ParseHolder(const std::string& text) {
  LockHolder holder;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const auto space = line.find(' ');
    if (space == std::string::npos) continue;
    const std::string key = line.substr(0, space), value = line.substr(space + 1);
    if (key == "pid") holder.pid = std::atol(value.c_str());
    else if (key == "command") holder.command = value;
    else if (key == "url") holder.url = value;
  }
  return holder;
}

std::string Describe(const LockHolder& holder) {
  std::string out = "redwire " + (holder.command.empty() ? std::string("(unknown command)") : holder.command);
  if (holder.pid > 0) out += " (pid " + std::to_string(holder.pid) + ")";
  return out;
}

}  // namespace

Result<std::unique_ptr<StateLock>> StateLock::Acquire(const std::string& state_dir, const std::string& command) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) return Error{"cannot create state directory " + state_dir + ": " + ec.message(), ErrorCode::kIo};
  const std::string path = state_dir + kLockName;
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Error{path + ": " + std::strerror(errno), ErrorCode::kIo};
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int why = errno;
    const LockHolder holder = ParseHolder(ReadAll(fd));
    close(fd);
    if (why == EWOULDBLOCK) return Error{state_dir + " is in use by " + Describe(holder), ErrorCode::kBusy};
    return Error{path + ": cannot lock: " + std::strerror(why), ErrorCode::kIo};
  }
  std::unique_ptr<StateLock> lock(new StateLock(fd, command));
  if (auto st = lock->Write(""); !st.ok()) return st.error();
  return lock;
}

StateLock::~StateLock() {
  close(fd_);  // releases the flock
}

Status StateLock::Announce(const std::string& url) { return Write(url); }

Status StateLock::Write(const std::string& url) {
  std::string text = "pid " + std::to_string(getpid()) + "\ncommand " + command_ + "\n";
  if (!url.empty()) text += "url " + url + "\n";
  if (ftruncate(fd_, 0) != 0 || pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    return Error{std::string("redwire.lock: cannot write: ") + std::strerror(errno), ErrorCode::kIo};
  }
  return Ok{};
}

std::optional<LockHolder> FindHolder(const std::string& state_dir) {
  const std::string path = state_dir + kLockName;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<LockHolder> holder;
  if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
    flock(fd, LOCK_UN);
  } else if (errno == EWOULDBLOCK) {
    holder = ParseHolder(ReadAll(fd));
  }
  close(fd);
  return holder;
}

}  // namespace redwire::app
