// The redwire command line. Every command is one row of kCommands: its name,
// a one-line summary, its help text, the flags it accepts and the function
// that runs it. Commands call into their modules; main.cc holds no logic of
// its own beyond parsing arguments.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include "daemon/app/app.h"
#include "daemon/cli/cli.h"
#include "daemon/parse/parse.h"

namespace {

constexpr const char* kVersion = REDWIRE_VERSION;  // the CMake project version

// Arguments after the command: "--flag value" pairs, "--switch"es and bare
// operands, already checked against the command's flag list.
struct Args {
  std::map<std::string, std::string> flags;
  std::vector<std::string> operands;
  std::map<std::string, std::vector<std::string>> repeated;  // every value of each flag, in order

  bool has(const std::string& flag) const { return flags.count(flag) > 0; }
  std::string get(const std::string& flag, const std::string& fallback = {}) const {
    auto it = flags.find(flag);
    return it == flags.end() ? fallback : it->second;
  }
};

struct Flag {
  const char* name;   // "--config"
  bool takes_value;   // false: a switch such as "--json"
};

struct Command {
  const char* name;
  const char* summary;             // one line for `redwire --help`
  const char* help;                // the full text for `redwire help NAME`
  std::vector<Flag> flags;         // --log-level and --help are accepted by every command
  std::vector<const char*> needs;  // flags that must be given
  int (*run)(const Args& args);
  const char* log_level = "info";  // the default --log-level
};

int RunCommand(const Args& args) {
  redwire::app::RunOptions options;
  options.config_dir = args.get("--config");
  options.state_dir = args.get("--state");
  options.listen = args.get("--listen", options.listen);
  // Before any thread exists, as libcurl requires.
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    std::fprintf(stderr, "redwire: curl_global_init failed\n");
    return 1;
  }
  const int code = redwire::app::Run(options);
  curl_global_cleanup();
  return code;
}

int CheckCommand(const Args& args) {
  const std::string dir = args.get("--config");
  auto config = redwire::app::LoadConfig(dir);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.error().message.c_str());
    return 1;
  }
  std::printf("%s: %zu sources, %zu topics: ok\n", dir.c_str(), config.value()->catalog.sources.size(),
              config.value()->catalog.topics.size());
  if (!args.has("--online")) return 0;
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    std::fprintf(stderr, "redwire: curl_global_init failed\n");
    return 1;
  }
  const auto online = redwire::app::CheckOnline(*config.value());
  curl_global_cleanup();
  std::fputs(online.text.c_str(), stdout);
  return online.failing > 0 ? 3 : 0;
}

int StatusCommand(const Args& args) {
  redwire::app::HealthOptions options;
  options.config_dir = args.get("--config");
  options.state_dir = args.get("--state");
  options.url = args.get("--url");
  options.json = args.has("--json");
  if (options.state_dir.empty() && options.url.empty()) {
    std::fprintf(stderr, "redwire: status needs --state DIR or --url URL\n");
    return 2;
  }
  if (!options.url.empty() && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    std::fprintf(stderr, "redwire: curl_global_init failed\n");
    return 1;
  }
  auto report = redwire::app::SourceHealth(options);
  if (!options.url.empty()) curl_global_cleanup();
  if (!report.ok()) {
    std::fprintf(stderr, "redwire: %s\n", report.error().message.c_str());
    return 1;
  }
  std::fputs(report.value().text.c_str(), stdout);
  return report.value().healthy ? 0 : 3;
}

int PollCommand(const Args& args) {
  redwire::app::PollOptions options;
  options.config_dir = args.get("--config");
  options.state_dir = args.get("--state");
  options.once = args.has("--once");
  if (auto it = args.repeated.find("--source"); it != args.repeated.end()) options.sources = it->second;
  // Every source's line on a terminal (or asked for); else only failures.
  options.every_source = isatty(STDOUT_FILENO) == 1 || args.has("--progress");
  options.progress = [](const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  };
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    std::fprintf(stderr, "redwire: curl_global_init failed\n");
    return 1;
  }
  auto report = redwire::app::PollSources(options);
  curl_global_cleanup();
  if (!report.ok()) {
    std::fprintf(stderr, "redwire poll: %s\n", report.error().message.c_str());
    return 1;
  }
  std::printf("%s\n", report.value().summary.c_str());
  return report.value().failed > 0 ? 3 : 0;
}

int ScrapeCommand(const Args& args) {
  redwire::app::ScrapeOptions options;
  if (args.operands.size() > 1) {
    std::fprintf(stderr, "redwire scrape: give one URL or FILE\n");
    return 2;
  }
  if (!args.operands.empty()) options.target = args.operands[0];
  options.page_url = args.get("--url");
  options.source_id = args.get("--source");
  options.config_dir = args.get("--config");
  options.json = args.has("--json");
  options.allow_private = args.has("--allow-private");
  options.suggest = args.has("--suggest");
  auto& r = options.rules;
  r.item = args.get("--item");
  r.xpath = args.get("--xpath");
  r.title = args.get("--title");
  r.link = args.get("--link");
  r.date = args.get("--date");
  r.summary = args.get("--summary");
  r.author = args.get("--author");
  r.image = args.get("--image");
  r.date_format = args.get("--date-format");
  r.date_lang = args.get("--date-lang");
  r.content = args.get("--content");
  r.paginate = args.get("--paginate");
  r.date_group = args.get("--date-group");
  r.date_page = args.get("--date-page");
  r.title_pattern = args.get("--title-pattern");
  r.link_pattern = args.get("--link-pattern");
  r.date_pattern = args.get("--date-pattern");
  r.follow = args.has("--follow");
  if (args.has("--max-follow")) r.max_follow = std::atoi(args.get("--max-follow").c_str());
  if (args.has("--now")) {
    // The moment relative dates ("2 hours ago") count back from, and past
    // which a date is refused as in the future: a saved page's fetch time.
    const std::string now = args.get("--now");
    const auto when = redwire::parse::ParseDate(now);
    if (!when || *when <= 0) {
      std::fprintf(stderr, "redwire scrape: --now wants a date such as 2026-03-05T10:00:00Z, not '%s'\n",
                   now.c_str());
      return 2;
    }
    options.now = *when;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    std::fprintf(stderr, "redwire: curl_global_init failed\n");
    return 1;
  }
  auto report = redwire::app::ScrapePage(options);
  curl_global_cleanup();
  if (!report.ok()) {
    std::fprintf(stderr, "redwire scrape: %s\n", report.error().message.c_str());
    return 1;
  }
  std::fputs(report.value().text.c_str(), stdout);
  return report.value().items > 0 ? 0 : 3;
}

int DiscoverCommand(const Args& args) {
  if (args.operands.size() != 1) {
    std::fprintf(stderr, "redwire discover: give one URL or FILE\n");
    return 2;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    std::fprintf(stderr, "redwire: curl_global_init failed\n");
    return 1;
  }
  redwire::app::DiscoverOptions options;
  options.target = args.operands[0];
  options.page_url = args.get("--url");
  options.json = args.has("--json");
  options.allow_private = args.has("--allow-private");
  auto report = redwire::app::DiscoverPage(options);
  curl_global_cleanup();
  if (!report.ok()) {
    std::fprintf(stderr, "redwire discover: %s\n", report.error().message.c_str());
    return 1;
  }
  std::fputs(report.value().text.c_str(), stdout);
  return report.value().feeds > 0 ? 0 : 3;
}

int ParseCommand(const Args& args) {
  if (args.operands.size() != 1) {
    std::fprintf(stderr, "redwire parse: give one FILE\n");
    return 2;
  }
  std::FILE* file = std::fopen(args.operands[0].c_str(), "rb");
  if (file == nullptr) {
    std::fprintf(stderr, "redwire parse: cannot open %s\n", args.operands[0].c_str());
    return 1;
  }
  std::string body;
  char buffer[65536];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, file)) > 0;) body.append(buffer, n);
  std::fclose(file);
  redwire::parse::Context context;
  context.source_id = "cli";
  context.base_url = args.get("--url");
  context.content_type = args.get("--content-type");
  context.now = static_cast<redwire::UnixTime>(std::time(nullptr));
  auto out = redwire::parse::Inspect(body, context, args.has("--json"));
  if (!out.ok()) {
    std::fprintf(stderr, "redwire parse: %s\n", out.error().message.c_str());
    return 1;
  }
  std::fputs(out.value().c_str(), stdout);
  return 0;
}

int TopicsCommand(const Args& args) {
  const std::string what = args.operands.empty() ? "" : args.operands[0];
  redwire::Result<redwire::app::TopicsReport> report = redwire::Error{};
  if (what == "eval" && args.operands.size() == 2) {
    if (!args.has("--config")) {
      std::fprintf(stderr, "redwire topics eval: --config is required\n");
      return 2;
    }
    redwire::app::TopicsEvalOptions options;
    options.file = args.operands[1];
    options.config_dir = args.get("--config");
    // Cross-validation is for tuning, on dev; the default split stays test.
    options.split = args.get("--split", args.has("--cv") ? "dev" : options.split);
    options.rule = args.get("--rule");
    options.topic = args.get("--topic");
    if (options.split != "test" && options.split != "dev" && options.split != "all") {
      std::fprintf(stderr, "redwire topics eval: --split is test, dev or all\n");
      return 2;
    }
    options.min_macro_f1 = std::atof(args.get("--min-macro-f1", "0").c_str());
    options.min_f1 = std::atof(args.get("--min-f1", "0").c_str());
    if (args.has("--cv")) {
      const std::string k = args.get("--cv");
      char* end = nullptr;
      const long folds = std::strtol(k.c_str(), &end, 10);
      if (k.empty() || *end != '\0' || folds < 2 || folds > 100) {
        std::fprintf(stderr, "redwire topics eval: --cv is a number of folds, 2 to 100\n");
        return 2;
      }
      options.cv_folds = static_cast<int>(folds);
    }
    auto eval = redwire::app::TopicsEval(options);
    if (!eval.ok()) {
      std::fprintf(stderr, "redwire topics eval: %s\n", eval.error().message.c_str());
      return 1;
    }
    std::fputs(eval.value().text.c_str(), stdout);
    return eval.value().below_floor ? 4 : 0;
  }
  if (what != "eval" && !args.has("--state")) {
    std::fprintf(stderr, "redwire topics %s: --state is required (see redwire help topics)\n", what.c_str());
    return 2;
  }
  if (what == "test" && args.operands.size() == 2) {
    redwire::app::TopicsTestOptions options;
    options.rule = args.operands[1];
    options.since = args.get("--since", options.since);
    options.state_dir = args.get("--state");
    options.config_dir = args.get("--config");
    report = redwire::app::TopicsTest(options);
  } else if (what == "explain" && args.operands.size() == 2) {
    if (!args.has("--config")) {
      std::fprintf(stderr, "redwire topics explain: --config is required\n");
      return 2;
    }
    report = redwire::app::TopicsExplain(args.operands[1], args.get("--state"), args.get("--config"));
  } else {
    std::fprintf(stderr, "redwire topics: give test 'RULE', explain ITEM_ID or eval FILE.jsonl (see redwire help topics)\n");
    return 2;
  }
  if (!report.ok()) {
    std::fprintf(stderr, "redwire topics %s: %s%s", what.c_str(), report.error().message.c_str(),
                 report.error().message.empty() || report.error().message.back() != '\n' ? "\n" : "");
    return 1;
  }
  std::fputs(report.value().text.c_str(), stdout);
  return report.value().matched > 0 ? 0 : 3;
}

int ItemsCommand(const Args& args) {
  redwire::app::ItemsOptions options;
  options.state_dir = args.get("--state");
  if (args.has("--search")) options.search = args.get("--search");
  if (args.has("--topic")) options.topic = args.get("--topic");
  if (args.has("--source")) options.source = args.get("--source");
  options.since = args.get("--since");
  options.json = args.has("--json");
  if (args.has("--limit")) {
    const std::string n = args.get("--limit");
    if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos) {
      std::fprintf(stderr, "redwire items: --limit takes a number (0: no limit)\n");
      return 2;
    }
    options.limit = std::stoi(n);
  }
  auto report = redwire::app::ListItems(options);
  if (!report.ok()) {
    std::fprintf(stderr, "redwire items: %s\n", report.error().message.c_str());
    return 1;
  }
  std::fputs(report.value().text.c_str(), stdout);
  return report.value().count > 0 ? 0 : 3;
}

const std::vector<Command> kCommands = {
    {"run", "poll the sources, store items and serve the merged feeds",
     R"(usage: redwire run --config DIR --state DIR [--listen HOST:PORT]

Loads every DIR/*.toml, opens STATE/redwire.db (SQLite, WAL), serves the
merged Atom feeds and polls the sources until SIGTERM or SIGINT.

  --config DIR       the configuration directory (feeds/*.toml)
  --state DIR        where redwire.db lives; created if missing
  --listen HOST:PORT where to serve (default 127.0.0.1:8080); ignored when
                     systemd passes a listening socket (redwire.socket)

SIGHUP, or any change to a *.toml file under --config, reloads the
configuration; a configuration with errors is refused and the running one
kept. Under systemd it reports READY=1, STATUS= and WATCHDOG=1 (Type=notify).

It serves the front page / (each topic's newest items, a search box,
subscribe links), /search.html?q= (search results as a page), /status (each
source's health, for the operator), the feeds under /all, /topics/ and
/sources/ (Atom, JSON Feed, HTML), the OPML lists, /search?q= (Atom; the
words percent-encoded or raw UTF-8), /status.json and /metrics.
)",
     {{"--config", true}, {"--state", true}, {"--listen", true}},
     {"--config", "--state"},
     RunCommand},
    {"check", "validate the configuration and list every error",
     R"(usage: redwire check --config DIR [--online]

Validates every DIR/*.toml: TOML syntax, known keys, unique ids, URLs,
intervals, scrape selectors and topic rules. Prints every error of every
file (each bad selector and rule too), sorted, as file:line:col: message,
the position counted in characters also inside multi-line strings, and
exits 1 if there is any; exits 0 otherwise.

  --online  also fetch every source once (politely: the config's per-host
            limits and delays) and say, per source, whether its feed
            parses, whether its scrape rules still extract items, and
            whether a page's site has a feed (advertised, linked or at its
            CMS's usual paths) to use instead. Exits 3 when any source
            fails or its rules extract nothing. Nothing is stored.
)",
     {{"--config", true}, {"--online", false}},
     {"--config"},
     CheckCommand},
    {"status", "print each source's health",
     R"(usage: redwire status (--state DIR [--config DIR] | --url URL) [--json]

Prints one line per source: its id, the outcome of the last fetch, when it
was last fetched and last succeeded, consecutive failures, new items, when
it is polled next (NEXT: "in 5m", "due", "gone") and the reason of the
last failure. Sources the daemon planned but never fetched are "pending".

  --state DIR  read STATE/redwire.db directly (the daemon may be running)
  --config DIR also list configured sources never scheduled yet, and mark
               removed ones
  --url URL    ask a running daemon instead (its /status.json)
  --json       print the table as JSON (times in RFC 3339)

Exits 0 when every source's last fetch succeeded, 3 when any is failing,
1 when the store or daemon cannot be read.
)",
     {{"--state", true}, {"--config", true}, {"--url", true}, {"--json", false}},
     {},
     StatusCommand},
    {"poll", "poll sources now: once here, or through the running daemon",
     R"(usage: redwire poll --config DIR --state DIR [--source ID ...] [--once] [--progress]

Polls the sources now (every one the daemon polls, or each --source ID),
through the daemon's own fetch, parse, store and classify path.

When a daemon (redwire run) holds STATE, redwire poll asks it, over its
HTTP server (POST /sources/ID/poll), to poll each source at once, and
returns; redwire status shows the outcomes. Otherwise it polls here into
STATE/redwire.db (created if missing), prints a line per source as it ends
and a summary: sources ok, not modified, failed, skipped, new items.

  --config DIR   the configuration directory (feeds/*.toml)
  --state DIR    where redwire.db lives
  --source ID    poll this source (repeat for more); a source parked by a
                 410 Gone is tried again only when named
  --once         always poll here and exit (cron, batch); refused while a
                 daemon holds STATE, since the store has one writer
  --progress     a line per source also when stdout is not a terminal
                 (otherwise only failed sources and the summary)

Exits 0 when every poll succeeded, 3 when any source failed, 1 when nothing
could be polled (config errors, an unknown --source, a store in use, a
daemon that refused), 2 on bad usage.
)",
     {{"--config", true}, {"--state", true}, {"--source", true}, {"--once", false}, {"--progress", false}},
     {"--config", "--state"},
     PollCommand,
     "error"},
    {"scrape", "show the items scrape rules extract from a page",
     R"(usage: redwire scrape (URL | FILE) --suggest [--json]
       redwire scrape (URL | FILE) --item SEL [--title SEL] [--link SEL] [...]
       redwire scrape [URL | FILE] --source ID --config DIR [--suggest | --title SEL ...]

Fetches URL (or reads a saved FILE), extracts its items with the rules and
prints them as a table with counts and warnings: a selector that matched
nothing, items without dates, dates that failed to parse. Nothing is stored.
With --source the rules (and URL) of a configured source are used (a feed
source's page too, with rules from the flags or --suggest); rules given as
flags override them.

  --suggest          no rules needed: find the page's news lists (blocks
                     repeated 3+ times, each with one article link), best
                     first, and print each one's items and its rules as a
                     [source.scrape] TOML table to paste into feeds/*.toml
  --item SEL         CSS selector of one item (or --xpath EXPR)
  --title/--link/--date/--summary/--author/--image SEL
                     CSS selectors inside the item; a trailing @attr takes
                     an attribute ("h2 a @href"), else the text
  --date-format FMT  strftime-like, e.g. "%m/%d/%y, %I:%M %p"
  --date-lang LANG   language of month names (el, es, pt, ru, tr, ...)
  --paginate SEL     the "older posts" link; shown as "next page"
  --date-group SEL   date from the nearest header above the item matching SEL
  --date-page SEL    date of the whole page (a masthead) for undated items
  --title-pattern RE, --link-pattern RE, --date-pattern RE
                     keep only the regex's first capture group of the field
                     (--date @link --date-pattern '/(\d{4}/\d{2}/\d{2})/')
  --follow --content SEL [--max-follow N]
                     also fetch the first N item pages for their article text
  --url URL          the URL a FILE was saved from (resolves its links)
  --now DATE         the time the page was fetched (RFC 3339, default now):
                     relative dates count back from it, later dates are refused
  --allow-private    allow loopback/private addresses
  --json             print JSON instead of the table

Exits 0 when items were found, 3 when none, 1 on errors (bad selector,
fetch failure), 2 on usage errors. See docs/scraping.md.
)",
     {{"--item", true}, {"--xpath", true}, {"--title", true}, {"--link", true}, {"--date", true},
      {"--summary", true}, {"--author", true}, {"--image", true}, {"--date-format", true},
      {"--date-lang", true}, {"--content", true}, {"--paginate", true}, {"--follow", false},
      {"--max-follow", true}, {"--url", true}, {"--now", true}, {"--source", true}, {"--config", true},
      {"--allow-private", false}, {"--json", false}, {"--suggest", false}, {"--date-group", true},
      {"--date-page", true}, {"--title-pattern", true}, {"--link-pattern", true}, {"--date-pattern", true}},
     {},
     ScrapeCommand},
    {"discover", "find the feeds of a web page's site",
     R"(usage: redwire discover (URL | FILE [--url URL]) [--json] [--allow-private]

Fetches URL (or reads a saved FILE) and lists the feeds of its site: those
it advertises with <link rel="alternate">, those it links to with an <a>
whose URL or text says feed, RSS or Atom, and, when none of them is a
feed, the usual feed paths of the CMS the page shows (WordPress, Blogger,
Drupal, Joomla, Hugo). Each is fetched once, through the same limits and
private-address guard as the daemon, and listed only if it parses as a
feed; the others are listed as "not a feed" with the reason. Says so when
URL is itself a feed.

  --url URL        the URL a FILE was saved from; without it the FILE's
                   candidates are listed unchecked
  --allow-private  allow loopback/private addresses
  --json           print JSON

Exits 0 when a feed was found, 3 when none, 1 on errors, 2 on bad usage.
)",
     {{"--json", false}, {"--allow-private", false}, {"--url", true}},
     {},
     DiscoverCommand},
    {"parse", "show what the feed parser makes of a saved feed",
     R"(usage: redwire parse FILE [--url BASE] [--content-type CT] [--json]

Parses FILE (RSS 0.9x/1.0/2.0, Atom 0.3/1.0, JSON Feed 1.0/1.1, in any
charset) exactly as the daemon would and prints the normalised model: a
readable summary, or with --json the contract of docs/parsing.md.

  --url BASE          the URL the file was fetched from (resolves links)
  --content-type CT   the HTTP Content-Type it came with, e.g.
                      "text/xml; charset=windows-1251" (its charset wins
                      over the XML declaration, as RFC 7303 says)
  --json              print JSON

Exits 0 when a feed (or a web page, format "html") was read, 1 otherwise.
)",
     {{"--url", true}, {"--content-type", true}, {"--json", false}},
     {},
     ParseCommand},
    {"topics", "try a topic rule on stored items, or explain an item's topics",
     R"(usage: redwire topics test 'RULE' --state DIR [--since 30d] [--config DIR]
       redwire topics explain ITEM_ID --state DIR --config DIR
       redwire topics eval FILE.jsonl --config DIR [--split test|dev|all]
                   [--rule 'RULE' --topic ID] [--topic ID] [--cv K]
                   [--min-macro-f1 X] [--min-f1 X]

test     lists the stored items published within --since (default 30d) that
         RULE matches, newest first, each with the terms that matched. RULE
         is written as in a [[topic]] match (see docs/topics.md); tag:
         terms need --config (the sources' tags are configured).
explain  says for every configured topic whether it takes the item and why
         (the rule's matching terms, an included or excluded source or tag).
         ITEM_ID is the item's id, guid, link or store row number.

eval     scores the configured topics on a labelled corpus (JSON lines with
         id, lang, title, summary, topics and split; default split test):
         per topic precision, recall and F1, macro-F1, the same per
         language, then every false positive with the terms that fired
         and every false negative with the nearest miss (the terms that
         did occur). --rule scores one rule against --topic's labels;
         --topic alone scores one configured topic. A topic with a model
         (model = "confirm" or "propose") is scored as the daemon decides,
         with its rule alone beside it.
         --cv K cross-validates the models on the dev part (the default
         split with --cv; other splits are refused): dev record i, in file
         order, goes to fold i mod K, and each fold is scored by models
         trained on the other K-1 folds of FILE, so no record is scored by
         a model that saw it. Choose a topic's model, mode and threshold
         by these figures, never by the test part's.

test and explain read STATE/redwire.db without blocking a running daemon.
They exit 0 when something matched, 3 when nothing did, 1 on an error (a
rule error shows the column), 2 on bad usage. eval exits 0, or 4 when
macro-F1 is below --min-macro-f1 or a topic's F1 below --min-f1.
)",
     {{"--state", true}, {"--since", true}, {"--config", true}, {"--split", true}, {"--rule", true},
      {"--topic", true}, {"--min-macro-f1", true}, {"--min-f1", true}, {"--cv", true}},
     {},
     TopicsCommand},
    {"items", "list or search stored items",
     R"(usage: redwire items --state DIR [--search "WORDS"] [--topic ID] [--source ID]
                     [--since DATE] [--limit N] [--json]

Lists stored items, newest first by published date (50 unless --limit; 0
lists all). --search matches words in the title, summary and content,
ignoring case and accents: words (all must match), "a phrase", prefix*,
OR between two terms, -word to exclude. --since takes 2024-03-05,
2024-03-05T10:00:00Z or an age such as 30d. --json prints a JSON array.

Reads STATE/redwire.db without blocking a running daemon. Exits 0 when
items were listed, 3 when none matched, 1 on an error, 2 on bad usage.
)",
     {{"--state", true}, {"--search", true}, {"--topic", true}, {"--source", true},
      {"--since", true}, {"--limit", true}, {"--json", false}},
     {"--state"},
     ItemsCommand},
};

const Command* FindCommand(const std::string& name) {
  for (const auto& c : kCommands) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

void PrintUsage(std::FILE* out) {
  std::fprintf(out,
               "redwire %s — a feed aggregator for the news of communist and workers' parties\n\n"
               "usage: redwire COMMAND [OPTIONS]\n\ncommands:\n",
               kVersion);
  for (const auto& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
  std::fputs("\noptions for every command:\n"
             "  --log-level LEVEL  trace, debug, info (default), warn, error, critical, off\n"
             "  --help             the command's help\n\n"
             "redwire help COMMAND shows a command's options; redwire --version its version.\n",
             out);
}

// Parses argv[2..] against `command`; prints the problem and returns false.
bool ParseArgs(const Command& command, int argc, char** argv, Args& args, std::string& log_level,
               bool& help) {
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      args.operands.push_back(arg);
      continue;
    }
    // "--flag=value" is the same as "--flag value".
    const auto eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const Flag* flag = nullptr;
    static const Flag kLogLevel{"--log-level", true};
    if (name == kLogLevel.name) flag = &kLogLevel;
    for (const auto& f : command.flags) {
      if (name == f.name) flag = &f;
    }
    if (!flag) {
      std::fprintf(stderr, "redwire %s: unknown option %s (see redwire help %s)\n", command.name,
                   name.c_str(), command.name);
      return false;
    }
    std::string value;
    if (flag->takes_value) {
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        std::fprintf(stderr, "redwire %s: %s needs a value\n", command.name, name.c_str());
        return false;
      }
    } else if (eq != std::string::npos) {
      std::fprintf(stderr, "redwire %s: %s takes no value\n", command.name, name.c_str());
      return false;
    }
    if (name == kLogLevel.name) {
      log_level = value;
    } else {
      args.flags[name] = value;
      args.repeated[name].push_back(value);
    }
  }
  return true;
}

// redwire(1) from kCommands; the build installs this output.
void PrintManPage() {
  std::vector<redwire::app::ManCommand> commands;
  for (const auto& c : kCommands) {
    redwire::app::ManCommand& command = commands.emplace_back();
    command.name = c.name;
    command.summary = c.summary;
    command.help = c.help;
    for (const auto& flag : c.flags) command.flags.push_back(flag.name);
  }
  std::fputs(redwire::app::ManPage(commands, kVersion).c_str(), stdout);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return 2;
  }
  const std::string first = argv[1];
  if (first == "--help" || first == "-h") {
    PrintUsage(stdout);
    return 0;
  }
  if (first == "--version" || first == "-V") {
    std::printf("redwire %s\n", kVersion);
    return 0;
  }
  if (first == "--man") {
    PrintManPage();
    return 0;
  }
  if (first == "help") {
    if (argc < 3) {
      PrintUsage(stdout);
      return 0;
    }
    const Command* command = FindCommand(argv[2]);
    if (!command) {
      std::fprintf(stderr, "redwire: unknown command '%s' (see redwire --help)\n", argv[2]);
      return 2;
    }
    std::fputs(command->help, stdout);
    return 0;
  }
  const Command* command = FindCommand(first);
  if (!command) {
    std::fprintf(stderr, "redwire: unknown command '%s' (see redwire --help)\n", first.c_str());
    return 2;
  }
  Args args;
  std::string log_level = command->log_level;
  bool help = false;
  if (!ParseArgs(*command, argc, argv, args, log_level, help)) return 2;
  if (help) {
    std::fputs(command->help, stdout);
    return 0;
  }
  for (const char* needed : command->needs) {
    if (!args.has(needed)) {
      std::fprintf(stderr, "redwire %s: %s is required (see redwire help %s)\n", command->name, needed,
                   command->name);
      return 2;
    }
  }
  if (!redwire::app::SetUpLogging(log_level)) {
    std::fprintf(stderr, "redwire: unknown log level '%s'\n", log_level.c_str());
    return 2;
  }
  return command->run(args);
}
