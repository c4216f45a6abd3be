// Lifecycle timings of the real daemon: start until READY=1, a SIGHUP reload
// with and without a topic change (the first re-classifies every stored
// item), SIGTERM until exit, resident memory and CPU used while idle.
//
//   ops_bench [REDWIRE_BINARY] [SOURCES] [ITEMS]
//
// SOURCES pages without scrape rules (listed, never polled, so the daemon
// is truly idle) and ITEMS stored items first seen now.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "model/item.h"
#include "store/store.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Waits for a datagram with the line `line`; false after `limit`.
bool WaitNotify(int fd, const std::string& line, std::chrono::milliseconds limit) {
  const auto until = Clock::now() + limit;
  while (Clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count());
    if (poll(&p, 1, left > 0 ? left : 0) <= 0) continue;
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) continue;
    std::istringstream in(std::string(buf, static_cast<std::size_t>(n)));
    for (std::string l; std::getline(in, l);) {
      if (l == line) return true;
    }
  }
  return false;
}

// utime + stime of `pid` in clock ticks, from /proc.
long long CpuTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  long long utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {
    if (i == 14) utime = std::atoll(f.c_str());
    if (i == 15) {
      stime = std::atoll(f.c_str());
      break;
    }
  }
  return utime + stime;
}

std::string RssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return line.substr(6);
  }
  return "?";
}

void WriteTopics(const fs::path& dir, bool with_extra) {
  std::ofstream out(dir / "topics.toml");
  out << "[[topic]]\nid = \"cuba\"\ntitle = \"Cuba\"\nmatch = 'cuba OR cuban* OR bloqueo'\n"
         "[[topic]]\nid = \"war\"\ntitle = \"War\"\nmatch = 'nato OR war OR guerra'\n"
         "[[topic]]\nid = \"strikes\"\ntitle = \"Strikes\"\nmatch = 'strike* OR huelga* OR greve*'\n";
  if (with_extra) out << "[[topic]]\nid = \"youth\"\ntitle = \"Youth\"\nmatch = 'youth OR student*'\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string binary = argc > 1 ? argv[1] : (fs::canonical("/proc/self/exe").parent_path().parent_path() / "redwire").string();
  const int sources = argc > 2 ? std::atoi(argv[2]) : 500;
  const int items = argc > 3 ? std::atoi(argv[3]) : 20000;

  const fs::path root = fs::temp_directory_path() / ("redwire-ops-bench-" + std::to_string(std::random_device{}()));
  fs::create_directories(root / "config");
  fs::create_directories(root / "state");
  {
    std::ofstream out(root / "config" / "sources.toml");
    for (int i = 0; i < sources; ++i) {
      out << "[[source]]\nid = \"s" << i << "\"\nname = \"Source " << i << "\"\nurl = \"https://example.org/" << i
          << "/\"\nevery = \"1h\"\ntags = [\"party\"]\n[source.scrape]\n\n";
    }
  }
  WriteTopics(root / "config", false);
  {
    auto store = redwire::store::Store::Open((root / "state" / "redwire.db").string());
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.error().message.c_str());
      return 1;
    }
    const char* words[] = {"cuba", "nato", "strike", "youth", "congress", "palestine", "election", "students"};
    for (int done = 0; done < items;) {
      std::vector<redwire::Item> batch;
      std::vector<std::vector<std::string>> topics;
      for (int i = 0; i < 500 && done < items; ++i, ++done) {
        redwire::Item item;
        item.source_id = "s" + std::to_string(done % sources);
        item.id = "item-" + std::to_string(done);
        item.guid = item.id;
        item.title = std::string("Statement on ") + words[done % 8] + " and " + words[(done / 8) % 8];
        item.link = "https://example.org/" + item.id;
        item.canonical_link = item.link;
        item.summary_text = "The party's statement on the " + std::string(words[(done / 64) % 8]) + " question.";
        item.summary = "<p>" + item.summary_text + "</p>";
        item.published = 1735689600 + done;
        batch.push_back(std::move(item));
        topics.emplace_back();
      }
      if (auto st = store.value()->Upsert(batch, topics); !st.ok()) {
        std::fprintf(stderr, "%s\n", st.error().message.c_str());
        return 1;
      }
    }
  }

  const std::string notify_path = "/tmp/redwire-ops-bench-" + std::to_string(getpid()) + ".sock";
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, notify_path.c_str(), sizeof address.sun_path - 1);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    std::perror("bind");
    return 1;
  }
  const std::string notify_env = "NOTIFY_SOCKET=" + notify_path;
  const std::string config = (root / "config").string();
  const std::string state = (root / "state").string();

  const auto started = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    putenv(const_cast<char*>(notify_env.c_str()));
    std::freopen("/dev/null", "w", stderr);
    execl(binary.c_str(), binary.c_str(), "run", "--config", config.c_str(), "--state", state.c_str(), "--listen",
          "127.0.0.1:0", static_cast<char*>(nullptr));
    _exit(127);
  }
  bool ok = WaitNotify(fd, "READY=1", std::chrono::seconds(60));
  const double start_ms = Ms(Clock::now() - started);

  const long long ticks_before = CpuTicks(pid);
  const auto idle_from = Clock::now();
  sleep(5);
  const double idle_cpu_ms = (CpuTicks(pid) - ticks_before) * 1000.0 / sysconf(_SC_CLK_TCK);
  const double idle_s = Ms(Clock::now() - idle_from) / 1000;
  const std::string rss = RssKb(pid);

  auto reload = [&] {
    const auto t = Clock::now();
    kill(pid, SIGHUP);
    ok = WaitNotify(fd, "READY=1", std::chrono::seconds(120)) && ok;
    return Ms(Clock::now() - t);
  };
  const double reload_same_ms = reload();
  WriteTopics(root / "config", true);
  const double reload_topics_ms = reload();

  const auto stopping = Clock::now();
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  const double stop_ms = Ms(Clock::now() - stopping);

  std::printf("sources %d, stored items %d\n", sources, items);
  std::printf("start to READY=1            %8.1f ms\n", start_ms);
  std::printf("reload, topics unchanged    %8.1f ms\n", reload_same_ms);
  std::printf("reload, topics changed      %8.1f ms (re-classifies %d items)\n", reload_topics_ms, items);
  std::printf("SIGTERM to exit             %8.1f ms (exit status %d)\n", stop_ms,
              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  std::printf("idle CPU                    %8.1f ms over %.1f s\n", idle_cpu_ms, idle_s);
  std::printf("resident memory             %s\n", rss.c_str());
  close(fd);
  unlink(notify_path.c_str());
  fs::remove_all(root);
  return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
