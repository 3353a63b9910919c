#!/usr/bin/env bash
# Byte-for-byte comparison of `qianru knn` and `qianru search` between two builds of the CLI (issue #16: outputs stay
# the same when the code is restructured).
#
#   bench/compare-outputs.sh BEFORE_DIR AFTER_DIR SENTENCES.txt
#
# BEFORE_DIR and AFTER_DIR hold a built Qianru.Cli.dll (e.g. src/Qianru.Cli/bin/Release/net10.0 of two checkouts).
# SENTENCES.txt: one text per line, at least 200 lines (the bench corpus). The before build embeds them once into
# base/query .npy files; both builds then run knn (every index kind, metric and several k, ef, rescore and precision
# settings) and build a collection of the same texts to search (10 queries; exact and HNSW, table and jsonl). Every output of
# exact, int8 and binary knn and of exact collection search must be byte-identical. HNSW builds its graph on all
# cores, inserting in a different order on every run, so one build does not reproduce even itself byte for byte:
# HNSW knn outputs are compared by recall@k against exact search (the after build's may not be more than 0.02
# lower), HNSW collection searches by the ids they return (at least 90% in common; rescored, they are almost
# always the exact ones).
# Exit status: 0 when every pair passes.
set -euo pipefail
before=$(cd "$1" && pwd); after=$(cd "$2" && pwd); sentences=$3
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
q() { local dir=$1; shift; dotnet "$dir/Qianru.Cli.dll" "$@"; }

lines=$(grep -c . "$sentences")
head -n $((lines - 100)) "$sentences" > base.txt
tail -n 100 "$sentences" > queries.txt
q "$before" embed --input base.txt --format npy --output base.npy
q "$before" embed --input queries.txt --format npy --output queries.npy

same=0; different=0; approximate=0
compare() { # name, then the command's arguments: byte-identical outputs
  local name=$1; shift
  q "$before" "$@" > "before.$name" 2>/dev/null
  q "$after" "$@" > "after.$name" 2>/dev/null
  if cmp -s "before.$name" "after.$name"; then same=$((same + 1)); else different=$((different + 1)); echo "DIFFERENT: $*"; fi
}
compare_recall() { # name, then the command's arguments: HNSW, recall@k against exact within 0.02
  local name=$1; shift
  q "$before" "$@" > "before.$name" 2>/dev/null
  q "$after" "$@" > "after.$name" 2>/dev/null
  local b a
  b=$(recall "before.$name"); a=$(recall "after.$name")
  approximate=$((approximate + 1))
  if python3 -c "import sys; sys.exit(0 if $a >= $b - 0.02 else 1)"; then
    echo "hnsw recall $b before, $a after: $*"
  else
    different=$((different + 1)); echo "DIFFERENT (recall $b before, $a after): $*"
  fi
}
recall() { # recall@k of a knn jsonl output against the exact one of the same metric and k
  python3 - "$1" "exact.$current" <<'PY'
import json, sys
a = [json.loads(l)["ids"] for l in open(sys.argv[1])]
e = [json.loads(l)["ids"] for l in open(sys.argv[2])]
print("%.4f" % (sum(len(set(x) & set(y)) for x, y in zip(a, e)) / max(1, sum(len(y) for y in e))))
PY
}

for metric in cosine dot euclidean; do
  for k in 1 10 50; do
    current="$metric.$k"
    q "$before" knn --base base.npy --queries queries.npy --metric "$metric" --k "$k" > "exact.$current" 2>/dev/null
    compare "exact.$metric.$k" knn --base base.npy --queries queries.npy --metric "$metric" --k "$k" --index exact
    for rescore in 0 40; do
      compare "int8.$metric.$k.$rescore" knn --base base.npy --queries queries.npy --metric "$metric" --k "$k" --index int8 --rescore "$rescore"
      compare "binary.$metric.$k.$rescore" knn --base base.npy --queries queries.npy --metric "$metric" --k "$k" --index binary --rescore "$rescore"
    done
    for precision in float16 float32; do
      compare_recall "hnsw.$metric.$k.$precision" knn --base base.npy --queries queries.npy --metric "$metric" --k "$k" --index hnsw --precision "$precision"
      compare_recall "hnsw.$metric.$k.$precision.ef" knn --base base.npy --queries queries.npy --metric "$metric" --k "$k" --index hnsw --precision "$precision" --ef 16
    done
  done
done

q "$before" index create before.db > /dev/null
q "$after" index create after.db > /dev/null
q "$before" index add before.db --input base.txt > /dev/null 2>&1
q "$after" index add after.db --input base.txt > /dev/null 2>&1
overlap() { # two search jsonl outputs share at least 90% of their ids (HNSW graphs differ between builds and runs)
  python3 -c 'import json, sys; a, b = ([json.loads(l)["id"] for l in open(f)] for f in sys.argv[1:]); sys.exit(0 if len(set(a) & set(b)) >= 0.9 * max(len(a), 1) else 1)' "$1" "$2"
}
n=0
while IFS= read -r query && [ $n -lt 10 ]; do
  n=$((n + 1))
  for mode in exact hnsw; do
    for format in table jsonl; do
      for k in 5 20; do
        name="search.$n.$mode.$format.$k"
        q "$before" search before.db "$query" --index "$mode" --format "$format" --k "$k" > "before.$name" 2>/dev/null
        q "$after" search after.db "$query" --index "$mode" --format "$format" --k "$k" > "after.$name" 2>/dev/null
        if cmp -s "before.$name" "after.$name"; then
          same=$((same + 1))
        elif [ "$mode" = hnsw ] && [ "$format" = table ]; then
          approximate=$((approximate + 1)) # judged by the jsonl output of the same search
        elif [ "$mode" = hnsw ] && [ "$format" = jsonl ] && overlap "before.$name" "after.$name"; then
          approximate=$((approximate + 1)); echo "hnsw search: at least 90% of the ids in common: '$query' --k $k"
        else
          different=$((different + 1)); echo "DIFFERENT: search '$query' --index $mode --format $format --k $k"
        fi
      done
    done
  done
done < queries.txt

echo "identical: $same, HNSW compared by recall or ids: $approximate, different: $different"
[ "$different" -eq 0 ]
