#include "daemon/app/config_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include <spdlog/spdlog.h>

namespace redwire::app {

ConfigWatcher::ConfigWatcher(asio::io_context& io, std::string dir, std::chrono::milliseconds debounce,
                             std::function<void()> changed)
    : dir_(std::move(dir)), debounce_(debounce), changed_(std::move(changed)), stream_(io), timer_(io) {}

Status ConfigWatcher::Start() {
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return Error{std::string("inotify: ") + std::strerror(errno)};
  constexpr std::uint32_t kMask = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                  IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
  if (inotify_add_watch(fd, dir_.c_str(), kMask) < 0) {
    const int err = errno;
    ::close(fd);
    return Error{"inotify: cannot watch " + dir_ + ": " + std::strerror(err)};
  }
  std::error_code ec;
  stream_.assign(fd, ec);
  if (ec) {
    ::close(fd);
    return Error{"inotify: " + ec.message()};
  }
  Read();
  return Ok{};
}

void ConfigWatcher::Stop() {
  stopped_ = true;
  timer_.cancel();
  std::error_code ignored;
  stream_.close(ignored);
}

void ConfigWatcher::Read() {
  stream_.async_read_some(asio::buffer(buffer_), [this](const std::error_code& ec, std::size_t bytes) {
    if (stopped_ || ec == asio::error::operation_aborted) return;
    if (ec) {
      spdlog::warn("config: watching {} stopped: {}; reload with SIGHUP", dir_, ec.message());
      return;
    }
    Handle(bytes);
    Read();
  });
}

void ConfigWatcher::Handle(std::size_t bytes) {
  bool relevant = false;
  for (std::size_t off = 0; off + sizeof(inotify_event) <= bytes;) {
    const auto* event = reinterpret_cast<const inotify_event*>(buffer_.data() + off);
    off += sizeof(inotify_event) + event->len;
    if (event->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
      spdlog::warn("config: {} was removed or moved; reload with SIGHUP once it is back", dir_);
      continue;
    }
    if (event->mask & IN_Q_OVERFLOW) {
      relevant = true;  // events were lost: assume one of them mattered
      continue;
    }
    if (event->len == 0) continue;
    const std::string_view name(event->name);
    // The files config reads; editors' swap and backup files ("x.toml.swp", "x.toml~") are not.
    if (name.size() > 5 && name.substr(name.size() - 5) == ".toml") relevant = true;
  }
  if (!relevant) return;
  timer_.expires_after(debounce_);
  timer_.async_wait([this](const std::error_code& ec) {
    if (ec || stopped_) return;
    changed_();
  });
}

}  // namespace redwire::app
