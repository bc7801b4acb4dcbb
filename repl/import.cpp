#include "import.hpp"

#include <cmath>

namespace quarry::repl {

Value ImportSummary::to_value() const {
  Map m;
  [[maybe_unused]] bool ok =
      make_map({{Value::keyword("transactions"), Value(static_cast<std::int64_t>(transactions))},
                {Value::keyword("datoms"), Value(static_cast<std::int64_t>(datoms))},
                {Value::keyword("seconds"), Value(std::round(seconds * 1000) / 1000)}},
               m);
  return Value(std::move(m));
}

Result<ImportSummary> import_file(Database& database, const std::string& path, const ImportOptions& options) {
  quarry::ImportOptions stream{.batch_size = options.batch_size, .cancel = options.cancel, .progress = {}};
  stream.csv_separator = options.csv_separator;
  stream.csv_value_separator = options.csv_value_separator;
  if (options.csv) stream.format = quarry::ImportOptions::Format::Csv;
  if (options.progress) {
    stream.progress = [&options](const ImportProgress& at) {
      if (at.bytes_total > 0)
        options.progress(static_cast<std::size_t>(at.bytes_read), static_cast<std::size_t>(at.bytes_total));
    };
  }
  auto done = database.import(path, stream);
  if (!done) return std::unexpected(done.error());
  return ImportSummary{static_cast<std::size_t>(done->transactions), static_cast<std::size_t>(done->datoms),
                       done->seconds};
}

}  // namespace quarry::repl
