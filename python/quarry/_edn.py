"""EDN text <-> Python values, for the C API's text in and out.

Reading (what Quarry prints) gives:
  nil -> None, true/false -> bool, 42 -> int, 42N -> int, 1.5 -> float, ##Inf/##-Inf/##NaN -> float,
  1.5M -> decimal.Decimal, "s" -> str, \\a -> str (one character), :ns/name -> Keyword,
  sym -> Symbol, #inst "..." -> datetime (UTC), #uuid "..." -> uuid.UUID, #bytes "b64" -> bytes,
  other #tag v -> Tagged, [..] and (..) -> tuple, #{..} -> frozenset, {..} -> dict.
A map inside a set or used as a map key becomes a FrozenMap (a hashable, read-only mapping), since
a dict cannot be an element of a frozenset.

Writing accepts those types back, plus list (a vector), set, any Mapping, and a naive datetime
(taken as UTC).
"""

import base64
import datetime
import decimal
import math
import re
import uuid
from collections.abc import Mapping

__all__ = ["Keyword", "Symbol", "Tagged", "FrozenMap", "read", "write", "EdnError"]


class EdnError(ValueError):
    """Text that is not EDN this reader knows, or a value with no EDN form."""


class _Name:
    __slots__ = ("ns", "name")
    _prefix = ""

    def __init__(self, qualified, name=None):
        if name is not None:
            ns, name = qualified, name
        elif "/" in qualified and qualified != "/":
            ns, name = qualified.split("/", 1)
        else:
            ns, name = None, qualified
        object.__setattr__(self, "ns", ns or None)
        object.__setattr__(self, "name", name)

    def __setattr__(self, key, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    @property
    def qualified(self):
        return f"{self.ns}/{self.name}" if self.ns else self.name

    def __eq__(self, other):
        return type(other) is type(self) and (self.ns, self.name) == (other.ns, other.name)

    def __lt__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return (self.ns or "", self.name) < (other.ns or "", other.name)

    def __hash__(self):
        return hash((type(self).__name__, self.ns, self.name))

    def __str__(self):
        return self._prefix + self.qualified

    def __repr__(self):
        return f"{type(self).__name__}({self.qualified!r})"


class Keyword(_Name):
    """An EDN keyword: Keyword("person/name") is :person/name (ns "person", name "name")."""
    __slots__ = ()
    _prefix = ":"


class Symbol(_Name):
    """An EDN symbol: Symbol("?e"), Symbol("my/fn")."""
    __slots__ = ()


class Tagged:
    """A tagged literal other than #inst, #uuid and #bytes: #tag value."""
    __slots__ = ("tag", "value")

    def __init__(self, tag, value):
        self.tag = tag if isinstance(tag, Symbol) else Symbol(tag)
        self.value = value

    def __eq__(self, other):
        return isinstance(other, Tagged) and (self.tag, self.value) == (other.tag, other.value)

    def __hash__(self):
        return hash((self.tag, self.value))

    def __repr__(self):
        return f"Tagged({self.tag.qualified!r}, {self.value!r})"


class FrozenMap(Mapping):
    """A hashable, read-only mapping: an EDN map that sits inside a set or is a map key."""
    __slots__ = ("_items", "_hash")

    def __init__(self, items):
        self._items = dict(items)
        self._hash = None

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)

    def __hash__(self):
        if self._hash is None:
            self._hash = hash(frozenset(self._items.items()))
        return self._hash

    def __eq__(self, other):
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __repr__(self):
        return f"FrozenMap({self._items!r})"


# ---- reading -------------------------------------------------------------------------------

_WHITESPACE = re.compile(r"(?:[\s,]|;[^\n]*)*")
_TOKEN = re.compile(r"[^\s,()\[\]{}\"';]+")
_NUMBER = re.compile(r"[+-]?\d+(?:(N)|(\.\d*)?([eE][+-]?\d+)?(M)?)$")
_NAMED_CHARS = {"newline": "\n", "space": " ", "tab": "\t", "return": "\r", "formfeed": "\f",
                "backspace": "\b"}
_STRING_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
_CLOSERS = {"[": "]", "(": ")", "{": "}"}


class _Reader:
    def __init__(self, text):
        self.text = text
        self.pos = 0

    def fail(self, what):
        raise EdnError(f"{what} at offset {self.pos} of {self.text[:200]!r}")

    def skip(self):
        """Past whitespace, commas, comments and #_ discarded forms."""
        self.pos = _WHITESPACE.match(self.text, self.pos).end()
        while self.text.startswith("#_", self.pos):
            self.pos += 2
            self.form()
            self.pos = _WHITESPACE.match(self.text, self.pos).end()

    def form(self, hashable=False):
        self.skip()
        if self.pos >= len(self.text):
            self.fail("unexpected end of input")
        c = self.text[self.pos]
        if c in "[(":
            self.pos += 1
            return tuple(self.items(_CLOSERS[c], hashable))
        if c == "{":
            self.pos += 1
            return self.map(hashable)
        if c == '"':
            return self.string()
        if c == "\\":
            return self.char()
        if c == "#":
            return self.dispatch(hashable)
        if c in ")]}":
            self.fail(f"unexpected {c!r}")
        return self.token()

    def items(self, closer, hashable):
        out = []
        while True:
            self.skip()
            if self.pos >= len(self.text):
                self.fail(f"missing {closer!r}")
            if self.text[self.pos] == closer:
                self.pos += 1
                return out
            out.append(self.form(hashable))

    def map(self, hashable):
        entries = []
        while True:
            self.skip()
            if self.pos >= len(self.text):
                self.fail("missing '}'")
            if self.text[self.pos] == "}":
                self.pos += 1
                break
            key = self.form(True)
            entries.append((key, self.form(hashable)))
        return FrozenMap(entries) if hashable else dict(entries)

    def string(self):
        self.pos += 1
        out = []
        text = self.text
        while True:
            end = text.find('"', self.pos)
            slash = text.find("\\", self.pos)
            if end < 0:
                self.fail("unterminated string")
            if 0 <= slash < end:
                out.append(text[self.pos:slash])
                e = text[slash + 1:slash + 2]
                if e == "u":
                    code = int(text[slash + 2:slash + 6], 16)
                    self.pos = slash + 6
                    if 0xD800 <= code < 0xDC00 and text[self.pos:self.pos + 2] == "\\u":
                        low = int(text[self.pos + 2:self.pos + 6], 16)
                        if 0xDC00 <= low < 0xE000:
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                            self.pos += 6
                    out.append(chr(code))
                elif e in _STRING_ESCAPES:
                    out.append(_STRING_ESCAPES[e])
                    self.pos = slash + 2
                else:
                    self.fail(f"bad string escape \\{e}")
            else:
                out.append(text[self.pos:end])
                self.pos = end + 1
                return "".join(out)

    def char(self):
        self.pos += 1
        m = _TOKEN.match(self.text, self.pos)
        if not m:  # \( \[ \" and the like: one character
            self.pos += 1
            return self.text[self.pos - 1]
        name = m.group()
        self.pos = m.end()
        if len(name) == 1:
            return name
        if name in _NAMED_CHARS:
            return _NAMED_CHARS[name]
        if name.startswith("u") and len(name) == 5:
            return chr(int(name[1:], 16))
        self.fail(f"unknown character \\{name}")

    def dispatch(self, hashable):
        text = self.text
        nxt = text[self.pos + 1:self.pos + 2]
        if nxt == "{":
            self.pos += 2
            return frozenset(self.items("}", True))
        if nxt == "#":
            self.pos += 2
            name = self.token_text()
            values = {"Inf": math.inf, "-Inf": -math.inf, "NaN": math.nan}
            if name not in values:
                self.fail(f"unknown ##{name}")
            return values[name]
        self.pos += 1
        tag = self.token_text()
        value = self.form(hashable)
        if tag == "inst" and isinstance(value, str):
            try:
                return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return Tagged(tag, value)  # outside datetime's years
        if tag == "uuid" and isinstance(value, str):
            return uuid.UUID(value)
        if tag == "bytes" and isinstance(value, str):
            return base64.b64decode(value)
        return Tagged(tag, value)

    def token_text(self):
        m = _TOKEN.match(self.text, self.pos)
        if not m:
            self.fail("expected a token")
        self.pos = m.end()
        return m.group()

    def token(self):
        t = self.token_text()
        if t == "nil":
            return None
        if t == "true":
            return True
        if t == "false":
            return False
        m = _NUMBER.match(t)
        if m:
            big, fraction, exponent, exact = m.groups()
            if big:
                return int(t[:-1])
            if exact:
                return decimal.Decimal(t[:-1])
            if fraction is not None or exponent is not None:
                return float(t)
            return int(t)
        if t.startswith(":"):
            return Keyword(t[1:])
        return Symbol(t)


def read(text):
    """The one EDN form of `text` as a Python value (see the module's comment)."""
    reader = _Reader(text)
    value = reader.form()
    reader.skip()
    if reader.pos != len(text):
        reader.fail("text after the form")
    return value


# ---- writing -------------------------------------------------------------------------------

def _string(s):
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _inst(dt):
    if dt.tzinfo is not None:
        dt = dt.astimezone(datetime.timezone.utc)
    return '#inst "' + dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z\""


def write(value, special=None):
    """EDN text for `value`. `special(value)` may return text for values of its own (used for
    database inputs); it returns None for the others."""
    if special is not None:
        text = special(value)
        if text is not None:
            return text
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "##NaN"
        if math.isinf(value):
            return "##Inf" if value > 0 else "##-Inf"
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value) + "M"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (Keyword, Symbol)):
        return str(value)
    if isinstance(value, datetime.datetime):
        return _inst(value)
    if isinstance(value, uuid.UUID):
        return f'#uuid "{value}"'
    if isinstance(value, (bytes, bytearray)):
        return '#bytes "' + base64.b64encode(bytes(value)).decode("ascii") + '"'
    if isinstance(value, Tagged):
        return f"#{value.tag.qualified} {write(value.value, special)}"
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(write(v, special) for v in value) + "]"
    if isinstance(value, (set, frozenset)):
        return "#{" + " ".join(write(v, special) for v in value) + "}"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{write(k, special)} {write(v, special)}" for k, v in value.items()) + "}"
    raise EdnError(f"no EDN form for {type(value).__name__}: {value!r}")
