// checkpoint: copies the write-ahead log back into the database file on a
// thread and connection of its own. Internal to the store.
//
// SQLite's automatic checkpoint runs inside the commit that crosses its
// threshold, so one commit in a few dozen would also copy megabytes of pages
// and wait for two fsyncs, on the daemon's event loop. Here the writer only
// signals; a passive checkpoint never blocks the writer or readers, and a
// crash during one loses nothing (the log stays authoritative until the
// copy is synced).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

struct sqlite3;

namespace redwire::store {

class Checkpointer {
 public:
  // Installs itself on `writer` (a WAL connection to `path`), replacing its
  // automatic checkpoint. `writer` must outlive the Checkpointer.
  Checkpointer(sqlite3* writer, std::string path);
  // Finishes a checkpoint under way, then stops the thread.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Log size after which a commit asks for a checkpoint (SQLite's default
  // of 1000 pages, at 4 KiB pages).
  static constexpr std::int64_t kBytes = 4 << 20;
  // A log can only start over once a checkpoint has copied all of it, which
  // a writer committing faster than the copies may never allow: beyond this
  // size a commit waits for one whole checkpoint.
  static constexpr std::int64_t kMaxBytes = 16 * kBytes;

 private:
  static int OnCommit(void* self, sqlite3* db, const char* schema, int pages);
  void Run();

  sqlite3* writer_;
  std::string path_;
  int ask_pages_;  // kBytes and kMaxBytes in the database's pages
  int max_pages_;
  std::mutex mutex_;
  std::condition_variable wake_;     // the thread: work to do
  std::condition_variable copied_;   // a waiting writer: a checkpoint ended
  std::uint64_t asked_ = 0;   // requests so far; guarded by mutex_
  std::uint64_t served_ = 0;  // requests a finished checkpoint covered; guarded by mutex_
  bool stop_ = false;         // guarded by mutex_
  std::thread thread_;        // last: started once the rest is ready
};

}  // namespace redwire::store
