// cli: the commands behind main.cc's command table, one file each (status is
// health.cc), with the logging set-up every command shares and the manual
// written from the table. This header is the folder's interface; the
// per-command headers it includes are private to cli/.
#pragma once

#include "daemon/cli/check_online.h"
#include "daemon/cli/health.h"
#include "daemon/cli/items_cli.h"
#include "daemon/cli/logging.h"
#include "daemon/cli/manpage.h"
#include "daemon/cli/poll_cli.h"
#include "daemon/cli/scrape_cli.h"
#include "daemon/cli/topics_cli.h"
#include "daemon/cli/topics_eval.h"
