// classify/labelled: a labelled topic corpus (JSON lines, the format of
// feeds/topics/labelled.jsonl), read for `topics eval` and for
// training the learned signal (learned.h).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "model/item.h"
#include "model/result.h"

namespace redwire::classify {

// One line: {"id","lang","title","summary","topics":[...],"split"}.
struct LabelledRecord {
  std::string id, lang, title, summary, split;
  std::set<std::string> topics;
};

// The records of `split` ("dev", "test", or "all" for every record), in
// file order. Fails on an unreadable file, a file over 64 MiB or 200 000
// records, a line that is not a JSON object of those fields (named
// "FILE:LINE: ..."), or no record in the split.
Result<std::vector<LabelledRecord>> ReadLabelled(const std::string& file, const std::string& split);

// The record as the classifier sees an item: title, summary as its text,
// language; source id `source_id`.
Item ItemOf(const LabelledRecord& record, const std::string& source_id);

}  // namespace redwire::classify
