// Internal to api/: what a public Db wraps.
#pragma once

#include <memory>

#include "index/db.hpp"
#include "quarry/quarry.hpp"

namespace quarry {

struct Db::Impl {
  index::Db db;
};

[[nodiscard]] inline Db wrap_db(index::Db db) {
  return Db(std::make_shared<const Db::Impl>(Db::Impl{std::move(db)}));
}

}  // namespace quarry
