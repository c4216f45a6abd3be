// classify/fold: classify's names for the one folding in util/fold.h, which
// rules and items are compared in. Internal to classify; classify.h
// re-exports FoldText and FoldTextWhole.
#pragma once

#include "util/fold.h"

namespace redwire::classify {

using util::AppendStripped;
using util::FoldKeepMarks;
using util::FoldText;
using util::FoldTextWhole;

}  // namespace redwire::classify
