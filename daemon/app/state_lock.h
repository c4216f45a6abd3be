// StateLock: one process writes a state directory at a time. `redwire run`
// and `redwire poll --once` hold an flock(2) on STATE/redwire.lock while they
// write STATE/redwire.db; the file also says who holds it and, for a daemon,
// where it takes control requests (POST /sources/ID/poll). The kernel drops
// the lock when the process dies, so a crash never leaves a stale lock.
// Private to app/: other modules reach it through daemon/app/app.h.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "model/result.h"

namespace redwire::app {

struct LockHolder {
  long pid = 0;
  std::string command;  // "run", "poll --once"
  std::string url;      // the daemon's HTTP base URL; empty until it listens
};

class StateLock {
 public:
  // Creates `state_dir` if needed and takes the lock for `command`. Fails,
  // naming the holder, when another process has it.
  static Result<std::unique_ptr<StateLock>> Acquire(const std::string& state_dir, const std::string& command);
  ~StateLock();  // releases the lock; the file stays
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

  // Records the holder's HTTP base URL, e.g. "http://127.0.0.1:8080".
  Status Announce(const std::string& url);

 private:
  StateLock(int fd, std::string command) : fd_(fd), command_(std::move(command)) {}
  Status Write(const std::string& url);

  int fd_;
  std::string command_;
};

// Who holds `state_dir`'s lock now; nullopt when nobody does (or there is no
// lock file yet).
std::optional<LockHolder> FindHolder(const std::string& state_dir);

}  // namespace redwire::app
