#!/usr/bin/env node
// DataScript's side of bench/compare_bench.cpp: loads the datasets a manifest names, runs its
// queries with DataScript 1.8 (the `datascript` npm package) and prints one EDN map of timings on
// standard output. Progress goes to standard error.
//
//   node bench/datascript_bench.mjs MANIFEST.json
//
// MANIFEST.json (written by compare_bench):
//   {"runs": 7,
//    "schema": "schema.edn",
//    "datasets": [{"name": "core", "base": null, "files": ["people20k-core.edn"]},
//                 {"name": "full", "base": "core", "files": ["people20k-extra.edn"]}, ...],
//    "cases": [{"name": "q1", "db": "core", "query": "[:find ?e :where ...]", "args": ["1", "[[(reach ...)]]"]}]}
// A dataset is `base` (or an empty db with the schema) with each file's tx-data added by one
// d/db-with each, as DataScript's own "add-all" benchmark does. Queries and args are EDN text.
//
// Output: {:datascript "1.8.1" :load {"core" MS ...} :cases {"q1" {:count N :median MS :min MS} ...}}
// or {:skipped "why"} when the package cannot be loaded (compare_bench then leaves the column out).
// A case that throws gives {"name" {:error "message"}}.
//
// Where the package comes from: $DATASCRIPT (a path to node_modules/datascript), else the
// node_modules beside this script (bench/setup-datascript installs it there).
//
// Timing: every case runs once untimed (its result size is the count), twice more as warm-ups, then
// `runs` timed runs (3 runs and no warm-up for a case whose first run took over a second); median
// and minimum in ms. d.q of DataScript's JS API reads the query text (DataScript caches parsed
// queries) and converts the result with clj->js; both are inside the timing, as they are for any
// JS caller.
//
// How EDN becomes ClojureScript values with keywords intact: DataScript's JS API has no EDN reader,
// but from_serializable reads a datom value serialized as EDN with DataScript's own reader, so
// thaw(text) builds a one-datom db around the text and takes the value back out (the same trick as
// scripts/datascript-check).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const manifestPath = process.argv[2];
if (!manifestPath) {
  console.error('usage: node datascript_bench.mjs MANIFEST.json');
  process.exit(2);
}

const ednString = (s) => JSON.stringify(String(s));
let d;
let version = '?';
try {
  const where = process.env.DATASCRIPT || 'datascript';
  d = require(where);
  try {
    version = require(path.join(path.dirname(require.resolve(where)), 'package.json')).version;
  } catch { /* version unknown */ }
} catch (e) {
  process.stdout.write(`{:skipped ${ednString('the datascript package is not installed (run bench/setup-datascript, or set DATASCRIPT): ' + e.message.split('\n')[0])}}\n`);
  process.exit(0);
}

const TX0 = 536870912;
function thaw(edn) {
  const db = d.from_serializable({
    count: 1, tx0: TX0, 'max-eid': 1, 'max-tx': TX0 + 1, schema: '{}', attrs: [':x'], keywords: [],
    eavt: [[1, 0, [1, edn], 1]], aevt: [0], avet: [],
  });
  return d.datoms(db, ':eavt')[0].v;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
const schema = thaw(fs.readFileSync(manifest.schema, 'utf8'));

const dbs = new Map();
const loadMs = {};
for (const set of manifest.datasets) {
  let db = set.base ? dbs.get(set.base) : d.empty_db(schema);
  let ms = 0;
  for (const file of set.files) {
    const txData = thaw(fs.readFileSync(file, 'utf8'));
    const start = now();
    db = d.db_with(db, txData);
    ms += now() - start;
  }
  dbs.set(set.name, db);
  loadMs[set.name] = ms;
  console.error(`(DataScript: ${set.name} loaded in ${ms.toFixed(0)} ms)`);
}

function timeCase(run, runs) {
  let start = now();
  const first = run();
  const firstMs = now() - start;
  const slow = firstMs > 1000;
  for (let i = 0; i < (slow ? 0 : 2); i++) run();
  const times = [];
  for (let i = 0; i < (slow ? 3 : runs); i++) {
    start = now();
    run();
    times.push(now() - start);
  }
  times.sort((a, b) => a - b);
  const n = times.length;
  const median = n % 2 ? times[(n - 1) / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  return { count: Array.isArray(first) ? first.length : -1, median, min: times[0] };
}

const results = [];
for (const c of manifest.cases) {
  const db = dbs.get(c.db);
  const args = c.args.map(thaw);
  let entry;
  try {
    const t = timeCase(() => d.q(c.query, db, ...args), manifest.runs);
    entry = `{:count ${t.count} :median ${t.median.toFixed(4)} :min ${t.min.toFixed(4)}}`;
    console.error(`(DataScript: ${c.name} ${t.median.toFixed(2)} ms)`);
  } catch (e) {
    entry = `{:error ${ednString(e.message)}}`;
    console.error(`(DataScript: ${c.name} failed: ${e.message})`);
  }
  results.push(`${ednString(c.name)} ${entry}`);
}

const load = Object.entries(loadMs).map(([k, v]) => `${ednString(k)} ${v.toFixed(1)}`).join(' ');
process.stdout.write(`{:datascript ${ednString(version)} :load {${load}} :cases {${results.join('\n ')}}}\n`);
