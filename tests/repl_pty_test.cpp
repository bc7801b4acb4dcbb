// The interactive `quarry` REPL driven through a pseudo-terminal, as a person would use it:
// a multi-line transaction, a query shown as a table, history recall with the up arrow, Ctrl-C
// dropping an unfinished form and cancelling a long query, Ctrl-D quitting.
//
// Waits are for output, never for time: every expect() reads until its text appears; the
// generous limit only turns a hang into a failure with the transcript.
#include <doctest/doctest.h>

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include "support/quarry_command.hpp"

namespace {

using namespace std::chrono_literals;
using quarry::testing::ScratchDir;

class Terminal {
 public:
  explicit Terminal(const ScratchDir& home) {
    struct winsize size {};
    size.ws_row = 40;
    size.ws_col = 120;
    pid_ = ::forkpty(&master_, nullptr, nullptr, &size);
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::setenv("HOME", home.path().c_str(), 1);
      ::setenv("QUARRY_HISTORY", (home / "history").c_str(), 1);
      ::setenv("TERM", "xterm", 1);
      std::string binary = quarry::testing::quarry_binary();
      ::execl(binary.c_str(), binary.c_str(), "--mem", static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Terminal() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(master_);
  }

  void type(std::string_view keys) {
    while (!keys.empty()) {
      ssize_t n = ::write(master_, keys.data(), keys.size());
      REQUIRE(n > 0);
      keys.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // Reads until `text` appears after the previous match; returns what came before it.
  std::string expect(std::string_view text) {
    auto deadline = std::chrono::steady_clock::now() + 120s;
    for (;;) {
      if (auto at = transcript_.find(text, mark_); at != std::string::npos) {
        std::string before = transcript_.substr(mark_, at - mark_);
        mark_ = at + text.size();
        return before;
      }
      if (std::chrono::steady_clock::now() > deadline || !read_some()) {
        FAIL("never saw \"" << std::string(text) << "\"; the terminal showed:\n" << transcript_);
        return {};
      }
    }
  }

  // Reads up to a prompt, then waits until libedit has put the terminal in its editing mode:
  // libedit prints the prompt first and switches modes when it reads the first key, and a key
  // typed in between would meet the cooked terminal (where ^D and ^C mean something else).
  void prompt(std::string_view text) {
    expect(text);
    wait_for_mode(false);
  }

  // Waits until the REPL has handed the terminal back (signal keys on): a line was entered and
  // is being evaluated, so Ctrl-C now raises SIGINT.
  void wait_until_evaluating() { wait_for_mode(true); }

  // Reads until the REPL closes the terminal; returns its exit status.
  int wait_exit() {
    while (read_some()) {
    }
    int status = 0;
    for (int i = 0; i < 12000; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(5ms);
    }
    FAIL("the REPL did not exit; the terminal showed:\n" << transcript_);
    return -1;
  }

  [[nodiscard]] const std::string& transcript() const { return transcript_; }

 private:
  // Polls the terminal's mode (the master side reads the slave's termios on Linux) until its
  // signal keys are on (cooked: evaluating) or off (libedit editing a line).
  void wait_for_mode(bool cooked) {
    for (int i = 0; i < 12000; ++i) {
      struct termios mode {};
      REQUIRE(::tcgetattr(master_, &mode) == 0);
      if (((mode.c_lflag & ISIG) != 0) == cooked) return;
      std::this_thread::sleep_for(5ms);
    }
    FAIL("the terminal never switched modes; it showed:\n" << transcript_);
  }

  // False at end of output (the slave side closed) or after a minute without any.
  bool read_some() {
    struct pollfd p {master_, POLLIN, 0};
    if (::poll(&p, 1, 60'000) <= 0) return false;
    char buffer[4096];
    ssize_t n = ::read(master_, buffer, sizeof buffer);
    if (n <= 0) return false;  // EIO once the child has closed the terminal
    transcript_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  int master_ = -1;
  pid_t pid_ = -1;
  std::string transcript_;
  std::size_t mark_ = 0;
};

}  // namespace

TEST_CASE("the interactive REPL: multi-line forms, tables, history, Ctrl-C, Ctrl-D") {
  ScratchDir home;
  std::string numbers = "[";
  for (int i = 0; i < 3000; ++i) numbers += "{:n " + std::to_string(i) + "} ";
  quarry::testing::write_file(home / "numbers.edn", numbers + "]\n");

  Terminal term(home);
  term.prompt("quarry> ");

  // A transaction typed over three lines: the prompt continues until the form is complete.
  term.type("(transact! [{:name \"Ann\" :age 41}\r");
  term.prompt("   ...> ");
  term.type("            {:name \"Bob\"\r");
  term.prompt("   ...> ");
  term.type("             :age 27}])\r");
  term.expect(":tx 536870913}");
  term.prompt("quarry> ");

  // A query prints a table.
  term.type("(q [:find ?name ?age :where [?e :name ?name] [?e :age ?age]])\r");
  std::string table = term.expect("(2 rows)");
  CHECK(table.find(" ?name | ?age") != std::string::npos);
  CHECK(table.find(" \"Ann\" |   41") != std::string::npos);
  CHECK(table.find(" \"Bob\" |   27") != std::string::npos);
  term.prompt("quarry> ");

  // Up arrow recalls that line; Enter runs it again.
  term.type("\x1b[A");
  term.expect(":where [?e :name ?name] [?e :age ?age]])");
  term.type("\r");
  term.expect("(2 rows)");
  term.prompt("quarry> ");

  // Ctrl-C at the continuation prompt drops the unfinished form: the next line starts afresh.
  term.type("(q [:find ?e\r");
  term.prompt("   ...> ");
  term.type("\x03");
  term.prompt("quarry> ");
  term.type(".format edn\r");
  term.expect(";; format edn");
  term.prompt("quarry> ");
  term.type("(q [:find ?e . :where [?e :name \"Bob\"]])\r");
  term.expect("\r\n2\r\n");
  term.prompt("quarry> ");
  term.type(".format table\r");
  term.prompt("quarry> ");

  // Ctrl-C during a long query (a cross product of 3,000 entities) cancels it; the REPL stays.
  term.type(".import " + (home / "numbers.edn") + "\r");
  term.expect(":transactions 1}");
  term.prompt("quarry> ");
  term.type("(q [:find (count ?a) . :where [?a :n ?x] [?b :n ?y] [(< ?x ?y)]])\r");
  term.wait_until_evaluating();
  term.type("\x03");
  std::string cancelled = term.expect("quarry> ");
  term.prompt("");
  CHECK(cancelled.find("\r\n#error {:code :query/cancelled") != std::string::npos);
  term.type("(q [:find (count ?a) . :where [?a :n]])\r");
  term.expect("\r\n3000\r\n");
  term.prompt("quarry> ");

  // Ctrl-D on an empty line quits cleanly; the history was saved.
  term.type("\x04");
  CHECK(term.wait_exit() == 0);
  std::string history = quarry::testing::read_file(home / "history");
  CHECK(history.find(":find") != std::string::npos);
  CHECK(history.find("transact!") != std::string::npos);
}
