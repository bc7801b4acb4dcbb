;; Checks the golden pull cases in this folder against DataScript 1.8 (its npm build), so that every
;; expectation is DataScript's answer, not ours. Run with nbb (ClojureScript on node):
;;
;;   NODE_PATH=/tmp/ds/node_modules /tmp/ds/node_modules/.bin/nbb \
;;     tests/golden/pull/datascript_check.cljs tests/golden/pull/*.edn
;;
;; Prints one line per case that DataScript answers differently (with DataScript's answer) and
;; exits with status 1 if there was any. The file format is described in tests/query_pull_test.cpp.
;; With --print, prints each file back instead, every case's :result (or :error) replaced by
;; DataScript's answer: the way new cases get their expectations.
;;
;; DataScript's JavaScript API names attributes with strings, so keywords in attribute positions
;; (schema keys, tx-data map keys, pattern attributes) are turned into strings on the way in, and
;; the result maps' string keys back into keywords on the way out. Golden data therefore avoids
;; keyword VALUES and string aliases (`:as "x"`), which that translation cannot tell apart.
(ns datascript-check
  (:require ["datascript" :as ds-module]
            ["fs" :as fs]
            [clojure.edn :as edn]
            [clojure.string :as str]))

(def d (or (.-default ds-module) ds-module))

(defn attr-name [k]
  (if (and (keyword? k) (not= k :db/id))
    (if (namespace k) (str (namespace k) "/" (name k)) (name k))
    k))

(defn schema->js [schema]
  (clj->js (into {} (for [[a props] schema]
                      [(attr-name a) (into {} (for [[k v] props] [(str k) (if (keyword? v) (str v) v)]))]))))

(defn tx-value->js [v]
  (cond (map? v) (into {} (for [[k x] v] [(if (= k :db/id) ":db/id" (attr-name k)) (tx-value->js x)]))
        (vector? v) (mapv tx-value->js v)
        :else v))

(declare pattern->ds)

(def legacy-ops #{'limit 'default "limit" "default"})

(defn attr-spec->ds [spec]
  (cond
    (keyword? spec) (attr-name spec)
    (and (sequential? spec) (legacy-ops (first spec)))
    (let [[op a & more] spec] (apply list op (attr-name a) more))
    (sequential? spec)
    (let [[a & opts] spec
          converted (cons (attr-name a) opts)]
      (if (vector? spec) (vec converted) (apply list converted)))
    (map? spec)
    (into {} (for [[k v] spec]
               [(attr-spec->ds k) (if (sequential? v) (pattern->ds v) v)]))
    :else spec))

(defn pattern->ds [pattern]
  (if (sequential? pattern) (mapv attr-spec->ds pattern) pattern))

(defn eid->ds [eid]
  (if (vector? eid) (clj->js [(attr-name (first eid)) (second eid)]) eid))

(defn result->clj [x]
  (cond
    (map? x) (into {} (for [[k v] x]
                        [(keyword (if (str/starts-with? k ":") (subs k 1) k)) (result->clj v)]))
    (sequential? x) (mapv result->clj x)
    :else x))

(defn run-case [db c]
  (try
    (let [pattern (pr-str (pattern->ds (or (:pull c) (:pull-many c))))
          r (if (contains? c :pull)
              (.pull d db pattern (eid->ds (:eid c)))
              (.pull_many d db pattern (clj->js (map eid->ds (:eids c)))))]
      {:result (result->clj (js->clj r))})
    (catch :default e {:error (.-message e)})))

(defn case-line? [line]
  (or (str/starts-with? line "{:case") (str/starts-with? line "{:pull")))

;; Cases are one per line; every other line is printed as it is.
(defn print-file [path]
  (let [text (fs/readFileSync path "utf8")
        forms (edn/read-string (str "[" text "]"))
        setup (filter #(or (contains? % :schema) (contains? % :tx)) forms)
        schema (some :schema setup)
        db (reduce (fn [db step] (if (:tx step) (.db_with d db (clj->js (tx-value->js (:tx step)))) db))
                   (.empty_db d (schema->js schema)) setup)]
    (binding [*print-namespace-maps* false]
      (doseq [line (str/split-lines text)]
        (if (case-line? line)
          (let [c (edn/read-string line)
                got (if (:quarry-only c) (select-keys c [:result :error]) (run-case db c))
                base (dissoc c :result :error)]
            (println (pr-str (if (contains? got :error)
                               (assoc base :error (if (string? (:error got)) :pull/syntax (:error got)))
                               (assoc base :result (:result got))))))
          (println line))))
    0))

(defn check-file [path]
  (let [forms (edn/read-string (str "[" (fs/readFileSync path "utf8") "]"))
        setup (filter #(or (contains? % :schema) (contains? % :tx)) forms)
        schema (some :schema setup)
        db (reduce (fn [db step] (if (:tx step) (.db_with d db (clj->js (tx-value->js (:tx step)))) db))
                   (.empty_db d (schema->js schema)) setup)
        cases (filter #(or (contains? % :pull) (contains? % :pull-many)) forms)
        ;; cases marked :quarry-only state a deliberate difference (doc/pull.md) and are not checked
        checked (remove :quarry-only cases)
        bad (atom 0)]
    (doseq [c checked]
      (let [got (run-case db c)]
        (if (contains? c :error)
          (when-not (:error got)
            (swap! bad inc)
            (println path "expected an error, DataScript gave" (pr-str (:result got)) "for" (pr-str c)))
          (when-not (and (contains? got :result) (= (:result got) (:result c)))
            (swap! bad inc)
            (println path "MISMATCH" (pr-str (dissoc c :result)) "\n  DataScript:" (pr-str got))))))
    (println path (count checked) "cases checked," @bad "differ")
    @bad))

(let [print? (some #{"--print"} *command-line-args*)
      files (filter #(str/ends-with? % ".edn") *command-line-args*)
      bad (reduce + (map (if print? print-file check-file) files))]
  (when (pos? bad) (js/process.exit 1)))
