#include "store/subscriptions.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

namespace redwire::store {

struct Subscriptions::Impl {
  explicit Impl(const std::string& path) : db(path, SQLite::OPEN_READWRITE) {
    // The daemon's writer holds the same file; wait for it rather than fail.
    db.exec("PRAGMA busy_timeout = 5000");
  }
  SQLite::Database db;
};

Subscriptions::Subscriptions(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Subscriptions::~Subscriptions() = default;

Result<std::unique_ptr<Subscriptions>> Subscriptions::Open(const std::string& path) {
  try {
    auto impl = std::make_unique<Impl>(path);
    SQLite::Statement check(impl->db, "SELECT count(*) FROM sqlite_master WHERE name = 'websub_subscription'");
    if (!check.executeStep() || check.getColumn(0).getInt() == 0) {
      return Error{"store: " + path + ": no websub_subscription table (open the store first to migrate it)"};
    }
    return std::unique_ptr<Subscriptions>(new Subscriptions(std::move(impl)));
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: subscriptions {}: {}", path, e.what())};
  }
}

Status Subscriptions::Put(const Subscription& s) {
  try {
    SQLite::Statement st(impl_->db,
                         "INSERT INTO websub_subscription (topic, callback, secret, lease, created_at, expires_at) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (topic, callback) DO UPDATE SET "
                         "secret = excluded.secret, lease = excluded.lease, expires_at = excluded.expires_at");
    st.bind(1, s.topic);
    st.bind(2, s.callback);
    st.bind(3, s.secret);
    st.bind(4, s.lease);
    st.bind(5, s.created_at);
    st.bind(6, s.expires_at);
    st.exec();
    return Ok{};
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: subscribe {} to {}: {}", s.callback, s.topic, e.what())};
  }
}

Status Subscriptions::Remove(const std::string& topic, const std::string& callback) {
  try {
    SQLite::Statement st(impl_->db, "DELETE FROM websub_subscription WHERE topic = ?1 AND callback = ?2");
    st.bind(1, topic);
    st.bind(2, callback);
    st.exec();
    return Ok{};
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: unsubscribe {} from {}: {}", callback, topic, e.what())};
  }
}

Result<std::vector<Subscription>> Subscriptions::ForTopic(const std::string& topic, UnixTime now) {
  try {
    SQLite::Statement st(impl_->db,
                         "SELECT topic, callback, secret, lease, created_at, expires_at FROM websub_subscription "
                         "WHERE topic = ?1 AND expires_at > ?2 ORDER BY callback");
    st.bind(1, topic);
    st.bind(2, now);
    std::vector<Subscription> out;
    while (st.executeStep()) {
      out.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(), st.getColumn(2).getString(),
                     st.getColumn(3).getInt64(), st.getColumn(4).getInt64(), st.getColumn(5).getInt64()});
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: subscriptions of {}: {}", topic, e.what())};
  }
}

Result<int> Subscriptions::Expire(UnixTime now) {
  try {
    SQLite::Statement st(impl_->db, "DELETE FROM websub_subscription WHERE expires_at <= ?1");
    st.bind(1, now);
    return st.exec();
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: expiring subscriptions: {}", e.what())};
  }
}

Result<std::int64_t> Subscriptions::Count() {
  try {
    return impl_->db.execAndGet("SELECT count(*) FROM websub_subscription").getInt64();
  } catch (const SQLite::Exception& e) {
    return Error{fmt::format("store: counting subscriptions: {}", e.what())};
  }
}

}  // namespace redwire::store
