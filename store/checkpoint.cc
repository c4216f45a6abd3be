#include "store/checkpoint.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>

namespace redwire::store {

namespace {

std::int64_t PageSize(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  std::int64_t size = 4096;
  if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    size = std::max<std::int64_t>(512, sqlite3_column_int64(st, 0));
  }
  sqlite3_finalize(st);
  return size;
}

}  // namespace

Checkpointer::Checkpointer(sqlite3* writer, std::string path)
    : writer_(writer),
      path_(std::move(path)),
      ask_pages_(static_cast<int>(kBytes / PageSize(writer))),
      max_pages_(static_cast<int>(kMaxBytes / PageSize(writer))),
      thread_([this] { Run(); }) {
  sqlite3_wal_hook(writer_, &Checkpointer::OnCommit, this);
}

Checkpointer::~Checkpointer() {
  sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  copied_.notify_all();
  thread_.join();
}

// Runs on the writer's thread after each commit; `pages` is the log's size.
int Checkpointer::OnCommit(void* self, sqlite3*, const char*, int pages) {
  auto* checkpointer = static_cast<Checkpointer*>(self);
  if (pages < checkpointer->ask_pages_) return SQLITE_OK;
  std::unique_lock lock(checkpointer->mutex_);
  const std::uint64_t ticket = ++checkpointer->asked_;
  checkpointer->wake_.notify_one();
  if (pages >= checkpointer->max_pages_) {
    checkpointer->copied_.wait(lock, [checkpointer, ticket] {
      return checkpointer->served_ >= ticket || checkpointer->stop_;
    });
  }
  return SQLITE_OK;
}

void Checkpointer::Run() {
  sqlite3* db = nullptr;
  // Same durability as the writer: the log is synced before it is copied and
  // the database file after.
  if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
          SQLITE_OK ||
      sqlite3_exec(db, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr) != SQLITE_OK) {
    spdlog::error("store: {}: cannot open a connection for checkpoints ({}); the log grows until "
                  "the writer closes",
                  path_, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    db = nullptr;
  }
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return asked_ > served_ || stop_; });
    if (stop_) break;
    const std::uint64_t covers = asked_;
    lock.unlock();
    if (db) {
      const int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                               nullptr);
      // Busy: someone else (an operator's sqlite3 shell) is checkpointing.
      if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        spdlog::warn("store: {}: checkpoint: {}", path_, sqlite3_errmsg(db));
      }
    }
    lock.lock();
    served_ = covers;
    copied_.notify_all();
  }
  sqlite3_close(db);
}

}  // namespace redwire::store
