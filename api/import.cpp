// Database::import: a file of tx-data vectors, read, resolved and committed as a stream
// (quarry.hpp states the contract; doc/transactions.md, "Importing", the rules).
//
// Three parts: ImportReader gives the forms of each top-level vector one at a time; Importer
// groups them into transactions (a vector as written, or cut into parts of batch_size forms) and
// keeps a queue of them one batch ahead of the writer; ImportTempids carries tempids from one
// transaction to the next.
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>

#include "api/database_impl.hpp"
#include "api/db_impl.hpp"
#include "api/import_bulk_sort.hpp"
#include "api/import_csv.hpp"
#include "api/import_json_lines.hpp"
#include "api/import_reader.hpp"
#include "api/import_tempids.hpp"
#include "index/bulk.hpp"
#include "storage/range_cache.hpp"
#include "storage/rocks_store.hpp"

namespace quarry {
namespace {

using import_detail::FormSource;
using import_detail::FormSpan;
using import_detail::ImportReader;
using import_detail::ForwardRefs;
using import_detail::ImportTempids;
using import_detail::ReadEvent;

// One transaction to run: forms [first_form, first_form + ops.size()) of the file's vector
// number `vector` (1-based), which starts at `start`; the first of them is at `first_at`, the last
// at `last_at`.
struct PendingTx {
  std::vector<Value> ops;
  std::uint64_t vector = 0;
  TextPosition start{};
  std::uint64_t first_form = 0;
  bool whole = true;  // the whole vector, not one part of a cut one
  TextPosition first_at{}, last_at{};

  void add(Value form, const TextPosition& at) {
    if (ops.empty()) first_at = at;
    last_at = at;
    ops.push_back(std::move(form));
  }
};

// Whether a form names the transaction's own entity ("datomic.tx" or :db/current-tx) anywhere.
bool names_transaction(const Value& v) {
  if (auto s = v.get_if<std::string>()) return *s == "datomic.tx";
  if (auto k = v.get_if<Keyword>()) return k->ns == "db" && k->name == "current-tx";
  const std::vector<Value>* items = nullptr;
  if (auto x = v.get_if<Vector>()) items = &x->items;
  if (auto x = v.get_if<List>()) items = &x->items;
  if (auto x = v.get_if<Set>()) items = &x->items;
  if (items) {
    for (const Value& item : *items)
      if (names_transaction(item)) return true;
  }
  if (auto m = v.get_if<Map>()) {
    for (const auto& [k, x] : m->entries)
      if (names_transaction(k) || names_transaction(x)) return true;
  }
  return false;
}

std::string position_text(const TextPosition& at) {
  return "line " + std::to_string(at.line) + ", column " + std::to_string(at.column);
}

// Whether a form can go through the bulk path: a map (without :db/ensure, whose predicates read
// the entity) or [:db/add ...]. Everything else (retractions, :db/cas, transaction functions) is
// prepared on the real database.
bool bulk_form(const Value& v) {
  if (auto m = v.get_if<Map>()) {
    for (const auto& [k, x] : m->entries)
      if (auto kw = k.get_if<Keyword>(); kw && kw->ns == "db" && kw->name == "ensure") return false;
    return true;
  }
  const std::vector<Value>* items = nullptr;
  if (auto x = v.get_if<Vector>()) items = &x->items;
  if (auto x = v.get_if<List>()) items = &x->items;
  if (!items || items->empty()) return false;
  auto op = (*items)[0].get_if<Keyword>();
  return op && op->ns == "db" && op->name == "add";
}

// Runs a FormSource on a thread of its own, up to kReadAhead events ahead of the importer, so
// parsing overlaps preparing and writing. next() gives the events in order, exactly as the reader
// would; after an error or End, the thread has stopped.
class ReadAhead {
 public:
  static constexpr std::size_t kReadAhead = 2048;

  explicit ReadAhead(FormSource& reader) : reader_(reader), thread_([this] { run(); }) {}
  ~ReadAhead() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  Result<ReadEvent> next() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return !events_.empty(); });
    Result<ReadEvent> e = std::move(events_.front());
    events_.pop_front();
    changed_.notify_all();
    return e;
  }
  [[nodiscard]] std::uint64_t bytes_read() const noexcept { return bytes_read_.load(std::memory_order_relaxed); }

 private:
  void run() {
    for (;;) {
      Result<ReadEvent> e = [&]() -> Result<ReadEvent> {
        try {
          return reader_.next();
        } catch (const std::bad_alloc&) {
          return fail(ErrorCode::OutOfMemory, "out of memory while reading the import");
        }
      }();
      const bool last = !e || e->kind == ReadEvent::Kind::End;
      bytes_read_.store(reader_.bytes_read(), std::memory_order_relaxed);
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stop_ || events_.size() < kReadAhead; });
      if (stop_) return;
      events_.push_back(std::move(e));
      changed_.notify_all();
      if (last) return;
    }
  }

  FormSource& reader_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Result<ReadEvent>> events_;
  bool stop_ = false;
  std::atomic<std::uint64_t> bytes_read_{0};
  std::thread thread_;  // last: started once everything above is built
};

// What the bulk path needs of a Database's private state (Database::import fills it in).
struct ImportTarget {
  Store* store = nullptr;
  tx::Connection* connection = nullptr;
  std::mutex* transact_mutex = nullptr;
  bool listeners = false;  // any registered
  std::string path;        // the RocksDB directory
  std::function<Result<TxReport>(Result<tx::TxReport>)> publish;
};

// The format `options` asks for, or the one `name`'s extension says.
ImportOptions::Format format_of(std::string_view name, ImportOptions::Format format) {
  if (format != ImportOptions::Format::Auto) return format;
  std::string ext(name.substr(std::min(name.size(), name.rfind('.'))));
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".csv") return ImportOptions::Format::Csv;
  if (ext == ".jsonl" || ext == ".ndjson") return ImportOptions::Format::JsonLines;
  return ImportOptions::Format::Edn;
}

class Importer {
 public:
  // `tempid_check`, when valid, is the verdict of the file's tempid check (FormSource::
  // check_tempids) made on a thread of its own while this reads and prepares: nothing is written
  // before it is known, and a failed check is the import's error.
  Importer(Database& database, ImportTarget impl, std::unique_ptr<FormSource> source, std::string name,
           const ImportOptions& options, std::uint64_t bytes_total,
           std::future<Result<void>> tempid_check = {})
      : database_(database), impl_(std::move(impl)), reader_(std::move(source)), name_(std::move(name)),
        options_(options), tempid_check_(std::move(tempid_check)) {
    progress_.bytes_total = bytes_total;
  }

  Result<ImportSummary> run() {
    const auto started = std::chrono::steady_clock::now();
    // What the import looks up (ids, unique values, existing datoms) is not kept for queries.
    ReadsNotCached not_cached;
    if (auto chosen = choose_bulk(); !chosen) return std::unexpected(chosen.error());
    auto done = read_all();
    // The check's error comes first, as when it is made before the import (nothing was written).
    if (auto checked = tempid_verdict(); !checked) {
      if (bulk_active_) {
        bulk_ = false;
        load_.reset();  // the pending entries are never written
        lock_.unlock();
      }
      return std::unexpected(checked.error());
    }
    if (bulk_active_) {
      // What was added stays, as the ordinary path's committed transactions do; after an error
      // of the bulk machinery itself nothing pending is written.
      if (auto flushed = flush_bulk(); !flushed && done) done = std::unexpected(flushed.error());
      lock_.unlock();
    }
    if (!done) return std::unexpected(done.error());
    summary_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return summary_;
  }

 private:
  // The bulk path (doc/transactions.md, "Importing"): on RocksDB, with no listener registered,
  // and (unless forced) for an input of at least kBulkMinBytes.
  Result<void> choose_bulk() {
    if (options_.bulk == ImportOptions::Bulk::Never) return {};
    auto* rocks = dynamic_cast<RocksStore*>(impl_.store);
    const bool listeners = impl_.listeners;
    if (options_.bulk == ImportOptions::Bulk::Auto &&
        (!rocks || listeners || progress_.bytes_total < ImportOptions::kBulkMinBytes))
      return {};
    if (!rocks || listeners)
      return fail(ErrorCode::InvalidArgument, std::string("ImportOptions::bulk = Always: the bulk path needs ") +
                                                  (!rocks ? "a RocksDB database (not an in-memory one)"
                                                          : "a database with no listener registered"));
    lock_ = std::unique_lock(*impl_.transact_mutex);
    // The bloom filter sized to the input: at least ~12 bytes a datom in EDN and JSON Lines (the
    // scale benchmark's people take 18.5), ~4 in CSV; a stream's size is not known (the default).
    const std::uint64_t per_datom = format_of(name_, options_.format) == ImportOptions::Format::Csv ? 4 : 12;
    bloom_bytes_ = index::BulkLoad::bloom_bytes_for(progress_.bytes_total / per_datom);
    load_ = std::make_unique<index::BulkLoad>(impl_.connection->db(), bloom_bytes_);
    sorter_ = std::make_unique<import_detail::BulkSorter>(*rocks, load_->log(), impl_.path + "/bulk-import.tmp",
                                                          options_.bulk_memory_bytes);
    last_instant_ = impl_.connection->last_instant();
    bulk_active_ = bulk_ = true;
    summary_.bulk = true;
    return {};
  }

  // Writes what the bulk path holds (one ingest) and reads the database again.
  // The tempid check's verdict, waited for once.
  Result<void> tempid_verdict() {
    if (tempid_check_.valid()) tempid_checked_ = tempid_check_.get();
    return tempid_checked_;
  }

  Result<void> flush_bulk() {
    if (!load_ || load_->empty()) return {};
    if (auto checked = tempid_verdict(); !checked) {
      bulk_ = false;
      load_.reset();
      return checked;
    }
    const std::uint64_t datoms = load_->datoms();
    auto done = sorter_->ingest(*load_);
    summary_.bulk_runs = std::max(summary_.bulk_runs, sorter_->runs_spilled());
    summary_.bulk_max_sort_bytes = std::max(summary_.bulk_max_sort_bytes, sorter_->max_held_bytes());
    if (!done) {
      bulk_ = false;
      load_.reset();
      return done;
    }
    ++summary_.bulk_ingests;
    summary_.bulk_datoms += datoms;
    if (auto r = impl_.connection->reload(last_instant_); !r) {
      bulk_ = false;
      load_.reset();
      return r;
    }
    load_ = std::make_unique<index::BulkLoad>(impl_.connection->db(), bloom_bytes_);
    return {};
  }

  // One transaction through the bulk path; false when it must take the ordinary path instead.
  Result<bool> bulk_transaction(std::vector<Value>& ops) {
    for (const Value& op : ops)
      if (!bulk_form(op)) return false;
    std::vector<tx::TxForm> forms;
    forms.reserve(ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) {
      auto form = tx::parse_tx_form(ops[i], i);
      if (!form) return false;
      forms.push_back(std::move(*form));
    }
    Instant last = last_instant_;
    auto prepared = impl_.connection->prepare_on(load_->view(), forms, last, load_->stored_max_eid());
    if (!prepared || prepared->excision || load_->conflict(prepared->tx, prepared->datoms)) return false;
    if (auto added = load_->add(prepared->tx, prepared->datoms, *sorter_); !added) {
      bulk_ = false;  // the sorter holds part of this transaction: nothing pending can be written
      load_.reset();
      return std::unexpected(added.error());
    }
    last_instant_ = last;
    report_datoms_ = prepared->datoms.size();
    tempids_.record(prepared->tempids);
    return true;
  }

  // The ordinary path, while the bulk path holds the transaction lock.
  Result<TxReport> locked_transaction(std::vector<Value> ops) {
    if (auto flushed = flush_bulk(); !flushed) return std::unexpected(flushed.error());
    auto report = impl_.publish(impl_.connection->transact(Value(Vector{std::move(ops)})));
    // The next bulk transactions build on this one.
    if (report && load_) load_ = std::make_unique<index::BulkLoad>(impl_.connection->db(), bloom_bytes_);
    return report;
  }

  Result<void> read_all() {
    const std::size_t batch = options_.batch_size;
    PendingTx current;
    bool names_tx = false;
    bool cut = false;
    for (;;) {
      auto event = ahead_.next();
      if (!event) return failed_reading(event.error());
      switch (event->kind) {
        case ReadEvent::Kind::VectorStart:
          current = PendingTx{{}, ++summary_.forms, event->at, 0, true};
          names_tx = cut = false;
          break;
        case ReadEvent::Kind::Form:
          if (!names_tx && may_name_ && names_transaction(event->form)) {
            names_tx = true;
            if (cut) return named_after_cut(current);
          }
          note_held(current.ops.size() + 1);
          if (!names_tx && current.ops.size() == batch) {
            // Cut: the first batch_size forms go as one transaction; this one starts the next.
            PendingTx next{{}, current.vector, current.start, current.first_form + current.ops.size(), false};
            current.whole = false;
            cut = true;
            enqueue(std::exchange(current, std::move(next)));
            current.add(std::move(event->form), event->at);
            if (auto done = drain(false); !done) return done;
          } else {
            current.add(std::move(event->form), event->at);
          }
          break;
        case ReadEvent::Kind::VectorEnd:
          enqueue(std::move(current));
          current = PendingTx{};
          if (auto done = drain(false); !done) return done;
          break;
        case ReadEvent::Kind::End:
          if (auto done = drain(true); !done) return done;
          return never_given();
      }
    }
  }

  void enqueue(PendingTx tx) {
    queued_ += tx.ops.size();
    queue_.push_back(std::move(tx));
    note_held(0);
  }

  void note_held(std::size_t also) {
    summary_.max_held_operations = std::max<std::uint64_t>(summary_.max_held_operations, queued_ + also);
  }

  // Commits queued transactions while at least a batch of forms waits behind the first (the reader
  // stays a batch ahead, so a syntax error within it stops the import before that transaction);
  // with `all`, commits everything.
  Result<void> drain(bool all) {
    while (!queue_.empty() && (all || queued_ - queue_.front().ops.size() >= options_.batch_size))
      if (auto done = commit_front(); !done) return done;
    return {};
  }

  Result<void> commit_front() {
    if (options_.cancel && options_.cancel->load())
      return fail(ErrorCode::QueryCancelled, "import of " + name_ + " interrupted after " +
                                                 std::to_string(summary_.transactions) + " transactions");
    PendingTx tx = std::move(queue_.front());
    queue_.pop_front();
    const std::size_t n = tx.ops.size();
    Db before = database_.db();
    const index::Schema& schema = DbAccess::index_db(before).schema();
    tempids_.resolve(tx.ops, schema);
    forward_.settle(tx.ops, schema, tempids_);
    summary_.max_waiting_references = std::max<std::uint64_t>(summary_.max_waiting_references, forward_.waiting());
    const std::size_t forms = tx.ops.size();
    if (forms == 0 && n > 0) {  // every form waits for a later transaction
      queued_ -= n;
      return {};
    }
    std::size_t datoms = 0;
    bool done_in_bulk = false;
    if (bulk_) {
      auto in_bulk = bulk_transaction(tx.ops);
      if (!in_bulk) return failed_transaction(tx, n, in_bulk.error());
      done_in_bulk = *in_bulk;
      if (done_in_bulk) {
        datoms = report_datoms_;
        ++summary_.bulk_transactions;
      }
    }
    if (!done_in_bulk) {
      const std::uint64_t pending = load_ ? load_->datoms() : 0;
      if (auto checked = tempid_verdict(); !checked) {
        queued_ -= n;
        return std::unexpected(checked.error());
      }
      Result<TxReport> report = bulk_active_ ? locked_transaction(std::move(tx.ops))
                                             : database_.transact(Value(Vector{std::move(tx.ops)}));
      if (bulk_ && pending > 0 && pending < ImportOptions::kBulkSmallWriteDatoms && options_.bulk_max_small_writes > 0 &&
          ++small_flushes_ >= options_.bulk_max_small_writes)
        bulk_ = false;
      if (!report) {
        queued_ -= n;
        return failed_transaction(tx, n, report.error());
      }
      datoms = report->datoms.size();
      tempids_.record(report->tempids);
    }
    queued_ -= n;  // after the transaction: its forms were held until it was done
    ++summary_.transactions;
    summary_.datoms += datoms;
    summary_.operations += forms;
    summary_.max_transaction_operations = std::max<std::uint64_t>(summary_.max_transaction_operations, forms);
    summary_.tempids = tempids_.size();
    if (options_.progress) {
      progress_.bytes_read = ahead_.bytes_read();
      progress_.transactions = summary_.transactions;
      progress_.datoms = summary_.datoms;
      progress_.operations = summary_.operations;
      options_.progress(progress_);
    }
    return {};
  }

  std::string committed_text() const {
    return std::to_string(summary_.transactions) + " committed before it";
  }

  std::unexpected<Error> failed_transaction(const PendingTx& tx, std::size_t n, const Error& e) const {
    std::string which = reader_->describe(FormSpan{tx.start, tx.first_at, tx.last_at, tx.first_form, n, tx.whole});
    std::string message = "transaction " + std::to_string(summary_.transactions + 1) + " of " + name_ + " (" +
                          which + ") failed (" + committed_text() + "): " + e.message;
    return std::unexpected(Error{e.code, std::move(message)});
  }

  std::unexpected<Error> failed_reading(const Error& e) const {
    if (summary_.transactions == 0) return std::unexpected(e);
    return std::unexpected(
        Error{e.code, e.message + " (" + std::to_string(summary_.transactions) + " transactions of " + name_ +
                          " committed before it)"});
  }

  // The end of the file with references still waiting for their tempid's first attribute.
  Result<void> never_given() const {
    auto tempid = forward_.a_waiting_tempid();
    if (!tempid) return {};
    return fail(ErrorCode::TxTempid,
                std::to_string(forward_.waiting()) + " references of " + name_ +
                    " are to tempids no transaction of the file gave an attribute (one is " + to_edn(*tempid) +
                    "): a tempid used only as a value; they were not written (" +
                    std::to_string(summary_.transactions) + " transactions committed)");
  }

  std::unexpected<Error> named_after_cut(const PendingTx& current) const {
    return std::unexpected(Error{
        ErrorCode::InvalidArgument,
        "the vector at " + name_ + " (" + position_text(current.start) + ") names its own transaction (\"datomic.tx\" or " +
            ":db/current-tx) in its form " + std::to_string(current.first_form + current.ops.size() + 1) +
            ", after it was cut into transactions of " + std::to_string(options_.batch_size) +
            " forms; import it with a batch size at least its length (" + committed_text() + ")"});
  }

  Database& database_;
  ImportTarget impl_;
  std::unique_ptr<FormSource> reader_;
  const bool may_name_ = reader_->forms_may_name_transaction();
  ReadAhead ahead_{*reader_};
  std::string name_;
  const ImportOptions& options_;
  ImportTempids tempids_;
  ForwardRefs forward_;
  std::deque<PendingTx> queue_;
  std::size_t queued_ = 0;  // forms in queue_
  ImportSummary summary_;
  ImportProgress progress_;
  std::future<Result<void>> tempid_check_;
  Result<void> tempid_checked_{};
  // The bulk path: bulk_ while transactions go through it, bulk_active_ from its start to the
  // end (the transaction lock is held all that time, and pending entries are written at the end).
  bool bulk_ = false;
  bool bulk_active_ = false;
  std::unique_lock<std::mutex> lock_;
  std::unique_ptr<import_detail::BulkSorter> sorter_;
  std::size_t bloom_bytes_ = index::BulkLoad::kBloomBytes;  // each load's bloom filter (choose_bulk)
  std::unique_ptr<index::BulkLoad> load_;
  Instant last_instant_{};
  std::size_t report_datoms_ = 0;
  std::size_t small_flushes_ = 0;
};

std::unique_ptr<FormSource> source_for(std::istream& in, const std::string& name, const ImportOptions& options,
                                       const Db& db) {
  switch (format_of(name, options.format)) {
    case ImportOptions::Format::Csv:
      return std::make_unique<import_detail::CsvSource>(in, name, DbAccess::index_db(db).schema_ptr(),
                                                        options.csv_separator, options.csv_value_separator);
    case ImportOptions::Format::JsonLines:
      return std::make_unique<import_detail::JsonLinesSource>(in, name, DbAccess::index_db(db).schema_ptr());
    case ImportOptions::Format::Auto:
    case ImportOptions::Format::Edn:
      break;
  }
  return std::make_unique<ImportReader>(in, name);
}

}  // namespace

namespace {
// Database::Impl is private to Database: its members are read here, in a member function.
template <class Impl>
ImportTarget target_of(Impl& impl) {
  ImportTarget t;
  t.store = impl.store.get();
  t.connection = impl.connection.get();
  t.transact_mutex = &impl.transact_mutex;
  {
    std::lock_guard lock(impl.listeners->mutex);
    t.listeners = !impl.listeners->callbacks.empty();
  }
  t.path = impl.options.path;
  t.publish = [&impl](Result<tx::TxReport> r) { return impl.published(std::move(r)); };
  return t;
}
}  // namespace

namespace {
Result<void> check_options(const ImportOptions& options) {
  if (options.batch_size == 0) return fail(ErrorCode::InvalidArgument, "ImportOptions::batch_size must be at least 1");
  // What a separator is printed as in a message: 'x', or an escape for a control byte.
  auto shown = [](char c) {
    switch (c) {
      case '\0': return std::string("'\\0'");
      case '\t': return std::string("'\\t'");
      case '\n': return std::string("'\\n'");
      case '\r': return std::string("'\\r'");
      default: return "'" + std::string(1, c) + "'";
    }
  };
  const auto field = static_cast<unsigned char>(options.csv_separator);
  if (std::string_view("\"\\\r\n", 4).find(options.csv_separator) != std::string_view::npos || field == 0 ||
      field >= 0x80)
    return fail(ErrorCode::InvalidArgument, "ImportOptions::csv_separator " +
                                                (field >= 0x80 ? "byte " + std::to_string(field) : shown(options.csv_separator)) +
                                                " cannot separate CSV fields: it must be one ASCII character other "
                                                "than a quote, a backslash, a line break or '\\0'");
  if (options.csv_value_separator == options.csv_separator)
    return fail(ErrorCode::InvalidArgument, "ImportOptions::csv_value_separator " +
                                                shown(options.csv_value_separator) +
                                                " is also the field separator (csv_separator); give them "
                                                "different characters, or '\\0' for no value separator");
  if (std::string_view("\"\\\r\n").find(options.csv_value_separator) != std::string_view::npos)
    return fail(ErrorCode::InvalidArgument, "ImportOptions::csv_value_separator " +
                                                shown(options.csv_value_separator) +
                                                " cannot be a quote, a backslash or a line break");
  return {};
}
}  // namespace

Result<ImportSummary> Database::import(std::istream& in, std::string_view name, const ImportOptions& options) {
  if (this->options().read_only)
    return fail(ErrorCode::StorageReadOnly, "the database is open read-only: imports are refused");
  if (auto checked = check_options(options); !checked) return std::unexpected(checked.error());
  std::string source_name(name);
  auto source = source_for(in, source_name, options, db());
  if (auto checked = source->check_tempids(); !checked) return std::unexpected(checked.error());
  return Importer(*this, target_of(*impl_), std::move(source), source_name, options, 0).run();
}

Result<ImportSummary> Database::import(const std::string& path, const ImportOptions& options) {
  if (this->options().read_only)
    return fail(ErrorCode::StorageReadOnly, "the database is open read-only: imports are refused");
  if (auto checked = check_options(options); !checked) return std::unexpected(checked.error());
  // A regular file, or a pipe (<(command)); a directory or a device (/dev/zero, which never
  // ends) is an error before anything is read.
  std::error_code ec;
  const auto type = std::filesystem::status(path, ec).type();
  if (!ec && type != std::filesystem::file_type::regular && type != std::filesystem::file_type::fifo) {
    return fail(ErrorCode::StorageIo, "cannot import " + path + ": " +
                                          (type == std::filesystem::file_type::directory
                                               ? "it is a directory"
                                               : "it is not a regular file") +
                                          "; name a file of EDN tx-data, CSV or JSON Lines");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::StorageIo, "cannot read " + path + ": no such file, or not readable");
  std::uint64_t size = 0;
  if (type == std::filesystem::file_type::regular) {
    auto bytes = std::filesystem::file_size(path, ec);
    if (!ec) size = bytes;
  }
  auto source = source_for(in, path, options, db());
  // A regular file is read a second time for the tempid check, on a thread of its own, while the
  // import reads and prepares (it writes nothing before the verdict).
  std::future<Result<void>> tempid_check;
  if (type == std::filesystem::file_type::regular && format_of(path, options.format) != ImportOptions::Format::Edn) {
    tempid_check = std::async(std::launch::async, [path, options, at = db()]() -> Result<void> {
      ReadsNotCached not_cached;  // as on the importing thread
      try {
        std::ifstream again(path, std::ios::binary);
        if (!again) return fail(ErrorCode::StorageIo, "cannot read " + path + " to check its tempids");
        return source_for(again, path, options, at)->check_tempids();
      } catch (const std::bad_alloc&) {
        return fail(ErrorCode::OutOfMemory, "out of memory while checking the tempids of " + path);
      }
    });
  } else if (auto checked = source->check_tempids(); !checked) {
    return std::unexpected(checked.error());
  }
  return Importer(*this, target_of(*impl_), std::move(source), path, options, size, std::move(tempid_check)).run();
}

}  // namespace quarry
