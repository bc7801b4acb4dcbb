// Fuzz target: the EDN reader and printer (codec/edn_reader.hpp, codec/edn_printer.hpp).
// For any bytes: reading never crashes or hangs; an error is :edn/syntax, :edn/depth or
// :edn/unsupported, never :quarry/internal; read_edn agrees with read_edn_all on one form; and every
// value read prints as EDN that reads back to an equal value and prints the same again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "codec/edn_printer.hpp"
#include "codec/edn_reader.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

void check_error(const quarry::Error& e) {
  using quarry::ErrorCode;
  QUARRY_FUZZ_CHECK(e.code == ErrorCode::EdnSyntax || e.code == ErrorCode::EdnDepth ||
                        e.code == ErrorCode::EdnUnsupported,
                    e.to_edn());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  quarry::EdnReadOptions options;
  options.skip_quote = size > 0 && (data[0] & 1);
  auto all = quarry::read_edn_all(text, options);
  auto one = quarry::read_edn(text, options);
  if (!all) {
    check_error(all.error());
    QUARRY_FUZZ_CHECK(!one, "read_edn accepted what read_edn_all refused");
    return 0;
  }
  if (all->size() == 1) {
    QUARRY_FUZZ_CHECK(one.has_value(), one.error().to_edn());
    QUARRY_FUZZ_CHECK(*one == all->front(), quarry::to_edn(*one));
  } else {
    QUARRY_FUZZ_CHECK(!one, "read_edn accepted zero or several forms");
    check_error(one.error());
  }
  for (const quarry::Value& v : *all) {
    const std::string printed = quarry::to_edn(v);
    auto again = quarry::read_edn(printed);
    QUARRY_FUZZ_CHECK(again.has_value(), printed + "\n" + (again ? "" : again.error().message));
    QUARRY_FUZZ_CHECK(*again == v, printed + "\nread back as\n" + quarry::to_edn(*again));
    QUARRY_FUZZ_CHECK(quarry::to_edn(*again) == printed, printed + "\nprinted again as\n" + quarry::to_edn(*again));
  }
  return 0;
}
