// Routes: the fixed route table behind the HTTP server. Nothing maps to the
// filesystem; unknown paths are 404.
#pragma once

#include <memory>
#include <string>

#include "daemon/app/app.h"
#include "daemon/http/server.h"
#include "store/store.h"

namespace redwire::app {

class Routes {
 public:
  // `base_url` (no trailing slash) prefixes self links. `store` must outlive.
  Routes(store::Store& store, std::shared_ptr<const LiveConfig> config, std::string base_url);

  http::Response Handle(const http::Request& request);

 private:
  http::Response Index();
  http::Response Feed(const http::Request& request, const std::string& id, const std::string& title,
                      const store::Query& query);

  store::Store& store_;
  std::shared_ptr<const LiveConfig> config_;
  std::string base_url_;
};

}  // namespace redwire::app
