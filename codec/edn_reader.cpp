// The one translation unit that compiles the X3 grammar (edn_grammar_def.hpp), runs it, and turns
// its failures into Errors. See codec/edn_reader.hpp for the contract.
#include "codec/edn_reader.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "codec/edn_scan.hpp"
#include "codec/edn_grammar_def.hpp"

namespace quarry {
namespace edn_grammar {

Value tagged_value(Symbol tag, Value value, Iterator at) {
  auto builtin = [&](const char* name) { return tag.ns.empty() && tag.name == name; };
  if (!builtin("inst") && !builtin("uuid") && !builtin("bytes"))
    return Tagged{std::move(tag), std::make_shared<const Value>(std::move(value))};
  std::string literal = "#" + tag.name;
  const std::string* text = value.get_if<std::string>();
  if (!text)
    throw ParseFailure{
        .where = at, .what = "invalid " + literal, .detail = literal + " takes a string"};
  auto failure = [&](std::string reason) {
    std::string shown = text->size() > 40 ? text->substr(0, 40) + "..." : *text;
    std::string what = "invalid " + literal + " ";
    append_edn_string(what, shown);
    return ParseFailure{.where = at, .what = std::move(what), .detail = std::move(reason)};
  };
  if (builtin("inst")) {
    auto instant = edn_literals::parse_inst(*text);
    if (!instant) throw failure(std::move(instant.error()));
    return *instant;
  }
  if (builtin("uuid")) {
    auto uuid = edn_literals::parse_uuid(*text);
    if (!uuid) throw failure(std::move(uuid.error()));
    return *uuid;
  }
  auto bytes = edn_literals::decode_base64(*text);
  if (!bytes) throw failure(std::move(bytes.error()));
  return Bytes{std::move(*bytes)};
}

}  // namespace edn_grammar

namespace {

using edn_grammar::Iterator;
using edn_grammar::ParseFailure;
using edn_grammar::ParseState;
namespace x3 = boost::spirit::x3;

ParseState make_state(const EdnReadOptions& options) {
  ParseState state;
  state.max_depth = options.max_depth;
  state.skip_quote = options.skip_quote;
  return state;
}

// Runs `rule` from `first`; on success `first` is past what it matched. Never throws.
template <class Rule, class Attr>
std::optional<ParseFailure> run(Rule const& rule, Iterator& first, Iterator last, ParseState& state,
                                Attr& attr) {
  try {
    if (x3::parse(first, last, x3::with<edn_grammar::state_tag>(state)[rule], attr))
      return std::nullopt;
    return ParseFailure{.where = first, .detail = std::string("expected ") + rule.name};
  } catch (const x3::expectation_failure<Iterator>& e) {
    return ParseFailure{.where = e.where(), .detail = "expected " + e.which()};
  } catch (ParseFailure& f) {
    return std::move(f);
  } catch (const std::exception& e) {  // allocation failure, or a bug
    return ParseFailure{.code = ErrorCode::Internal,
                        .what = std::string("EDN reader failed: ") + e.what()};
  }
}

std::string describe_found(Iterator where, Iterator last) {
  if (where == last) return "unexpected end of input";
  auto c = static_cast<unsigned char>(*where);
  char buf[48];
  if (c == '\n') return "unexpected newline";
  if (c == '\t') return "unexpected tab";
  if (c >= 0x20 && c < 0x7f)
    std::snprintf(buf, sizeof buf, "unexpected character '%c'", c);
  else if (c >= 0x80)
    std::snprintf(buf, sizeof buf, "unexpected non-ASCII byte 0x%02x", c);
  else
    std::snprintf(buf, sizeof buf, "unexpected control byte 0x%02x", c);
  return buf;
}

std::string line_column(TextPosition p) {
  return "line " + std::to_string(p.line) + ", column " + std::to_string(p.column);
}

// What is still open at the end of the input, for "unexpected end of input" messages.
std::string unclosed_note(const ParseState& state, auto position_of) {
  if (state.string_start)
    return " (the string at " + line_column(position_of(state.string_start)) + " is not closed)";
  if (state.open.empty()) return {};
  const auto& o = state.open.back();
  std::string where = line_column(position_of(o.at));
  if (o.label == "#_") return " (the #_ at " + where + " has no form to discard)";
  if (o.label[0] == '#' && o.label != "#{")
    return " (the tag " + std::string(o.label) + " at " + where + " has no form)";
  return " (the '" + std::string(o.label) + "' at " + where + " is not closed)";
}

Error make_error(const ParseFailure& f, const ParseState& state, std::string_view text,
                 TextPosition base) {
  Iterator begin = text.data(), last = begin + text.size();
  if (!f.where) return Error{f.code, f.what};
  auto position_of = [&](Iterator p) {
    return advance_position(base, {begin, static_cast<std::size_t>(p - begin)});
  };
  std::string message = f.what.empty() ? describe_found(f.where, last) : f.what;
  message += " at " + line_column(position_of(f.where));
  if (!f.detail.empty()) message += ": " + f.detail;
  if (f.related) message += " (" + f.related_what + " " + line_column(position_of(f.related)) + ")";
  if (f.where == last) message += unclosed_note(state, position_of);
  if (f.what.empty() && f.where != last && static_cast<unsigned char>(*f.where) >= 0x80)
    message += " (outside strings and comments EDN text is ASCII)";
  return Error{f.code, std::move(message)};
}

// True when the failure may go away with more text: it is at the end of the buffer, or in a
// token that reaches the end (and so may still grow).
bool at_buffer_end(const ParseFailure& f, Iterator last) {
  return f.code == ErrorCode::EdnSyntax && (f.where == last || f.token_end == last);
}

}  // namespace

namespace {

// UTF-8 continuation bytes (10xxxxxx) in `s`, eight bytes at a time: a byte's bit 7 set and
// bit 6 clear, those bits moved to each byte's bit 0 and summed by one multiplication (no
// popcount instruction is assumed).
std::size_t continuation_bytes(std::string_view s) noexcept {
  constexpr std::uint64_t kHigh = 0x8080808080808080ull;
  std::size_t n = 0, i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    n += static_cast<std::size_t>((((w & ~(w << 1) & kHigh) >> 7) * 0x0101010101010101ull) >> 56);
  }
  for (; i < s.size(); ++i) n += (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
  return n;
}

}  // namespace

// Runs over every byte an import reads (each form's start and end, and the stream's consumed
// text): newlines found with memchr, characters counted a word at a time.
TextPosition advance_position(TextPosition from, std::string_view text) noexcept {
  const char* p = text.data();
  const char* end = p + text.size();
  const char* line_start = nullptr;
  while (const void* nl = std::memchr(p, '\n', static_cast<std::size_t>(end - p))) {
    ++from.line;
    p = static_cast<const char*>(nl) + 1;
    line_start = p;
  }
  std::string_view last = line_start ? std::string_view(line_start, static_cast<std::size_t>(end - line_start)) : text;
  std::size_t characters = last.size() - continuation_bytes(last);
  from.column = line_start ? 1 + characters : from.column + characters;
  from.offset += text.size();
  return from;
}

Result<Value> read_edn(std::string_view text, const EdnReadOptions& options) {
  Iterator first = text.data();
  ParseState state = make_state(options);
  Value value;
  if (auto f = run(edn_grammar::document(), first, text.data() + text.size(), state, value))
    return std::unexpected(make_error(*f, state, text, {}));
  return value;
}

Result<std::vector<Value>> read_edn_all(std::string_view text, const EdnReadOptions& options) {
  Iterator first = text.data();
  ParseState state = make_state(options);
  std::vector<Value> values;
  if (auto f = run(edn_grammar::documents(), first, text.data() + text.size(), state, values))
    return std::unexpected(make_error(*f, state, text, {}));
  return values;
}

ReadStep read_next_form(std::string_view buffer, TextPosition at, bool end_of_input,
                        const EdnReadOptions& options) {
  Iterator begin = buffer.data(), last = begin + buffer.size(), p = begin;
  ParseState state = make_state(options);
  auto failed = [&](const ParseFailure& f) {
    if (!end_of_input && at_buffer_end(f, last)) return ReadStep{ReadStatus::Incomplete, 0, {}, {}};
    std::size_t offset = f.where ? static_cast<std::size_t>(f.where - begin) : 0;
    std::size_t consumed = std::max<std::size_t>(1, edn_resync_length(buffer, offset));
    return ReadStep{ReadStatus::Error, consumed, {}, make_error(f, state, buffer, at)};
  };
  x3::unused_type nothing;
  if (auto f = run(edn_grammar::whitespace(), p, last, state, nothing)) return failed(*f);
  bool token_at_end = state.last_token_end == last;  // e.g. "#_ 12": the 12 may grow
  if (p == last) {
    if (!end_of_input && token_at_end) return ReadStep{ReadStatus::Incomplete, 0, {}, {}};
    return ReadStep{ReadStatus::End, buffer.size(), {}, {}};
  }
  Iterator form_start = p;
  Value value;
  if (auto f = run(edn_grammar::form(), p, last, state, value)) return failed(*f);
  if (!end_of_input && p == last && state.last_token_end == last)
    return ReadStep{ReadStatus::Incomplete, 0, {}, {}};
  TextPosition start = advance_position(at, {begin, static_cast<std::size_t>(form_start - begin)});
  TextPosition end =
      advance_position(start, {form_start, static_cast<std::size_t>(p - form_start)});
  return ReadStep{ReadStatus::Form,
                  static_cast<std::size_t>(p - begin),
                  EdnForm{std::move(value), start, end},
                  {}};
}

}  // namespace quarry
