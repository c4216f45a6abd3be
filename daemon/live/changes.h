// FeedChanges: the ingester's note that a source's feeds gained or changed
// entries, passed on to whoever republishes them (the feed cache, static
// output, WebSub). One per loaded configuration; loop thread only.
// Private to live/: other modules reach it through daemon/live/live.h.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace redwire::app {

class FeedChanges {
 public:
  // Items of `source_id` were stored new or changed; `topics` are their topic
  // ids (repeats allowed).
  using Listener = std::function<void(const std::string& source_id, const std::vector<std::string>& topics)>;

  // Replaces the listener; an empty one stops the calls.
  void Listen(Listener listener) { listener_ = std::move(listener); }

  void Note(const std::string& source_id, const std::vector<std::vector<std::string>>& item_topics) const {
    if (!listener_) return;
    std::vector<std::string> topics;
    for (const auto& list : item_topics) topics.insert(topics.end(), list.begin(), list.end());
    listener_(source_id, topics);
  }

 private:
  Listener listener_;
};

}  // namespace redwire::app
