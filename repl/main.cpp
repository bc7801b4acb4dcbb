// The `quarry` command (doc/architecture.md, "The quarry command"): `quarry [DIR]`, `quarry --mem`, `quarry DIR -e FORM`,
// script mode when standard input is not a terminal, interactive mode (libedit) when it is.
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <quarry/config.hpp>
#include <quarry/quarry.hpp>

#include "interrupt.hpp"
#include "line_editor.hpp"
#include "session.hpp"

namespace {

constexpr const char* kVersion = "quarry 0.1.0";

constexpr const char* kUsage = R"(usage: quarry [DIR]           open (creating if missing) the database in DIR (default: $QUARRY_DB,
                              else ./quarry-data)
       quarry --mem           an in-memory database
       quarry DIR -e FORM     evaluate one form, print its result, exit
       quarry DIR < FILE      script mode: one line of EDN per form; exit 1 if any form failed
       quarry --repair DIR    repair a database refused as :storage/damaged (lost CURRENT,
                              MANIFEST or log) where no committed data is lost; doc/reliability.md
       quarry --restore-backup BACKUPDIR DIR
                              write the latest backup of BACKUPDIR (made by .backup BACKUPDIR
                              :incremental) as a new database in DIR
       quarry --help | --version
options:
       --format edn|table     how results print; scripts and -e print EDN unless this says table
       --strict               undeclared attributes are errors (:tx/unknown-attribute)
       --read-only            transactions and imports are refused (:storage/read-only); a RocksDB
                              database is opened without its lock, as it is at the moment of opening
       --secondary SDIR       follow a writer of DIR in another process (RocksDB secondary
                              instance; SDIR is this reader's own directory): read-only, and
                              .catch-up reads the writer's newer commits
       --timeout MS           query deadline in milliseconds (:query/timeout); .timeout changes it
storage settings (RocksDB; doc/operations.md, "Configuration"):
       --config FILE          read `key = value` settings from FILE (default: $QUARRY_CONFIG)
       --preset NAME          balanced (default), low-latency, write-heavy or large-state
       --block-cache SIZE     block cache size, e.g. 256M, or auto (the default: sized to the
                              data, 64M to min(1G, memory/8); doc/operations.md)
       --set KEY=VALUE        any setting: sync, block-cache, block-size, bloom-bits,
                              partitioned-filters, compression, bottommost-compression,
                              compression-per-level, write-buffer, max-write-buffers,
                              wal-max-total, wal-bytes-per-sync, background-jobs
       --show-config          print the settings these give as one EDN map and exit (opens nothing)
       precedence: config file < QUARRY_<KEY> environment variables < flags; a preset first
environment:
       QUARRY_DB              the database when neither DIR nor --mem is given: a path, or :mem:
       QUARRY_CONFIG          the config file when --config is not given
       QUARRY_<KEY>           a storage setting, e.g. QUARRY_PRESET=large-state QUARRY_BLOCK_CACHE=1G
)";

struct Arguments {
  std::string dir = "quarry-data";
  bool dir_given = false;
  bool in_memory = false;
  bool strict = false;
  bool read_only = false;
  std::string secondary;
  std::optional<std::chrono::milliseconds> timeout;
  bool repair = false;
  std::optional<std::string> restore_backup;
  std::optional<std::string> expression;
  std::optional<quarry::repl::OutputFormat> format;
  std::optional<std::string> config_file;
  std::vector<std::pair<std::string, std::string>> settings;  // from flags, in order
  bool show_config = false;
};

// nullopt after printing usage, help or version; exit_code says how to leave.
std::optional<Arguments> parse_arguments(int argc, char** argv, int& exit_code) {
  Arguments args;
  bool dir_seen = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      exit_code = 0;
      return std::nullopt;
    }
    if (a == "--version") {
      std::puts(kVersion);
      exit_code = 0;
      return std::nullopt;
    }
    if (a == "--mem") {
      args.in_memory = true;
    } else if (a == "--strict") {
      args.strict = true;
    } else if (a == "--read-only") {
      args.read_only = true;
    } else if (a == "--timeout" && i + 1 < argc) {
      char* end = nullptr;
      long long ms = std::strtoll(argv[i + 1], &end, 10);
      if (end == argv[i + 1] || *end != '\0' || ms < 0) {
        std::fprintf(stderr, "quarry: --timeout takes milliseconds (0: none), got '%s'\n%s", argv[i + 1], kUsage);
        exit_code = 2;
        return std::nullopt;
      }
      ++i;
      if (ms > 0) args.timeout = std::chrono::milliseconds(ms);
    } else if (a == "--secondary" && i + 1 < argc) {
      args.secondary = argv[++i];
    } else if (a == "--config" && i + 1 < argc) {
      args.config_file = argv[++i];
    } else if (a == "--preset" && i + 1 < argc) {
      args.settings.emplace_back("preset", argv[++i]);
    } else if (a == "--block-cache" && i + 1 < argc) {
      args.settings.emplace_back("block-cache", argv[++i]);
    } else if (a == "--set" && i + 1 < argc) {
      std::string kv = argv[++i];
      std::size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::fprintf(stderr, "quarry: --set takes KEY=VALUE, got '%s'\n%s", kv.c_str(), kUsage);
        exit_code = 2;
        return std::nullopt;
      }
      args.settings.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    } else if (a == "--show-config") {
      args.show_config = true;
    } else if (a == "--restore-backup" && i + 1 < argc) {
      args.restore_backup = argv[++i];
    } else if (a == "--repair") {
      args.repair = true;
    } else if (a == "-e" && i + 1 < argc) {
      args.expression = argv[++i];
    } else if (a == "--format" && i + 1 < argc && (std::strcmp(argv[i + 1], "edn") == 0 ||
                                                  std::strcmp(argv[i + 1], "table") == 0)) {
      args.format = std::strcmp(argv[++i], "edn") == 0 ? quarry::repl::OutputFormat::Edn
                                                       : quarry::repl::OutputFormat::Table;
    } else if (!a.starts_with('-') && !dir_seen) {
      args.dir = a;
      dir_seen = true;
      args.dir_given = true;
    } else {
      std::fprintf(stderr, "quarry: unexpected argument '%s'\n%s", a.c_str(), kUsage);
      exit_code = 2;
      return std::nullopt;
    }
  }
  return args;
}

// Script mode: lines from standard input, no line editing, no prompt.
void run_script(quarry::repl::Session& session) {
  std::string line;
  while (!session.quit_requested() && std::getline(std::cin, line)) {
    if (!std::cin.eof()) line += '\n';  // the last line may have none
    session.feed_line(line);
  }
  if (!session.quit_requested()) session.finish();
}

void run_interactive(quarry::repl::Session& session, const char* program) {
  using quarry::repl::LineEditor;
  quarry::repl::install_interrupt_handler();
  LineEditor editor(program, LineEditor::default_history_path());
  while (!session.quit_requested()) {
    // Ctrl-C cannot raise SIGINT while a line is edited (line_editor.hpp), so clearing the flag
    // here means: a Ctrl-C from the moment this line is entered is for its forms.
    quarry::repl::interrupt_flag().store(false);
    LineEditor::Input input = editor.read(session.prompt());
    if (input.event == LineEditor::Event::End) break;
    if (input.event == LineEditor::Event::Interrupt) {
      session.discard_pending();
      continue;
    }
    editor.remember(input.text);
    session.feed_line(input.text + '\n');
  }
  std::puts("");
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed pipe shows as a write error, not a silent death
  int exit_code = 0;
  auto args = parse_arguments(argc, argv, exit_code);
  if (!args) return exit_code;

  // QUARRY_DB names the database when the command line does not.
  if (!args->dir_given && !args->in_memory) {
    if (const char* env = std::getenv("QUARRY_DB"); env && *env) {
      if (std::strcmp(env, ":mem:") == 0) {
        args->in_memory = true;
      } else {
        args->dir = env;
      }
    }
  }
  quarry::Options options;
  options.in_memory = args->in_memory;
  options.path = args->dir;
  options.strict_schema = args->strict;
  options.read_only = args->read_only;
  options.secondary_path = args->secondary;
  {
    // Storage settings: config file < environment < flags. A bad one opens nothing.
    quarry::ConfigSources sources{.file = {}, .environment = true, .flags = args->settings};
    if (args->config_file) {
      sources.file = *args->config_file;
    } else if (const char* env = std::getenv("QUARRY_CONFIG"); env && *env) {
      sources.file = env;
    }
    auto configured = quarry::configure(options, sources);
    if (!configured) {
      std::fprintf(stderr, "quarry: %s\n", configured.error().message.c_str());
      std::puts(configured.error().to_edn().c_str());
      return 1;
    }
    options = std::move(*configured);
    if (args->show_config) {
      std::puts(quarry::describe_configuration(options).c_str());
      return 0;
    }
  }
  if (args->restore_backup) {
    // One EDN line: {:restored "DIR" :from "BACKUPDIR" :id N} or the #error.
    auto id = quarry::Database::restore_backup(*args->restore_backup, args->dir);
    if (!id) {
      std::fprintf(stderr, "quarry: %s\n", id.error().message.c_str());
      std::puts(id.error().to_edn().c_str());
      return 1;
    }
    quarry::Map result;
    (void)quarry::make_map({{quarry::Value::keyword("restored"), quarry::Value(args->dir)},
                            {quarry::Value::keyword("from"), quarry::Value(*args->restore_backup)},
                            {quarry::Value::keyword("id"), quarry::Value(static_cast<std::int64_t>(*id))}},
                           result);
    std::puts(quarry::to_edn(quarry::Value(std::move(result))).c_str());
    return 0;
  }
  if (args->repair) {
    // One EDN line, like -e: {:repaired "DIR" :done "what it did"} or the #error.
    auto repaired = quarry::Database::repair(options);
    if (!repaired) {
      std::fprintf(stderr, "quarry: %s\n", repaired.error().message.c_str());
      std::puts(repaired.error().to_edn().c_str());
      return 1;
    }
    quarry::Map result;
    (void)quarry::make_map({{quarry::Value::keyword("repaired"), quarry::Value(args->dir)},
                            {quarry::Value::keyword("done"), quarry::Value(*repaired)}},
                           result);
    std::puts(quarry::to_edn(quarry::Value(std::move(result))).c_str());
    return 0;
  }
  auto database = quarry::Database::open(options);
  if (!database) {
    std::fprintf(stderr, "quarry: %s\n", database.error().message.c_str());
    std::puts(database.error().to_edn().c_str());
    return 1;
  }

  bool interactive = !args->expression && isatty(STDIN_FILENO);
  quarry::repl::Session session(*database,
                                {.interactive = interactive, .format = args->format, .timeout = args->timeout});
  if (args->expression) {
    session.evaluate_text(*args->expression);
  } else if (interactive) {
    std::printf("%s — %s. .help for help, Ctrl-D to quit.\n", kVersion,
                args->in_memory ? "in-memory database" : ("database " + args->dir).c_str());
    run_interactive(session, argv[0]);
    return session.output_failed() ? 1 : 0;
  } else {
    run_script(session);
  }
  return session.any_failed() || session.output_failed() ? 1 : 0;
}
