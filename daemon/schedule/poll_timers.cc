#include "daemon/schedule/poll_timers.h"

#include <asio/steady_timer.hpp>

namespace redwire::app {
namespace {

class AsioTimer final : public PollTimer {
 public:
  explicit AsioTimer(asio::io_context& io) : timer_(io) {}

  void Arm(std::chrono::milliseconds delay, std::function<void()> fire) override {
    timer_.expires_after(delay);  // cancels an earlier wait
    // A cancelled, re-armed or destroyed timer completes with an error.
    timer_.async_wait([fire = std::move(fire)](const std::error_code& ec) {
      if (!ec) fire();
    });
  }
  void Cancel() override { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
};

class AsioTimers final : public PollTimers {
 public:
  explicit AsioTimers(asio::io_context& io) : io_(io) {}
  std::unique_ptr<PollTimer> Make() override { return std::make_unique<AsioTimer>(io_); }

 private:
  asio::io_context& io_;
};

}  // namespace

std::unique_ptr<PollTimers> AsioPollTimers(asio::io_context& io) { return std::make_unique<AsioTimers>(io); }

}  // namespace redwire::app
