// The dot commands of a session (doc/architecture.md, "The quarry command"): .help .schema .stats .timer .format .timeout
// .import .export .backup .restore .compact .catch-up .quit. In script mode a command that only changes a setting
// (.timer, .format, .timeout) prints nothing and the others print one line of EDN.
#include <cctype>
#include <chrono>
#include <cstdio>
#include <optional>

#include "export.hpp"
#include "import.hpp"
#include "interrupt.hpp"
#include "meta.hpp"
#include "progress.hpp"
#include "session.hpp"
#include "text.hpp"

namespace quarry::repl {
namespace {

// A file name: the rest of the line, or an EDN string for names with odd characters.
Result<std::string> file_argument(std::string_view text, const char* usage) {
  text = trim(text);
  if (text.empty()) return fail(ErrorCode::InvalidArgument, std::string("usage: ") + usage);
  if (!text.starts_with('"')) return std::string(text);
  auto name = read_edn(text);
  if (!name || !name->is<std::string>())
    return fail(ErrorCode::InvalidArgument, std::string("usage: ") + usage + " (a quoted name must be one EDN string)");
  return name->as<std::string>();
}

// .import's options and the FILE they follow (a view of the command's text).
struct ImportRequest : ImportOptions {
  std::string_view file;
};

constexpr const char* kImportUsage =
    ".import FILE [:batch N] [:separator C] [:value-separator C]";

// A separator option's value: a one-character EDN string ("\t", ";") or character (\tab, \;);
// for :value-separator also "" or nil (none), given as '\0'.
std::optional<char> separator_value(const Value& v, bool none_allowed) {
  if (none_allowed && (v.is_nil() || (v.is<std::string>() && v.as<std::string>().empty()))) return '\0';
  if (v.is<std::string>() && v.as<std::string>().size() == 1) return v.as<std::string>()[0];
  if (v.is<Char>() && v.as<Char>().code_point > 0 && v.as<Char>().code_point < 0x80)
    return static_cast<char>(v.as<Char>().code_point);
  return std::nullopt;
}

// .import's arguments: FILE, then options in any order, each at most once. Read from the end
// (a FILE may hold spaces): the last " :key " starts the last option. A separator option makes
// the file CSV whatever its extension (people.tsv). Whether a separator fits CSV is
// Database::import's check (ImportOptions::csv_separator).
Result<ImportRequest> import_options(std::string_view argument) {
  ImportRequest request;
  argument = trim(argument);
  static constexpr std::string_view kKeys[] = {":batch", ":separator", ":value-separator"};
  bool seen[std::size(kKeys)] = {};
  // A quoted FILE ("my :batch 2.csv") ends at its closing quote: no option starts before it.
  std::size_t file_end = 0;
  if (argument.starts_with('"'))
    for (std::size_t i = 1; i < argument.size(); ++i) {
      if (argument[i] == '\\') {
        ++i;
      } else if (argument[i] == '"') {
        file_end = i;
        break;
      }
    }
  for (;;) {
    std::size_t at = std::string_view::npos, which = 0;
    for (std::size_t k = 0; k < std::size(kKeys); ++k) {
      for (std::size_t from = argument.size(); from > 0;) {
        std::size_t found = argument.rfind(kKeys[k], from - 1);
        if (found == std::string_view::npos || found < file_end) break;
        const std::size_t after = found + kKeys[k].size();
        // A whole word: after whitespace (never at 0: FILE comes first), then whitespace or the end.
        if (found > 0 && std::isspace(static_cast<unsigned char>(argument[found - 1])) &&
            (after == argument.size() || std::isspace(static_cast<unsigned char>(argument[after])))) {
          if (at == std::string_view::npos || found > at) at = found, which = k;
          break;
        }
        from = found;
      }
    }
    if (at == std::string_view::npos) break;
    const std::string_view key = kKeys[which];
    auto usage = [&](std::string_view what) {
      return fail(ErrorCode::InvalidArgument, "usage: " + std::string(kImportUsage) + " (" + std::string(key) + ": " +
                                                  std::string(what) + ")");
    };
    if (seen[which]) return usage("given twice");
    seen[which] = true;
    const std::string_view text = trim(argument.substr(at + key.size()));
    if (text.empty()) return usage("no value given");
    auto value = read_edn(text);
    if (!value) return usage("its value is not one EDN value");
    if (which == 0) {
      if (!value->is<std::int64_t>() || value->as<std::int64_t>() <= 0) return usage("N a positive number");
      request.batch_size = static_cast<std::size_t>(value->as<std::int64_t>());
    } else if (which == 1) {
      auto c = separator_value(*value, false);
      if (!c) return usage("C one character, as a string (\";\" \"\\t\") or an EDN character (\\tab)");
      request.csv_separator = *c;
      request.csv = true;
    } else {
      auto c = separator_value(*value, true);
      if (!c) return usage("C one character, as a string or an EDN character, or \"\" for none");
      request.csv_value_separator = *c;
      request.csv = true;
    }
    argument = trim(argument.substr(0, at));
  }
  request.file = argument;
  return request;
}

}  // namespace

void Session::run_meta(std::string_view command) {
  auto space = command.find_first_of(" \t");
  std::string_view name = command.substr(0, space);
  std::string_view arg = space == std::string_view::npos ? std::string_view() : trim(command.substr(space));
  if (name == ".quit" || name == ".exit") {
    // Not a setting, so a script gets its one line (§7): nil, as a form with no result.
    if (!interactive_) print_text("nil\n");
    quit_ = true;
  } else if (name == ".help") {
    // A script gets the same text as one EDN string: one line per command.
    print_text(interactive_ ? help_text() : to_edn(Value(help_text())) + "\n");
  } else if (name == ".timer" && (arg == "on" || arg == "off")) {
    timer_ = arg == "on";
    note(std::string("timer ") + (timer_ ? "on" : "off"));
  } else if (name == ".format" && (arg == "edn" || arg == "table")) {
    format_ = arg == "edn" ? OutputFormat::Edn : OutputFormat::Table;
    note("format " + std::string(arg));
  } else if (name == ".timeout") {
    run_timeout(arg);
  } else if (name == ".timer" || name == ".format") {
    report(Error{ErrorCode::InvalidArgument,
                 name == ".timer" ? "usage: .timer on|off" : "usage: .format edn|table"});
  } else if (name == ".schema") {
    print_result(schema_summary(database_.db()));
  } else if (name == ".stats") {
    if (arg.empty()) return print_result(stats_summary(database_));
    if (arg != "all") return report(Error{ErrorCode::InvalidArgument, "usage: .stats [all]"});
    if (!tables()) return print_result(stats_all(database_));
    auto table = stats_table(database_);
    if (!table) return report(table.error());
    print_text(*table);
  } else if (name == ".restore") {
    // The reverse of .backup: a new database (memory or RocksDB) becomes a copy of DIR.
    auto dir = file_argument(arg, ".restore DIR");
    if (!dir) return report(dir.error());
    auto copied = database_.restore(*dir);
    if (!copied) return report(copied.error());
    Map m;
    (void)make_map({{Value::keyword("restore"), Value(*dir)},
                    {Value::keyword("basis-tx"), Value(static_cast<std::int64_t>(database_.db().basis().value))},
                    {Value::keyword("keys"), Value(static_cast<std::int64_t>(*copied))}},
                   m);
    print_result(Value(std::move(m)));
  } else if (name == ".catch-up") {
    if (!arg.empty()) return report(Error{ErrorCode::InvalidArgument, "usage: .catch-up (no arguments)"});
    auto basis = database_.catch_up();
    if (!basis) return report(basis.error());
    Map out;
    (void)make_map({{Value::keyword("basis-tx"), Value(static_cast<std::int64_t>(basis->value))}}, out);
    print_result(Value(std::move(out)));
  } else if (name == ".backup") {
    run_backup(arg);
  } else if (name == ".compact") {
    if (!arg.empty()) return report(Error{ErrorCode::InvalidArgument, "usage: .compact (no arguments)"});
    run_compact();
  } else if (name == ".import") {
    run_import(arg);
  } else if (name == ".export") {
    run_export(arg);
  } else {
    report(Error{ErrorCode::ReplUnknownForm, "unknown meta command " + std::string(command) + "; .help lists them"});
  }
}

void Session::run_import(std::string_view argument) {
  auto options = import_options(argument);
  if (!options) return report(options.error());
  argument = options->file;
  auto path = file_argument(argument, kImportUsage);
  if (!path) return report(path.error());
  if (database_.options().read_only)
    return report(Error{ErrorCode::StorageReadOnly, "the database is open read-only: .import is refused"});
  options->cancel = &interrupt_flag();
  std::optional<ProgressBar> bar;
  if (interactive_) {
    bar.emplace("bytes");  // of the file read
    options->progress = [&bar](std::size_t done, std::size_t total) { bar->update(done, total); };
  }
  auto summary = import_file(database_, *path, *options);
  interrupt_flag().store(false);
  if (bar) bar->finish();
  if (!summary) return report(summary.error());
  print_text(to_edn(summary->to_value()) + "\n");
  if (interactive_ && summary->seconds > 0)
    note(with_thousands(static_cast<std::size_t>(summary->datoms / summary->seconds)) + " datoms/s");
}

void Session::run_export(std::string_view argument) {
  ExportScope scope = ExportScope::Current;
  argument = trim(argument);
  if (argument.ends_with(":history")) {
    scope = ExportScope::History;
    argument.remove_suffix(std::string_view(":history").size());
  }
  auto path = file_argument(argument, ".export FILE [:history]");
  if (!path) return report(path.error());
  print_result(export_database(database_.db(), *path, scope));
}

}  // namespace quarry::repl

namespace quarry::repl {

// .timeout MS — the query deadline in milliseconds; .timeout 0 and .timeout off both remove it.
void Session::run_timeout(std::string_view argument) {
  const char* usage = "usage: .timeout MS|off (milliseconds; 0 or off: no deadline)";
  if (argument == "off") {
    context_.timeout.reset();
  } else {
    auto ms = read_edn(argument);
    if (argument.empty() || !ms || !ms->is<std::int64_t>() || ms->as<std::int64_t>() < 0)
      return report(Error{ErrorCode::InvalidArgument, usage});
    if (ms->as<std::int64_t>() == 0) {
      context_.timeout.reset();
    } else {
      context_.timeout = std::chrono::milliseconds(ms->as<std::int64_t>());
    }
  }
  note(context_.timeout ? "timeout " + std::to_string(context_.timeout->count()) + " ms" : std::string("timeout off"));
}

void Session::run_backup(std::string_view argument) {
  // .backup DIR :incremental — a BackupEngine backup into the backup directory DIR.
  argument = trim(argument);
  if (argument.ends_with(" :incremental")) {
    auto dir = file_argument(argument.substr(0, argument.size() - 13), ".backup DIR [:incremental]");
    if (!dir) return report(dir.error());
    auto made = database_.backup_incremental(*dir);
    if (!made) return report(made.error());
    Map m;
    (void)make_map({{Value::keyword("backup"), Value(*dir)},
                    {Value::keyword("incremental"), Value(true)},
                    {Value::keyword("id"), Value(static_cast<std::int64_t>(made->id))},
                    {Value::keyword("backups"), Value(static_cast<std::int64_t>(made->backups))},
                    {Value::keyword("bytes"), Value(static_cast<std::int64_t>(made->bytes))},
                    {Value::keyword("directory-bytes"), Value(static_cast<std::int64_t>(made->directory_bytes))}},
                   m);
    return print_outcome(Outcome{.value = Value(std::move(m))});
  }
  auto dir = file_argument(argument, ".backup DIR");
  if (!dir) return report(dir.error());
  auto copied = database_.backup(*dir);
  if (!copied) return report(copied.error());
  Map m;
  (void)make_map({{Value::keyword("backup"), Value(*dir)},
                  {Value::keyword("basis-tx"), Value(static_cast<std::int64_t>(database_.db().basis().value))},
                  {Value::keyword("keys"), Value(static_cast<std::int64_t>(*copied))}},
                 m);
  print_outcome(Outcome{.value = Value(std::move(m))});
}

void Session::run_compact() {
  auto bytes = database_.compact();
  if (!bytes) return report(bytes.error());
  Map m;
  (void)make_map({{Value::keyword("bytes-before"), Value(static_cast<std::int64_t>(bytes->first))},
                  {Value::keyword("bytes-after"), Value(static_cast<std::int64_t>(bytes->second))}},
                 m);
  print_outcome(Outcome{.value = Value(std::move(m))});
}

}  // namespace quarry::repl
