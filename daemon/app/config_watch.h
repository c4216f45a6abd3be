// ConfigWatcher: inotify on the configuration directory. Any *.toml file
// written, created, renamed or deleted there (editors often save by rename)
// arms a debounce timer; `changed` runs once the directory has been quiet
// for the debounce delay, so a burst of saves gives one reload.
// Private to app/.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <string>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include "model/result.h"

namespace redwire::app {

class ConfigWatcher {
 public:
  // Loop thread only. `changed` runs on the loop.
  ConfigWatcher(asio::io_context& io, std::string dir, std::chrono::milliseconds debounce,
                std::function<void()> changed);
  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;

  // Fails when inotify is unavailable or the directory cannot be watched;
  // the daemon then still reloads on SIGHUP.
  Status Start();
  // Cancels the watch and a pending debounce; `changed` does not run again.
  void Stop();

 private:
  void Read();
  void Handle(std::size_t bytes);

  std::string dir_;
  std::chrono::milliseconds debounce_;
  std::function<void()> changed_;
  asio::posix::stream_descriptor stream_;
  asio::steady_timer timer_;
  alignas(8) std::array<char, 8192> buffer_{};
  bool stopped_ = false;
};

}  // namespace redwire::app
