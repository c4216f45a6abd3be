// The shipped units' commands, run as systemd runs them, on a system that
// may lack procps: `systemctl reload` executes ExecReload= with $MAINPID set,
// and socket activation is done by systemd-socket-activate (from the systemd
// package), which binds the port, waits for the first connection and execs
// the daemon with LISTEN_FDS, as systemd does for redwire.socket.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>

extern char** environ;

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

template <typename Pred>
bool PollUntil(Pred pred, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return pred();
}

size_t AppendBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

long Status(unsigned short port, const std::string& path) {
  std::string body;
  long status = 0;
  CURL* curl = curl_easy_init();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  return status;
}

unsigned short UnusedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  close(fd);
  return ntohs(address.sin_port);
}

struct Scratch {
  fs::path path = fs::temp_directory_path() / ("redwire-units-" + std::to_string(std::random_device{}()));
  Scratch() {
    fs::create_directories(path / "config");
    std::ofstream(path / "config/topics.toml") << "[[topic]]\nid = \"nato\"\ntitle = \"NATO\"\nmatch = 'nato'\n";
  }
  ~Scratch() { fs::remove_all(path); }
};

// The test's environment without systemd's variables (they must come only
// from what is under test) and with `overrides` ("NAME=value") replacing or
// adding variables; the sanitizers' options pass through.
std::vector<std::string> Environment(const std::vector<std::string>& overrides) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string var = *e;
    bool drop = false;
    for (const char* d : {"NOTIFY_SOCKET=", "LISTEN_", "WATCHDOG_", "JOURNAL_STREAM=", "MAINPID="}) {
      drop = drop || var.rfind(d, 0) == 0;
    }
    for (const auto& o : overrides) drop = drop || var.rfind(o.substr(0, o.find('=') + 1), 0) == 0;
    if (!drop) env.push_back(var);
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

// A process started with posix_spawn, output to `log`, killed if still
// running at the end; `env` is its whole environment.
class Process {
 public:
  Process(std::vector<std::string> argv, std::vector<std::string> env, const fs::path& log) : log_(log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> args, envs;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    for (auto& e : env) envs.push_back(e.data());
    envs.push_back(nullptr);
    const int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), envs.data());
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE(rc == 0);
  }
  ~Process() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  std::string log() const { return Slurp(log_); }
  // The exit status, or -1 when it has not exited within `limit`.
  int Wait(std::chrono::milliseconds limit) {
    int status = 0;
    if (!PollUntil([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, limit)) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  fs::path log_;
};

std::vector<std::string> DaemonArgs(const Scratch& s, unsigned short port) {
  return {REDWIRE_BINARY, "run", "--config", (s.path / "config").string(), "--state", (s.path / "state").string(),
          "--listen", "127.0.0.1:" + std::to_string(port)};
}

// The value of `key=` in a unit file, or "" when the unit has none.
std::string UnitSetting(const std::string& unit, const std::string& key) {
  std::istringstream in(unit);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  }
  return {};
}

}  // namespace

TEST_CASE("systemctl reload: the unit's ExecReload= reloads the daemon with no program from PATH") {
  const std::string unit = Slurp(fs::path(REDWIRE_SOURCE_DIR) / "systemd/redwire.service");
  const std::string reload = UnitSetting(unit, "ExecReload");
  INFO("ExecReload=" << reload);
  REQUIRE_FALSE(reload.empty());

  // The program it runs belongs to an Essential package (dash for /bin/sh),
  // so it is on every Debian system; procps (/bin/kill) is not Essential.
  const std::string program = reload.substr(0, reload.find(' '));
  const std::string owner = "dpkg-query -S " + program + " | sed -n 's/^\\([^:]*\\): .*/\\1/p' | tail -n 1";
  std::string package;
  {
    FILE* pipe = popen(owner.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[256];
    while (fgets(buffer, sizeof buffer, pipe)) package += buffer;
    pclose(pipe);
  }
  while (!package.empty() && package.back() == '\n') package.pop_back();
  INFO("package of " << program << ": " << package);
  REQUIRE_FALSE(package.empty());
  const std::string essential = "test \"$(dpkg-query -W -f='${Essential}' " + package + ")\" = yes";
  CHECK(system(essential.c_str()) == 0);
  CHECK(system("test \"$(dpkg-query -W -f='${Essential}' procps 2>/dev/null)\" != yes") == 0);

  Scratch s;
  const unsigned short port = UnusedPort();
  Process daemon(DaemonArgs(s, port), Environment({}), s.path / "daemon.log");
  INFO(daemon.log());
  REQUIRE(PollUntil([&] { return daemon.log().find("serving http://") != std::string::npos; }, 10s));

  // As systemd runs it: its quoting undone by a shell, $MAINPID in the
  // environment, and a PATH in which no kill program can be found.
  const fs::path empty = s.path / "empty-path";
  fs::create_directories(empty);
  Process control({"/bin/sh", "-c", "exec " + reload},
                  Environment({"MAINPID=" + std::to_string(daemon.pid()), "PATH=" + empty.string()}),
                  s.path / "reload.log");
  CHECK(control.Wait(10s) == 0);
  INFO(Slurp(s.path / "reload.log"));
  CHECK(PollUntil([&] { return daemon.log().find("reload (SIGHUP)") != std::string::npos; }, 10s));
  CHECK(Status(port, "/") == 200);
  kill(daemon.pid(), SIGTERM);
  CHECK(daemon.Wait(10s) == 0);
}

TEST_CASE("socket activation: systemd-socket-activate binds the socket, the first connection starts the daemon") {
  REQUIRE(system("command -v systemd-socket-activate >/dev/null") == 0);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  Scratch s;
  const unsigned short port = UnusedPort();
  const unsigned short ignored = UnusedPort();  // --listen, which the passed socket overrides
  std::vector<std::string> argv = {"/usr/bin/systemd-socket-activate", "-l", "127.0.0.1:" + std::to_string(port),
                                   "--fdname=redwire.socket"};
  for (auto& a : DaemonArgs(s, ignored)) argv.push_back(a);
  Process activator(argv, Environment({}), s.path / "daemon.log");
  INFO(activator.log());
  REQUIRE(PollUntil([&] { return activator.log().find("Listening on 127.0.0.1:") != std::string::npos; }, 10s));
  // Nothing runs before a reader connects: the connection waits in the
  // socket's backlog while the daemon starts, and is then served.
  CHECK(activator.log().find("Execing") == std::string::npos);
  CHECK(PollUntil([&] { return Status(port, "/") == 200; }, 20s));
  CHECK(Status(port, "/all.atom") == 200);
  CHECK(Status(ignored, "/") == 0);
  CHECK(activator.log().find("on a socket from systemd (127.0.0.1:" + std::to_string(port) + ")") !=
        std::string::npos);
  kill(activator.pid(), SIGTERM);
  CHECK(activator.Wait(10s) == 0);
}
