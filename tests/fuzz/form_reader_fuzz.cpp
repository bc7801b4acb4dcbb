// Fuzz target: the REPL's form reader, EdnStreamReader (codec/edn_reader.hpp), in both error modes
// (Eager for a terminal, WholeForm for script mode), fed in pieces cut where the input's bytes say.
// The REPL session itself is not fuzzed here: its meta commands (.import, .export, .backup) read and
// write files named by the input.
//
// Invariants, for any bytes and any cut: next() always terminates (an error consumes at least one
// byte); positions only move forward and the text position of each form is where advance_position
// puts its offset; each form's own text reads back to the form; and when the whole text reads with
// read_edn_all, the stream gives exactly those forms and no error, whichever mode and however cut.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codec/edn_printer.hpp"
#include "codec/edn_reader.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

struct StreamRun {
  std::vector<quarry::Value> forms;
  std::size_t errors = 0;
};

StreamRun run_stream(std::string_view text, quarry::StreamErrors mode, std::uint8_t cut_seed,
                     const quarry::EdnReadOptions& options) {
  quarry::EdnStreamReader reader(options, {}, mode);
  StreamRun run;
  std::size_t fed = 0;
  std::size_t step = 1 + cut_seed % 17;
  auto drain = [&] {
    for (;;) {
      const quarry::TextPosition before = reader.position();
      auto r = reader.next();
      if (!r) {
        ++run.errors;
        QUARRY_FUZZ_CHECK(reader.position().offset > before.offset, "an error consumed nothing");
        continue;
      }
      if (!*r) return;
      const quarry::EdnForm& form = **r;
      QUARRY_FUZZ_CHECK(form.start.offset >= before.offset && form.end.offset > form.start.offset &&
                            form.end.offset <= fed,
                        "form outside the text fed");
      QUARRY_FUZZ_CHECK(quarry::advance_position({}, text.substr(0, form.start.offset)) == form.start,
                        "start position disagrees with its offset");
      QUARRY_FUZZ_CHECK(quarry::advance_position({}, text.substr(0, form.end.offset)) == form.end,
                        "end position disagrees with its offset");
      auto own = quarry::read_edn(text.substr(form.start.offset, form.end.offset - form.start.offset), options);
      QUARRY_FUZZ_CHECK(own.has_value() && *own == form.value,
                        std::string(text.substr(form.start.offset, form.end.offset - form.start.offset)));
      run.forms.push_back(form.value);
    }
  };
  while (fed < text.size()) {
    // pieces: lines when the seed is even (as the REPL feeds), else fixed-size cuts
    std::size_t n;
    if (cut_seed % 2 == 0) {
      std::size_t nl = text.find('\n', fed);
      n = nl == std::string_view::npos ? text.size() - fed : nl + 1 - fed;
    } else {
      n = std::min(step, text.size() - fed);
    }
    reader.feed(text.substr(fed, n));
    fed += n;
    drain();
  }
  reader.finish();
  drain();
  QUARRY_FUZZ_CHECK(reader.at_end(), "input left after finish()");
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t cut_seed = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  quarry::EdnReadOptions options;
  options.skip_quote = true;  // as the REPL reads
  auto all = quarry::read_edn_all(text, options);
  for (auto mode : {quarry::StreamErrors::WholeForm, quarry::StreamErrors::Eager}) {
    StreamRun run = run_stream(text, mode, cut_seed, options);
    if (all) {
      QUARRY_FUZZ_CHECK(run.errors == 0, "an error in text read_edn_all accepts");
      QUARRY_FUZZ_CHECK(run.forms.size() == all->size(), "a different number of forms than read_edn_all");
      for (std::size_t i = 0; i < run.forms.size(); ++i)
        QUARRY_FUZZ_CHECK(run.forms[i] == (*all)[i], quarry::to_edn(run.forms[i]));
    } else {
      QUARRY_FUZZ_CHECK(run.errors > 0, "no error in text read_edn_all refuses");
    }
  }
  return 0;
}
