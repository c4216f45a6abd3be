// What tests that run the daemon share: a scratch directory, a free port,
// a file's bytes, and waiting for a condition with a limit.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace redwire::testing {

// A fresh directory under the system temp dir with a config/ inside;
// removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "redwire-test-");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::filesystem::path path;
  std::filesystem::path config() const { return path / "config"; }
  std::filesystem::path state() const { return path / "state"; }
};

std::string ReadFile(const std::filesystem::path& file);  // "" when unreadable

// A loopback port nothing listens on now (bound, read, closed).
unsigned short FreePort();

// Polls `done` every `step` until it holds or `limit` passes; its last answer.
bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds limit,
             std::chrono::milliseconds step = std::chrono::milliseconds(50));

}  // namespace redwire::testing
