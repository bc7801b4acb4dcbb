#include "tx/form_text.hpp"

#include "codec/edn_printer.hpp"

namespace quarry::tx {

std::string form_text(const Value& v, std::size_t limit) {
  std::string s = to_edn(v);
  if (s.size() > limit) {
    s.resize(limit);
    s += "...";
  }
  return s;
}

}  // namespace quarry::tx
