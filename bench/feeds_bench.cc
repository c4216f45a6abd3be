// Serves a store of generated items through the daemon's real routes and
// HTTP server, for wrk (bench/feeds_bench.sh). Also writes the served bytes
// of the benchmarked topic feed to WWW/topics/ID.atom, so nginx can serve
// the very same bytes as a static file in the same run.
//
//   build/bench/feeds_bench PORT WWW_DIR [ITEMS]
//
// Prints "ready" on stdout once listening; stops on SIGTERM or SIGINT.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "daemon/serve/routes.h"
#include "daemon/classify/classify.h"
#include "daemon/http/server.h"
#include "store/store.h"

namespace fs = std::filesystem;
using namespace redwire;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: feeds_bench PORT WWW_DIR [ITEMS]\n");
    return 2;
  }
  const std::string port = argv[1];
  const fs::path www = argv[2];
  const int count = argc > 3 ? std::atoi(argv[3]) : 2000;
  spdlog::set_level(spdlog::level::warn);

  const fs::path state = fs::temp_directory_path() / ("redwire-feeds-bench-" + port);
  fs::remove_all(state);
  fs::create_directories(state / "config");
  {
    std::ofstream toml(state / "config" / "bench.toml");
    toml << "[redwire]\nfeed_entries = 50\npublic_url = \"http://127.0.0.1:" << port << "\"\n";
    for (int s = 0; s < 20; ++s) {
      toml << "[[source]]\nid = \"party-" << s << "\"\nname = \"Party " << s << "\"\nurl = \"https://party" << s
           << ".example/feed\"\ntags = [\"party\"]\n";
    }
    toml << "[[topic]]\nid = \"strikes\"\ntitle = \"Strikes\"\nmatch = 'strike* OR huelga* OR απεργ*'\n";
    toml << "[[topic]]\nid = \"cuba\"\ntitle = \"Cuba\"\nmatch = 'cuba* OR κουβα*'\n";
  }
  auto config = app::LoadConfig((state / "config").string());
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.error().message.c_str());
    return 1;
  }
  auto store = store::Store::Open((state / "redwire.db").string());
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  std::vector<Item> items;
  std::vector<std::vector<std::string>> topics;
  const char* subjects[] = {"General strike called in the ports", "Solidarity with Cuba against the blockade",
                            "Statement of the Central Committee", "Απεργία στα λιμάνια", "Huelga general"};
  for (int i = 0; i < count; ++i) {
    Item item;
    item.source_id = "party-" + std::to_string(i % 20);
    item.id = "https://party" + std::to_string(i % 20) + ".example/news/" + std::to_string(i);
    item.guid = item.link = item.canonical_link = item.id;
    item.title = std::string(subjects[i % 5]) + " (" + std::to_string(i) + ")";
    item.summary_text = "The workers of the port went on strike against the war and for their rights. " +
                        std::to_string(i);
    item.summary = "<p>" + item.summary_text + "</p>";
    item.published = item.updated = 1700000000 + i * 600;
    item.language = "en";
    items.push_back(item);
    topics.push_back(classify::Classify(config.value()->rules, classify::Prepare(item, {"party"})));
  }
  if (auto stats = store.value()->Upsert(items, topics); !stats.ok()) {
    std::fprintf(stderr, "%s\n", stats.error().message.c_str());
    return 1;
  }

  asio::io_context io;
  std::unique_ptr<app::Routes> routes;
  http::Server server(io, [&routes](const http::Request& r) { return routes->Handle(r); });
  if (auto st = server.Start("127.0.0.1:" + port); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.error().message.c_str());
    return 1;
  }
  routes = std::make_unique<app::Routes>(*store.value(), config.value(), "http://127.0.0.1:" + port);
  const auto body = routes->feeds().Body("/topics/strikes.atom");
  if (!body) return 1;
  fs::create_directories(www / "topics");
  std::ofstream(www / "topics" / "strikes.atom", std::ios::binary) << *body;

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code&, int) {
    server.Stop();
    io.stop();
  });
  std::printf("ready\n");
  std::fflush(stdout);
  io.run();
  fs::remove_all(state);
  return 0;
}
