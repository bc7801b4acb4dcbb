// The "shapes" generator of scripts/datascript-differential (a module it loads; not run on its
// own): queries in the shapes users write that the connected-pattern generator does not make —
// function expressions with every binding form, the aggregates beyond count/min/max/sum, pull in
// :find, :keys/:strs/:syms, the four find shapes, and not-join/or-join/or with functions inside.
// See tests/README-differential.md, "Shapes".
//
// A query is built as EDN text in which an attribute is written @name (a reverse one @_name);
// `spell` turns it into Quarry's :name or DataScript's JS "name". Every query says how its answer
// is compared (`shape`): the find shape, and per :find element whether it is plain, a bag of
// values to sort (distinct), a sample to compare by size, or a random pick to check for
// membership in the element after it (a (distinct ?x) of the same variable).
'use strict';

const { ednValue } = require('./differential-common.js');

// Doubles with a fraction: Quarry keeps 1 and 1.0 apart and DataScript cannot, so a double the
// queries make is never integral where it could meet a long in a join.
const FRACTIONS = ['0.5', '1.5', '-1.5', '2.25', '-0.75'];
const STRINGS = ['a', 'b', 'c', 'd', 'e'];
const kindOf = (type) => (type === 'ref' ? 'entity' : type);
// 'long' and 'entity' values are longs; 'num' may be a long or a double (a function result).
const isNumber = (k) => k === 'long' || k === 'entity' || k === 'num';

function spell(text, dialect) {
  return text.replace(/@(_?)([\w/]+)/g, (_, reverse, name) => {
    const slash = name.lastIndexOf('/');
    const full = slash < 0 ? reverse + name : name.slice(0, slash + 1) + reverse + name.slice(slash + 1);
    return dialect === 'quarry' ? ':' + full : JSON.stringify(full);
  });
}

function shuffled(rng, xs) {
  const ys = xs.slice();
  for (let i = ys.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [ys[i], ys[j]] = [ys[j], ys[i]];
  }
  return ys;
}

// The where clauses of one query, written in an order DataScript accepts (every variable bound
// before a predicate or function reads it), and the kinds of the variables they bind.
class Body {
  constructor(rng, attrs, present) {
    this.rng = rng;
    this.attrs = attrs;
    this.present = present;
    this.vars = new Map();
    this.holders = new Set();  // variables in the entity position of a data pattern
    this.where = [];
    this.grounds = [];  // the [(ground LITERAL) BINDING] clauses, which may become :in inputs
    this.next = 0;
  }
  fresh(kind, prefix = '?x') {
    const v = prefix + this.next++;
    this.vars.set(v, kind);
    return v;
  }
  of(fits) { return [...this.vars].filter(([, k]) => fits(k)).map(([v]) => v); }
  constant(attr) {
    const values = this.present.get(attr.name) || [];
    if (values.length && this.rng.chance(75)) return ednValue(this.rng.pick(values));
    if (attr.type === 'long') return String(this.rng.below(8));
    if (attr.type === 'string') return JSON.stringify(this.rng.pick(STRINGS));
    return String(1 + this.rng.below(10));
  }
  ground(literal, binding) {
    const clause = `[(ground ${literal}) ${binding}]`;
    this.grounds.push({ clause, literal, binding });
    this.where.push(clause);
  }
  // [?e @A ?v] over a fresh or given entity; returns the value variable.
  pattern(e, attr) {
    this.holders.add(e);
    const v = this.fresh(kindOf(attr.type), '?v');
    this.where.push(`[${e} @${attr.name} ${v}]`);
    return v;
  }
  // One or two patterns on a fresh entity, sometimes through a ref: the rows functions work on.
  base() {
    const { rng, attrs } = this;
    const e = this.fresh('entity', '?e');
    const first = rng.pick(attrs);
    const v = this.pattern(e, first);
    if (rng.chance(50)) this.pattern(e, rng.pick(attrs.filter((a) => a !== first)));
    if (first.type === 'ref' && rng.chance(30)) this.pattern(v, rng.pick(attrs));
    return e;
  }
}


// A numeric operand: a variable, a small long or a fraction.
function operand(b, nonzero) {
  const nums = b.of(isNumber);
  const roll = b.rng.below(100);
  if (!nonzero && nums.length && roll < 50) return b.rng.pick(nums);
  if (roll < 80) return String(nonzero ? 1 + b.rng.below(4) : b.rng.below(6));
  return b.rng.pick(FRACTIONS);
}
const kindOfArgs = (b, args, op) =>
  op !== '/' && args.every((a) => /^-?\d+$/.test(a) || (a.startsWith('?') && b.vars.get(a) !== 'num')) ? 'long' : 'num';

// DataScript's missing? goes through its entity API, where an entity without datoms is nil: it
// calls [8 :a2 10] missing once 10 has no datoms left (its get-else gives 10), and an entity
// without datoms of its own misses even the refs to it (:_a2). So missing? is asked of entities
// that hold a datom of a pattern (missingEntity) and of attributes that are not forward refs.
function missingEntity(b) {
  const e = b.of((k) => k === 'entity').filter((v) => b.holders.has(v));
  return e.length ? b.rng.pick(e) : null;
}

function missingAttr(b) {
  const plain = b.attrs.filter((a) => a.type !== 'ref').map((a) => '@' + a.name);
  const reverse = b.attrs.filter((a) => a.type === 'ref').map((a) => '@_' + a.name);
  return (b.rng.chance(25) && reverse.length) || !plain.length ? b.rng.pick(reverse) : b.rng.pick(plain);
}

// One function expression or predicate, chosen among those the bound variables allow. Each
// pushes its clause(s) onto b.where.
const FUNCTIONS = [
  function arithmetic(b) {
    const x = b.of(isNumber);
    if (!x.length) return false;
    const op = b.rng.pick(['+', '-', '*', '/', 'quot', 'rem', 'mod', 'max', 'min', '+', '-', '*']);
    const first = b.rng.pick(x);
    let args;
    if (['/', 'quot', 'rem', 'mod'].includes(op)) args = [first, operand(b, true)];
    else if (op === '-' && b.rng.chance(20)) args = [first];
    else args = [first, ...Array.from({ length: 1 + b.rng.below(2) }, () => operand(b, false))];
    const kind = kindOfArgs(b, args, op);
    b.where.push(`[(${op} ${args.join(' ')}) ${b.fresh(kind)}]`);
    return true;
  },
  function incDec(b) {
    const x = b.of(isNumber);
    if (!x.length) return false;
    const v = b.rng.pick(x);
    const kind = b.vars.get(v) === 'num' ? 'num' : 'long';
    b.where.push(`[(${b.rng.pick(['inc', 'dec'])} ${v}) ${b.rng.chance(10) ? '_' : b.fresh(kind)}]`);
    return true;
  },
  // str of strings, longs and entity ids (a double prints as 1.0 in Quarry, 1 in DataScript).
  function str(b) {
    const x = b.of((k) => k === 'string' || k === 'long' || k === 'entity');
    if (!x.length) return false;
    const n = 1 + b.rng.below(3);
    const args = Array.from({ length: n }, () => (b.rng.chance(70) ? b.rng.pick(x) : JSON.stringify(b.rng.pick(['-', 'xy', '']))));
    b.where.push(`[(str ${args.join(' ')}) ${b.fresh('string', '?s')}]`);
    return true;
  },
  function subsCount(b) {
    const s = b.of((k) => k === 'string');
    if (!s.length) return false;
    const v = b.rng.pick(s);
    if (b.rng.chance(40)) {
      b.where.push(`[(count ${v}) ${b.fresh('long')}]`);
      return true;
    }
    const i = b.rng.below(3);
    const args = b.rng.chance(40) ? `${i}` : `${i} ${i + b.rng.below(3)}`;
    b.where.push(`[(subs ${v} ${args}) ${b.fresh('string', '?s')}]`);
    return true;
  },
  function stringPredicate(b) {
    const s = b.of((k) => k === 'string');
    if (!s.length) return false;
    const v = b.rng.pick(s);
    const fn = b.rng.pick(['clojure.string/starts-with?', 'clojure.string/ends-with?', 'clojure.string/includes?']);
    const other = s.length > 1 && b.rng.chance(30) ? b.rng.pick(s.filter((x) => x !== v)) : JSON.stringify(b.rng.pick(STRINGS));
    b.where.push(b.rng.chance(20) ? `(not [(${fn} ${v} ${other})])` : `[(${fn} ${v} ${other})]`);
    return true;
  },
  // (< ?a ?b ?c), (= ?a ?b 3), (not= ...): two or three arguments of one class.
  function comparison(b) {
    const classes = [b.of(isNumber), b.of((k) => k === 'string')].filter((c) => c.length);
    if (!classes.length) return false;
    const pool = b.rng.pick(classes);
    const numeric = isNumber(b.vars.get(pool[0]));
    // No variable twice: DataScript 1.8 refuses [(< ?a ?b ?a)] ("Insufficient bindings: #{}").
    const n = 2 + b.rng.below(2);
    const free = shuffled(b.rng, pool);
    const args = Array.from({ length: n }, () =>
      (free.length && b.rng.chance(65) ? free.pop() : numeric ? b.rng.pick(['0', '2', '3', '5', '2.0', '2.5']) : JSON.stringify(b.rng.pick(STRINGS))));
    if (!args.some((a) => a.startsWith('?'))) args[0] = b.rng.pick(pool);
    const op = b.rng.pick(['<', '>', '<=', '>=', '=', 'not=', '=', '<']);
    b.where.push(`[(${op} ${args.join(' ')})]`);
    return true;
  },
  function identity(b) {
    const x = b.of((k) => k !== 'kw');
    if (!x.length) return false;
    const v = b.rng.pick(x);
    b.where.push(`[(identity ${v}) ${b.fresh(b.vars.get(v))}]`);
    return true;
  },
  // tuple / vector bound whole, as a tuple, with _ in it, or as a collection; untuple after.
  function tuples(b) {
    const x = b.of((k) => k !== 'vec' && k !== 'kw');
    if (!x.length) return false;
    const a = b.rng.pick(x), c = b.rng.pick(x);
    const fn = b.rng.pick(['tuple', 'vector']);
    const roll = b.rng.below(100);
    if (roll < 30) {
      const t = b.fresh('vec', '?t');
      b.where.push(`[(${fn} ${a} ${c}) ${t}]`);
      if (b.rng.chance(60)) b.where.push(`[(untuple ${t}) [${b.fresh(b.vars.get(a))} ${b.rng.chance(30) ? '_' : b.fresh(b.vars.get(c))}]]`);
      else if (b.rng.chance(50)) b.where.push(`[(count ${t}) ${b.fresh('long')}]`);
    } else if (roll < 60) {
      b.where.push(`[(${fn} ${a} ${c}) [${b.rng.chance(25) ? '_' : b.fresh(b.vars.get(a))} ${b.fresh(b.vars.get(c))}]]`);
    } else if (b.vars.get(a) === b.vars.get(c)) {
      b.where.push(`[(${fn} ${a} ${c} ${a}) [${b.fresh(b.vars.get(a))} ...]]`);
    } else {
      b.where.push(`[(${fn} ${a} 7 ${c}) [_ ${b.fresh('long')} ${b.rng.chance(50) ? '_' : b.fresh(b.vars.get(c))}]]`);
    }
    return true;
  },
  function getElse(b) {
    const e = b.of((k) => k === 'entity');
    if (!e.length) return false;
    const attr = b.rng.pick(b.attrs);
    const sameType = b.rng.chance(70);
    const dflt = sameType ? b.constant(attr) : b.rng.pick(['"none"', '-1', ':none']);
    b.where.push(`[(get-else $ ${b.rng.pick(e)} @${attr.name} ${dflt}) ${b.fresh(sameType ? kindOf(attr.type) : 'any')}]`);
    return true;
  },
  function getSome(b) {
    const e = b.of((k) => k === 'entity');
    if (!e.length) return false;
    const names = [...new Set(Array.from({ length: 1 + b.rng.below(3) }, () => b.rng.pick(b.attrs).name))];
    const call = `(get-some $ ${b.rng.pick(e)} ${names.map((n) => '@' + n).join(' ')})`;
    if (b.rng.chance(60)) b.where.push(`[${call} [${b.fresh('kw', '?attr')} ${b.fresh('any')}]]`);
    else b.where.push(`[${call} ${b.fresh('vec', '?t')}]`);
    return true;
  },
  function missing(b) {
    const e = missingEntity(b);
    if (!e) return false;
    const call = `[(missing? $ ${e} ${missingAttr(b)})]`;
    b.where.push(b.rng.chance(30) ? `(not ${call})` : call);
    return true;
  },
  // ground: a collection of mixed numbers, or a relation of [id label] joined to a pattern.
  function ground(b) {
    if (b.rng.chance(50)) {
      const xs = Array.from({ length: 2 + b.rng.below(4) }, () => b.rng.pick(['1', '2', '3', '7', ...FRACTIONS]));
      b.ground(`[${xs.join(' ')}]`, `[${b.fresh('num')} ...]`);
      return true;
    }
    const rows = Array.from({ length: 1 + b.rng.below(3) }, () => `[${1 + b.rng.below(10)} ${JSON.stringify(b.rng.pick(STRINGS))}]`);
    const id = b.fresh('entity', '?g');
    // A relation of [id label] rows, or one such row bound as a tuple.
    if (b.rng.chance(25)) b.ground(rows[0], `[${id} ${b.rng.chance(30) ? '_' : b.fresh('string', '?s')}]`);
    else b.ground(`[${rows.join(' ')}]`, `[[${id} ${b.fresh('string', '?s')}]]`);
    if (b.rng.chance(60)) b.pattern(id, b.rng.pick(b.attrs));
    return true;
  },
  // A relation binding of a function result: pairs made from two tuples.
  function relation(b) {
    const x = b.of((k) => k === 'long' || k === 'entity' || k === 'string');
    if (x.length < 2) return false;
    const [p, q] = [b.rng.pick(x), b.rng.pick(x)];
    const t = b.fresh('vec', '?t'), u = b.fresh('vec', '?t');
    b.where.push(`[(tuple ${p} ${q}) ${t}]`, `[(tuple ${q} ${p}) ${u}]`);
    b.where.push(`[(vector ${t} ${u}) [[${b.fresh(b.vars.get(p) === b.vars.get(q) ? b.vars.get(p) : 'any')} ${b.fresh(b.vars.get(p) === b.vars.get(q) ? b.vars.get(q) : 'any')}]]]`);
    return true;
  },
  // get, contains?, empty?, not-empty, set, range on tuples and strings; nil results drop rows.
  function collections(b) {
    const x = b.of((k) => k === 'long' || k === 'string' || k === 'entity');
    if (!x.length) return false;
    const a = b.rng.pick(x), c = b.rng.pick(x);
    const roll = b.rng.below(100);
    if (roll < 40) {
      const t = b.fresh('vec', '?t');
      b.where.push(a === c ? `[(vector ${a} 5) ${t}]` : `[(vector ${a} ${c}) ${t}]`);
      const pick = b.rng.below(5);
      if (pick === 0) b.where.push(`[(get ${t} ${b.rng.below(3)}) ${b.fresh('any')}]`);
      else if (pick === 1) b.where.push(`[(get ${t} ${b.rng.below(4)} "none") ${b.fresh('any')}]`);
      else if (pick === 2) b.where.push(`[(contains? ${t} ${b.rng.below(3)})]`);
      else if (pick === 3) b.where.push(`[(set ${t}) ?st${b.next}] [(count ?st${b.next++}) ${b.fresh('long')}]`);
      else b.where.push(`[(not-empty ${t}) ${b.fresh('vec', '?t')}]`);
      return true;
    }
    const longs = b.of((k) => k === 'long');
    if (roll < 70 && longs.length) {
      const n = b.rng.pick(longs);
      const args = b.rng.pick([`${n}`, `1 ${n}`, `0 ${n} 2`, `${n} 9 3`]);
      b.where.push(`[(range ${args}) [${b.fresh('long')} ...]]`);
      return true;
    }
    const strs = b.of((k) => k === 'string');
    if (!strs.length) return false;
    const v = b.rng.pick(strs);
    if (b.rng.chance(50)) b.where.push(`[(empty? ${v})]`);
    else b.where.push(`[(keyword "p" ${v}) ?k${b.next}] [(name ?k${b.next++}) ${b.fresh('string', '?s')}]`);
    return true;
  },
  // and / or / not as functions, nil? some? zero? pos? neg? even? odd?, compare, pr-str.
  function logic(b) {
    const longs = b.of((k) => k === 'long' || k === 'entity');
    const any = b.of((k) => k === 'long' || k === 'string' || k === 'entity' || k === 'any');
    if (!any.length) return false;
    const roll = b.rng.below(100);
    if (roll < 25 && longs.length) {
      const fn = b.rng.pick(['zero?', 'pos?', 'neg?', 'even?', 'odd?']);
      const v = b.rng.pick(longs);
      const arg = b.rng.chance(50) ? v : `?d${b.next}`;
      if (arg !== v) b.where.push(`[(- ${v} 3) ${arg}]`), b.next++;
      b.where.push(b.rng.chance(25) ? `(not [(${fn} ${arg})])` : `[(${fn} ${arg})]`);
      return true;
    }
    const [a, c] = shuffled(b.rng, any);
    if (roll < 50) {
      const fn = b.rng.pick(['and', 'or']);
      b.where.push(`[(${fn} ${a} ${c || 'nil'} ${b.rng.pick(['nil', 'false', '1', '"s"'])}) ${b.fresh('any')}]`);
      return true;
    }
    if (roll < 65) {
      b.where.push(`[(${b.rng.pick(['nil?', 'some?', 'not', 'true?', 'false?'])} ${a}) ${b.fresh('any')}]`);
      return true;
    }
    if (roll < 85 && c && b.vars.get(a) === b.vars.get(c) && b.vars.get(a) !== 'any') {
      b.where.push(`[(compare ${a} ${c}) ${b.fresh('long')}]`);
      return true;
    }
    const printable = b.of((k) => k === 'long' || k === 'string' || k === 'entity');
    if (!printable.length) return false;
    b.where.push(`[(${b.rng.pick(['pr-str', 'print-str'])} ${b.rng.pick(printable)} "q") ${b.fresh('string', '?s')}]`);
    return true;
  },
  // A result bound to a variable bound before (a filter), or joined to a data pattern after: in
  // the entity position, or the value position of a long attribute (longs only, so that no double
  // meets a long in a join).
  function joinedResult(b) {
    const longs = b.of((k) => k === 'long');
    const roll = b.rng.below(100);
    if (roll < 30 && longs.length >= 2) {
      const [x, y, z] = shuffled(b.rng, longs);
      const form = b.rng.below(3);
      // The bound variable receives a scalar, one element of a collection, or one of a tuple.
      if (form === 0) b.where.push(`[(${b.rng.pick(['+', '-'])} ${x} ${b.rng.below(3)}) ${y}]`);
      else if (form === 1) b.where.push(`[(vector ${x} ${z || 3} 4) [${y} ...]]`);
      else b.where.push(`[(tuple ${x} ${b.rng.below(5)}) [${y} ${b.fresh('long')}]]`);
      return true;
    }
    const entities = b.of((k) => k === 'entity');
    if (roll < 60 && entities.length) {
      const f = b.fresh('entity', '?f');
      b.where.push(`[(${b.rng.pick(['identity', 'inc', 'dec'])} ${b.rng.pick(entities)}) ${f}]`);
      b.pattern(f, b.rng.pick(b.attrs));
      return true;
    }
    const longAttrs = b.attrs.filter((a) => a.type === 'long');
    if (!longs.length || !longAttrs.length) return false;
    const w = b.fresh('long', '?w');
    const call = `[(${b.rng.pick(['inc', 'dec', 'identity'])} ${b.rng.pick(longs)}) ${w}]`;
    const attr = b.rng.pick(longAttrs).name;
    if (entities.length && b.rng.chance(30)) {
      b.vars.delete(w);
      b.where.push(`(not ${call.replace(w, '?w' + b.next)} [${b.rng.pick(entities)} @${attr} ?w${b.next++}])`);
      return true;
    }
    b.where.push(call);
    b.where.push(`[${b.fresh('entity', '?e')} @${attr} ${w}]`);
    return true;
  },
  // not-join, or-join and or with functions and predicates inside.
  function joins(b) {
    const ev = missingEntity(b);
    if (!ev) return false;
    const nums = b.attrs.filter((a) => a.type === 'long');
    const strs = b.attrs.filter((a) => a.type === 'string');
    const roll = b.rng.below(100);
    if (roll < 30) {
      const a = b.rng.pick(b.attrs);
      const inner = a.type === 'long'
        ? `[${ev} @${a.name} ?n${b.next}] [(* ?n${b.next} 2) ?m${b.next}] [(> ?m${b.next} ${b.rng.below(12)})]`
        : a.type === 'string'
          ? `[${ev} @${a.name} ?n${b.next}] [(str ?n${b.next} "x") ?m${b.next}] [(= ?m${b.next} ${JSON.stringify(b.rng.pick(STRINGS) + 'x')})]`
          : `[${ev} @${a.name} ?n${b.next}] [?n${b.next} @${b.rng.pick(b.attrs).name} _] [(missing? $ ?n${b.next} ${missingAttr(b)})]`;
      b.next++;
      b.where.push(`(not-join [${ev}] ${inner})`);
      return true;
    }
    if (roll < 65 && nums.length && strs.length) {
      const out = b.fresh('long', '?o');
      const k = b.next++;
      b.where.push(`(or-join [${ev} ${out}] (and [${ev} @${b.rng.pick(nums).name} ?p${k}] [(+ ?p${k} 10) ${out}]) ` +
        `(and [${ev} @${b.rng.pick(strs).name} ?q${k}] [(count ?q${k}) ${out}])` +
        (b.rng.chance(40) ? ` (and [(missing? $ ${ev} ${missingAttr(b)})] [(ground -1) ${out}])` : '') + ')');
      return true;
    }
    if (nums.length) {
      const a = b.rng.pick(nums);
      const x = b.fresh('long');
      const lo = b.rng.below(4), hi = 3 + b.rng.below(5);
      b.where.push(`(or (and [${ev} @${a.name} ${x}] [(< ${x} ${lo})]) (and [${ev} @${a.name} ${x}] [(>= ${x} ${hi})] [(odd? ${x})]))`);
      return true;
    }
    return false;
  },
];

// Whether some call [(f ARG...)] in `clause` names one variable twice: DataScript 1.8 refuses
// those ("Insufficient bindings: #{} not bound in [(* ?a ?b ?a) ?c]"), Quarry answers them.
function repeatsVariable(clause) {
  for (const [, call] of clause.matchAll(/\[\(([^()]*)\)/g)) {
    const vars = call.split(/\s+/).slice(1).filter((t) => t.startsWith('?'));
    if (new Set(vars).size !== vars.length) return true;
  }
  return false;
}

function addFunctions(b, n, fns = FUNCTIONS) {
  let made = 0;
  for (let tries = 0; made < n && tries < 4 * n; tries++) {
    const before = { vars: new Map(b.vars), where: b.where.length };
    if (!b.rng.pick(fns)(b)) continue;
    if (b.where.slice(before.where).some(repeatsVariable)) {
      b.vars = before.vars;
      b.where.length = before.where;
      continue;
    }
    made++;
  }
}

// The :find of a plain query: 1-3 variables (the newest first), as a relation, a collection, or
// maps under :keys/:strs/:syms.
function plainFind(b) {
  const names = [...b.vars.keys()].reverse();
  const n = Math.min(names.length, 1 + b.rng.below(3));
  const chosen = shuffled(b.rng, names.slice(0, Math.min(names.length, 4))).slice(0, n);
  const roll = b.rng.below(100);
  if (roll < 15) return { find: `[${chosen[0]} ...]`, shape: { find: 'coll', cols: ['plain'] } };
  if (roll < 35) {
    const keys = chosen.map((v) => v.slice(1));
    return { find: chosen.join(' ') + ` ${b.rng.pick([':keys', ':strs', ':syms'])} ${keys.join(' ')}`, shape: { find: 'rel', keys, cols: chosen.map(() => 'plain') } };
  }
  return { find: chosen.join(' '), shape: { find: 'rel', cols: chosen.map(() => 'plain') } };
}

function functionQuery(b) {
  b.base();
  addFunctions(b, 1 + b.rng.below(4));
  return plainFind(b);
}

// A call that fails on some rows: subs on a variable an or-join binds to
// strings and longs, after a pattern that may drop the entities holding the longs. DataScript
// runs the clauses as written, so it fails only when a row with a long gets past that pattern;
// Quarry, which may run the call first (and gets the clauses shuffled), must fail or answer alike
// (doc/query.md, "Errors from functions").
function failingCallQuery(b) {
  const { rng } = b;
  const strings = b.attrs.filter((a) => a.type === 'string');
  const longs = b.attrs.filter((a) => a.type === 'long');
  if (!strings.length || !longs.length) return functionQuery(b);
  const e = b.fresh('entity', '?e');
  const v = b.fresh('string', '?v');
  b.holders.add(e);
  b.where.push(`(or-join [${e} ${v}] [${e} @${rng.pick(strings).name} ${v}] [${e} @${rng.pick(longs).name} ${v}])`);
  const filter = rng.pick(b.attrs);
  b.where.push(rng.chance(60) ? `[${e} @${filter.name} ${b.constant(filter)}]` : `[${e} @${filter.name} _]`);
  // subs, which fails on a long in both; DataScript's string predicates answer false there.
  b.where.push(`[(subs ${v} ${rng.below(2)}) ${b.fresh('string', '?s')}]`);
  if (rng.chance(30)) b.where.push(`[(clojure.string/starts-with? ${v} ${JSON.stringify(rng.pick(STRINGS))})]`);
  return plainFind(b);
}

// Aggregates: 1-3 of them over one numeric or string variable, 0-1 grouping variables, :with
// sometimes, sometimes a filter that leaves nothing to aggregate.
//
// The aggregated values are longs, or literal longs and fractions: never a computed double, which
// may be integral (2.0) and meet a 2, one value in DataScript and two in Quarry (doc/query.md,
// "Engine behaviours"), so the bags would differ.
function aggregateQuery(b) {
  let e;
  const literals = [];
  if (b.rng.chance(30)) {
    // A relation of [group value] rows, duplicates and mixed longs and doubles included.
    e = b.fresh('entity', '?g');
    const rows = Array.from({ length: b.rng.below(7) }, () =>
      `[${1 + b.rng.below(3)} ${b.rng.pick(['1', '2', '3', '4', '-2', ...FRACTIONS])}]`);
    literals.push(b.fresh('num'));
    b.ground(`[${rows.join(' ')}]`, `[[${e} ${literals[0]}]]`);
  } else e = b.base();
  if (b.rng.chance(50)) addFunctions(b, 1);
  const nums = [...b.of((k) => k === 'long'), ...literals];
  const strs = b.of((k) => k === 'string');
  const numeric = nums.length && (b.rng.chance(75) || !strs.length);
  const pool = numeric ? nums : strs.length ? strs : b.of((k) => k === 'entity');
  const x = b.rng.pick(pool);
  if (b.rng.chance(15)) b.where.push(isNumber(b.vars.get(x)) ? `[(> ${x} 1000)]` : `[(= ${x} "zzz")]`);
  const n = 1 + b.rng.below(3);
  const fns = ['count', 'count-distinct', 'distinct', 'min', 'max', 'min-n', 'max-n', 'sample', 'rand', 'rand-n'];
  if (numeric) fns.push('avg', 'median', 'variance', 'stddev', 'sum', 'avg', 'median', 'variance', 'stddev');
  const elements = [], cols = [];
  for (let k = 0; k < n; k++) {
    const f = b.rng.pick(fns);
    const m = 1 + b.rng.below(3);
    if (f === 'min-n' || f === 'max-n') {
      elements.push(`(${f.slice(0, 3)} ${m} ${x})`);
      cols.push('plain');
    } else if (f === 'sample') {
      elements.push(`(sample ${m} ${x})`);
      cols.push('size');
    } else if (f === 'rand' || f === 'rand-n') {
      elements.push(f === 'rand' ? `(rand ${x})` : `(rand ${m} ${x})`, `(distinct ${x})`);
      cols.push(f === 'rand' ? 'member' : 'members', 'set');
    } else {
      elements.push(`(${f} ${x})`);
      cols.push(f === 'distinct' ? 'set' : 'plain');
    }
  }
  // Groups by anything but a computed double (0 and 0.0 are two groups in Quarry, one in DataScript).
  const others = [...b.vars.keys()].filter((v) => v !== x && b.vars.get(v) !== 'vec' && (b.vars.get(v) !== 'num' || literals.includes(v)));
  const groups = others.length && b.rng.chance(55) ? [b.rng.pick(others)] : [];
  const withVars = b.rng.chance(40) ? [e].filter((v) => v !== x && !groups.includes(v)) : [];
  const find = [...groups, ...elements];
  const shapeCols = [...groups.map(() => 'plain'), ...cols];
  const withText = withVars.length ? ` :with ${withVars.join(' ')}` : '';
  if (!groups.length && elements.length === 1 && b.rng.chance(40))
    return { find: `${find[0]} .${withText}`, shape: { find: 'scalar', cols: shapeCols } };
  if (!groups.length && b.rng.chance(30))
    return { find: `[${find.join(' ')}]${withText}`, shape: { find: 'tuple', cols: shapeCols } };
  if (b.rng.chance(20)) {
    const keys = find.map((_, i) => 'k' + i);
    return { find: `${find.join(' ')} :keys ${keys.join(' ')}${withText}`, shape: { find: 'rel', keys, cols: shapeCols } };
  }
  return { find: find.join(' ') + withText, shape: { find: 'rel', cols: shapeCols } };
}

// A pull pattern over the schema: attributes, *, :db/id, nested ref patterns, reverse refs,
// :limit, :default and :as in both their spellings.
function pullPattern(b, depth) {
  const { rng, attrs } = b;
  const refs = attrs.filter((a) => a.type === 'ref');
  const parts = new Map();
  const n = 1 + rng.below(3);
  for (let k = 0; k < n; k++) {
    const roll = rng.below(100);
    const a = rng.pick(attrs);
    if (roll < 10) parts.set('*', '*');
    else if (roll < 18) parts.set(':db/id', ':db/id');
    else if (roll < 38) parts.set(a.name, '@' + a.name);
    else if (roll < 55 && refs.length && depth < 2) {
      const r = rng.pick(refs);
      parts.set(r.name, `{@${r.name} ${pullPattern(b, depth + 1)}}`);
    } else if (roll < 68 && refs.length) {
      const r = rng.pick(refs);
      parts.set('_' + r.name, depth < 2 && rng.chance(40) ? `{@_${r.name} ${pullPattern(b, depth + 1)}}` : '@_' + r.name);
    } else if (roll < 78) {
      // :limit of a cardinality-many attribute or its reverse (both refuse it on a cardinality-one
      // attribute; DataScript also on the reverse of one, which Quarry allows: doc/pull.md).
      const many = attrs.filter((x) => x.many).map((x) => '@' + x.name)
        .concat(refs.filter((r) => r.many).map((r) => '@_' + r.name));
      if (!many.length) continue;
      const m = rng.pick(many);
      const limit = 1 + rng.below(2);
      parts.set(m.slice(1), rng.chance(50) ? `(limit ${m} ${limit})` : `[${m} :limit ${limit}]`);
    } else if (roll < 90) {
      const dflt = rng.pick(['0', '"none"', '-2']);
      parts.set(a.name, rng.chance(50) ? `(default @${a.name} ${dflt})` : `[@${a.name} :default ${dflt}]`);
    } else {
      // Each alias its own name: clj->js gives :alias and "alias" the same key.
      const alias = 'alias' + b.next++;
      parts.set(a.name, `[@${a.name} :as ${rng.chance(50) ? JSON.stringify(alias) : ':' + alias}]`);
    }
  }
  return '[' + [...parts.values()].join(' ') + ']';
}

function pullQuery(b) {
  const { rng } = b;
  let e;
  if (rng.chance(25)) {
    e = b.fresh('entity', '?e');
    b.ground(`[${shuffled(rng, ['1', '2', '3', '4', '5', '11']).slice(0, 1 + rng.below(3)).join(' ')}]`, `[${e} ...]`);
  } else e = b.base();
  if (rng.chance(30)) addFunctions(b, 1);
  const pull = `(pull ${e} ${pullPattern(b, 0)})`;
  const roll = rng.below(100);
  if (roll < 20) return { find: `[${pull} ...]`, shape: { find: 'coll', cols: ['pull'] } };
  if (roll < 30) {
    // One entity: a scalar, or a tuple with the entity and a second pull.
    b.where = [];
    b.grounds = [];
    b.ground(String(1 + rng.below(11)), e);
    if (rng.chance(60)) return { find: `${pull} .`, shape: { find: 'scalar', cols: ['pull'] } };
    return { find: `[${e} ${pull} (pull ${e} ${pullPattern(b, 0)})]`, shape: { find: 'tuple', cols: ['plain', 'pull', 'pull'] } };
  }
  if (roll < 50) return { find: `${e} ${pull} :keys id p`, shape: { find: 'rel', keys: ['id', 'p'], cols: ['plain', 'pull'] } };
  if (roll < 65) return { find: `${e} ${pull}`, shape: { find: 'rel', cols: ['plain', 'pull'] } };
  const values = b.of((k) => k !== 'entity' && k !== 'vec' && k !== 'kw');
  if (roll < 75 && values.length) {
    // Grouped by the pulled entity: one row per group, however equal their pulls.
    const agg = b.rng.pick(['count', 'count-distinct', 'distinct']);
    return { find: `${pull} (${agg} ${b.rng.pick(values)})`, shape: { find: 'rel', cols: ['pull', agg === 'distinct' ? 'set' : 'plain'] } };
  }
  return { find: pull, shape: { find: 'rel', cols: ['pull'] } };
}

// The clauses of a function query moved into a rule body: the query calls (f ?h...) on 1-3 of
// the body's variables, sometimes after a pattern that binds the first of them. No or/or-join in
// the body: DataScript 1.8 refuses a rule body that reads a variable an or-join binds
// ("Insufficient bindings: #{?o2} not bound in [(* ?e0__auto__4 -0.75 ?o2) ...]"), which it
// answers outside a rule.
function ruleQuery(b) {
  b.base();
  addFunctions(b, 1 + b.rng.below(3), FUNCTIONS.filter((f) => f.name !== 'joins'));
  const names = shuffled(b.rng, [...b.vars.keys()]).slice(0, 1 + b.rng.below(3));
  const body = b.where;
  const head = `(f ${names.join(' ')})`;
  const outer = [];
  if (b.vars.get(names[0]) === 'entity' && b.rng.chance(40)) outer.push(`[${names[0]} @${b.rng.pick(b.attrs).name} _]`);
  outer.push(head);
  b.where = outer;
  return { find: names.join(' '), shape: { find: 'rel', cols: names.map(() => 'plain') }, rules: (where) => `[[${head} ${where.join(' ')}]]`, body };
}

// One query of the shapes family: {quarry, ds, shape} and, for a rule query, {rules: {quarry,
// ds}}. Quarry sometimes gets the where clauses (or the rule body) shuffled (its planner orders
// them); DataScript always gets them in dependency order.
function makeShapeQuery(rng, attrs, present) {
  const b = new Body(rng, attrs, present);
  const family = rng.below(100);
  const made = family < 34 ? functionQuery(b) : family < 40 ? failingCallQuery(b) : family < 50 ? ruleQuery(b) : family < 72 ? aggregateQuery(b) : pullQuery(b);
  const { find, shape } = made;
  // Sometimes the ground clauses become inputs: :in $ [?x ...] with the literal as an argument.
  const inputs = made.rules || !b.grounds.length || rng.chance(65) ? [] : b.grounds;
  for (const g of inputs) b.where.splice(b.where.indexOf(g.clause), 1);
  const bindings = ['$', ...(made.rules ? ['%'] : []), ...inputs.map((g) => g.binding)].join(' ');
  const text = (where) => `[:find ${find} :in ${bindings} :where ${where.join(' ')}]`;
  const mix = (where) => (rng.chance(30) ? shuffled(rng, where) : where);
  const q = { shaped: true, quarry: spell(text(mix(b.where)), 'quarry'), ds: spell(text(b.where), 'ds'), shape };
  if (made.rules) q.rules = { quarry: spell(made.rules(mix(made.body)), 'quarry'), ds: spell(made.rules(made.body), 'ds') };
  if (inputs.length) q.inputs = inputs.map((g) => g.literal);
  return q;
}

// ---------------------------------------------------------------------------------------------
// Comparing answers. Both sides arrive as JS values (DataScript's through clj->js, Quarry's
// through the harness's EDN reader): numbers are compared by value to 12 significant digits
// (DataScript has one number type, and avg/variance/stddev may round differently), keyword map
// keys by name (clj->js drops namespaces: :db/id is "id"), and bags sorted.

function canonicalNumber(x) {
  if (Object.is(x, -0)) return '0';
  return Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(12)));
}

function canonicalValue(x) {
  if (typeof x === 'number') return canonicalNumber(x);
  if (Array.isArray(x)) return '[' + x.map(canonicalValue).join(',') + ']';
  if (x && typeof x === 'object') {
    const entries = Object.keys(x).map((k) => [k === 'db/id' ? 'id' : k, x[k]]);
    return '{' + entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => JSON.stringify(k) + ':' + canonicalValue(v)).join(',') + '}';
  }
  return JSON.stringify(x === undefined ? null : x);
}

const sortedCanonical = (xs) => (Array.isArray(xs) ? '#{' + xs.map(canonicalValue).sort().join(',') + '}' : 'not a collection: ' + canonicalValue(xs));

// One row (an array of :find values) as text: each value by its column's rule.
function canonicalRow(row, cols) {
  if (!Array.isArray(row) || row.length !== cols.length) return 'row of the wrong shape: ' + canonicalValue(row);
  return '[' + row.map((v, i) => {
    const col = cols[i];
    if (col === 'set') return sortedCanonical(v);
    if (col === 'size') return Array.isArray(v) ? `size ${v.length}` : 'not a sample: ' + canonicalValue(v);
    if (col === 'member' || col === 'members') {
      const pool = new Set((Array.isArray(row[i + 1]) ? row[i + 1] : []).map(canonicalValue));
      const picked = col === 'member' ? [v] : Array.isArray(v) ? v : [null, null, null, null];
      const outside = picked.filter((p) => !pool.has(canonicalValue(p)));
      return (col === 'members' ? `${picked.length} ` : '') + (outside.length ? 'NOT IN GROUP ' + canonicalValue(outside) : 'in group');
    }
    return canonicalValue(v);
  }).join(',') + ']';
}

// An answer as text, by the query's shape; maps (:keys) are turned back into rows first. Rows
// equal as text are one row, except in a pulled relation (a bag): Quarry keeps 2 and 2.0 apart
// (doc/query.md, "Engine behaviours"), so (quot ?x 1) of 2 and of 2.25 gives it two rows where
// DataScript, with one number type, has one.
function canonicalAnswer(answer, shape) {
  const toRow = (r) => (shape.keys && r && !Array.isArray(r) && typeof r === 'object' ? shape.keys.map((k) => r[k]) : r);
  if (shape.find === 'scalar') return answer === null ? 'nil' : canonicalRow([answer], shape.cols);
  if (shape.find === 'tuple') return answer === null ? 'nil' : canonicalRow(answer, shape.cols);
  if (!Array.isArray(answer)) return 'not a collection: ' + canonicalValue(answer);
  const rows = shape.find === 'coll' ? answer.map((v) => canonicalRow([v], shape.cols)) : answer.map((r) => canonicalRow(toRow(r), shape.cols));
  return (shape.cols.includes('pull') ? rows : [...new Set(rows)]).sort().join(' ');
}

module.exports = { makeShapeQuery, canonicalAnswer };
