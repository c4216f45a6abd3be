// Poll timers that fire only when the test says: each armed timer waits for
// an instant of a ManualClock's steady time, and FireNext() moves the clock
// to the earliest one and fires it. With these the poller's schedule is
// asserted at exact instants and no test sleeps for a backoff.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "daemon/schedule/poll_timers.h"
#include "util/time.h"

namespace redwire::testing {

class ManualTimers final : public app::PollTimers {
 public:
  explicit ManualTimers(util::ManualClock& clock) : clock_(clock) {}

  std::unique_ptr<app::PollTimer> Make() override {
    auto wait = std::make_shared<Wait>();
    waits_.push_back(wait);
    return std::make_unique<Timer>(clock_, std::move(wait));
  }

  // The earliest armed instant, if any timer is armed.
  std::optional<std::chrono::steady_clock::time_point> NextDue() const {
    std::optional<std::chrono::steady_clock::time_point> next;
    for (const auto& weak : waits_) {
      if (auto w = weak.lock(); w && w->fire && (!next || w->due < *next)) next = w->due;
    }
    return next;
  }

  // Advances the clock to the earliest armed instant and fires that timer;
  // false when none is armed.
  bool FireNext() {
    const auto due = NextDue();
    if (!due) return false;
    if (*due > clock_.Steady()) clock_.Advance(*due - clock_.Steady());
    for (const auto& weak : waits_) {
      auto w = weak.lock();
      if (!w || !w->fire || w->due != *due) continue;
      auto fire = std::move(w->fire);
      w->fire = nullptr;
      fire();
      return true;
    }
    return false;
  }

 private:
  struct Wait {
    std::chrono::steady_clock::time_point due;
    std::function<void()> fire;  // empty when not armed
  };
  class Timer final : public app::PollTimer {
   public:
    Timer(util::ManualClock& clock, std::shared_ptr<Wait> wait) : clock_(clock), wait_(std::move(wait)) {}
    void Arm(std::chrono::milliseconds delay, std::function<void()> fire) override {
      wait_->due = clock_.Steady() + delay;
      wait_->fire = std::move(fire);
    }
    void Cancel() override { wait_->fire = nullptr; }

   private:
    util::ManualClock& clock_;
    std::shared_ptr<Wait> wait_;
  };

  util::ManualClock& clock_;
  std::vector<std::weak_ptr<Wait>> waits_;
};

}  // namespace redwire::testing
