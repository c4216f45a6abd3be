// subscriptions: the WebSub hub's subscribers, kept in redwire.db (table
// websub_subscription, created by the store's migrations). A Subscriptions
// is its own connection to a database Store::Open has already migrated;
// every method catches SQLite exceptions and returns them as errors.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/item.h"
#include "model/result.h"

namespace redwire::store {

struct Subscription {
  std::string topic;     // the feed URL subscribed to
  std::string callback;  // where content is POSTed
  std::string secret;    // HMAC key for X-Hub-Signature; empty: unsigned
  std::int64_t lease = 0;    // seconds granted
  UnixTime created_at = 0;
  UnixTime expires_at = 0;
};

class Subscriptions {
 public:
  static Result<std::unique_ptr<Subscriptions>> Open(const std::string& path);
  ~Subscriptions();
  Subscriptions(const Subscriptions&) = delete;
  Subscriptions& operator=(const Subscriptions&) = delete;

  // Inserts or renews (topic, callback).
  Status Put(const Subscription& subscription);
  // Removes (topic, callback); absent is not an error.
  Status Remove(const std::string& topic, const std::string& callback);
  // Live subscriptions to `topic` at `now`, by callback.
  Result<std::vector<Subscription>> ForTopic(const std::string& topic, UnixTime now);
  // Deletes every subscription whose lease ended before `now`; returns how many.
  Result<int> Expire(UnixTime now);
  Result<std::int64_t> Count();

 private:
  struct Impl;
  explicit Subscriptions(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace redwire::store
