#include "daemon/classify/labelled.h"

#include <nlohmann/json.hpp>

#include <fstream>

namespace redwire::classify {
namespace {

// A corpus is a few thousand headlines; anything far bigger is a mistake.
constexpr std::size_t kMaxRecords = 200'000;
constexpr std::streamoff kMaxBytes = std::streamoff{64} << 20;

}  // namespace

Result<std::vector<LabelledRecord>> ReadLabelled(const std::string& file, const std::string& split) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return Error{"cannot open " + file};
  if (in.tellg() > kMaxBytes) return Error{file + ": over 64 MiB, not a labelled corpus"};
  in.seekg(0);
  std::vector<LabelledRecord> records;
  std::size_t read = 0;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Error{file + ":" + std::to_string(number) + ": not a JSON object"};
    if (++read > kMaxRecords) return Error{file + ": more than " + std::to_string(kMaxRecords) + " records"};
    LabelledRecord r;
    try {
      r.id = j.value("id", std::to_string(number));
      r.lang = j.value("lang", "");
      r.title = j.value("title", "");
      r.summary = j.value("summary", "");
      r.split = j.value("split", "");
      for (const auto& t : j.value("topics", nlohmann::json::array())) r.topics.insert(t.get<std::string>());
    } catch (const nlohmann::json::exception& e) {
      return Error{file + ":" + std::to_string(number) + ": " + e.what()};
    }
    if (split != "all" && r.split != split) continue;
    records.push_back(std::move(r));
  }
  if (records.empty()) return Error{file + ": no records in split '" + split + "'"};
  return records;
}

Item ItemOf(const LabelledRecord& record, const std::string& source_id) {
  Item item;
  item.source_id = source_id;
  item.id = record.id;
  item.title = record.title;
  item.summary_text = record.summary;
  item.language = record.lang;
  return item;
}

}  // namespace redwire::classify
