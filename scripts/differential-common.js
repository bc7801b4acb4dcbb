// What the DataScript differentials (scripts/datascript-differential and
// scripts/datascript-index-differential) share: loading DataScript, a seeded generator, EDN
// spelling of values, a reader of Quarry's EDN output, and the canonical form results are compared
// in. See tests/README-differential.md.
'use strict';

// The DataScript module (DATASCRIPT=/path/to/node_modules/datascript, default
// /tmp/ds/node_modules/datascript); exits with status 2, naming `script`, if it cannot be loaded.
function loadDataScript(script) {
  const path = process.env.DATASCRIPT || '/tmp/ds/node_modules/datascript';
  try {
    return require(path);
  } catch (e) {
    console.error(`${script}: cannot load DataScript from ${path}; set DATASCRIPT ` +
      `or install it outside the repository (mkdir -p /tmp/ds && cd /tmp/ds && npm i datascript@1.8)`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------------------------------------
// A seeded generator (mulberry32)

function rngFrom(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    below: (n) => Math.floor(next() * n),
    chance: (percent) => next() * 100 < percent,
    pick(xs) { return xs[Math.floor(next() * xs.length)]; },
  };
}

// A long, double or string as EDN (doubles with a fraction only: 2.0 would print as the long 2).
const ednValue = (v) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

// ---------------------------------------------------------------------------------------------
// Quarry's output: EDN lines, read into JS values normalized as DataScript's clj->js gives them
// (keywords as their qualified name, sets and vectors as arrays, maps as objects).

function readEdn(text) {
  let i = 0;
  const ws = () => { while (i < text.length && ' \n\t\r,'.includes(text[i])) i++; };
  const delim = (c) => c === undefined || ' \n\t\r,()[]{}"'.includes(c);
  function seq(close) {
    const items = [];
    for (;;) {
      ws();
      if (i >= text.length) throw new Error('unterminated ' + close);
      if (text[i] === close) { i++; return items; }
      items.push(read());
    }
  }
  function read() {
    ws();
    const c = text[i];
    if (c === '[' || c === '(') { i++; return seq(c === '[' ? ']' : ')'); }
    if (c === '{') {
      i++;
      const items = seq('}');
      const o = {};
      for (let k = 0; k < items.length; k += 2) o[String(items[k])] = items[k + 1];
      return o;
    }
    if (c === '#' && text[i + 1] === '{') { i += 2; return seq('}'); }
    if (c === '#') {  // a tagged value: #error {...}
      i++;
      const tag = readToken();
      return { tag, value: read() };
    }
    if (c === '"') {
      let s = '';
      i++;
      while (text[i] !== '"') {
        if (text[i] === '\\') {
          i++;
          const esc = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' }[text[i]];
          s += esc !== undefined ? esc : text[i];
        } else s += text[i];
        i++;
      }
      i++;
      return s;
    }
    const tok = readToken();
    if (tok === 'nil') return null;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (tok.startsWith(':')) return tok.slice(1);
    if (/^[-+]?\d+$/.test(tok)) return Number(tok);
    if (/^[-+]?[\d.]+([eE][-+]?\d+)?M?$/.test(tok)) return Number(tok.replace(/M$/, ''));
    return tok;  // a symbol
  }
  function readToken() {
    const s = i;
    while (!delim(text[i])) i++;
    if (s === i) throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
    return text.slice(s, i);
  }
  return read();
}

function canonical(x) {
  if (Array.isArray(x)) return '[' + x.map(canonical).join(',') + ']';
  if (x && typeof x === 'object') return '{' + Object.keys(x).sort().map((k) => JSON.stringify(k) + ':' + canonical(x[k])).join(',') + '}';
  return JSON.stringify(x === undefined ? null : x);
}

// A relation with its rows in a canonical order.
function normalizeRelation(rows) {
  return rows.map(canonical).sort().join(' ');
}

module.exports = { loadDataScript, rngFrom, ednValue, readEdn, canonical, normalizeRelation };
