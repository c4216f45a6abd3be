// The poller's one-shot timers, one per source. The daemon's come from
// AsioPollTimers: steady_timers on the loop, waiting in real time. A test
// passes timers that fire only when it advances its ManualClock
// (tests/support/manual_timers.h), so a schedule is asserted at exact
// instants without sleeping: the poller plans from its Clock and arms a
// timer with the delay, and the test moves the clock to the timer's instant.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <asio/io_context.hpp>

namespace redwire::app {

class PollTimer {
 public:
  virtual ~PollTimer() = default;
  // Calls `fire` on the loop thread once `delay` has passed. Arming again
  // or Cancel() drops the earlier wait: its `fire` is never called, nor is
  // one pending when the timer is destroyed.
  virtual void Arm(std::chrono::milliseconds delay, std::function<void()> fire) = 0;
  virtual void Cancel() = 0;
};

class PollTimers {
 public:
  virtual ~PollTimers() = default;
  virtual std::unique_ptr<PollTimer> Make() = 0;
};

// Real-time timers on `io`, which must outlive them. Loop thread only.
std::unique_ptr<PollTimers> AsioPollTimers(asio::io_context& io);

}  // namespace redwire::app
