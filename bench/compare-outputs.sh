#!/usr/bin/env bash
# Byte-for-byte comparison of `qianru demo`, `embed`, `cluster`, `knn` and `search` between two builds of the CLI
# (outputs stay the same when the code is restructured).
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
before=$(cd "$1" && pwd); after=$(cd "$2" && pwd); sentences=$(realpath "$3")
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

# embed and cluster on the golden texts and the corpus; demo with its deliberate wording changes made equal (its
# heading said "Cosine distance" above cosine similarities; its [UNK] note now names the tutorial's hub model).
printf '%s\n' "业绩增长" "小明,我们公司三季度接了个大单" "如何训练词向量？" "A man is eating food." "A man is riding a horse." > golden.txt
for input in golden.txt queries.txt; do
  compare "embed.$input.jsonl" embed --input "$input"
  compare "embed.$input.csv" embed --input "$input" --format csv
  compare "embed.$input.int8" embed --input "$input" --model minilm-int8
  compare "embed.$input.arctic" embed --input "$input" --model arctic-xs --prompt-name query
done
compare "cluster.kmeans" cluster --input base.txt --algorithm kmeans --k 8 --random-state 0
compare "cluster.kmeans.jsonl" cluster --input base.txt --algorithm kmeans --k 5 --random-state 1 --format jsonl
compare "cluster.dbscan" cluster --input base.txt --algorithm dbscan --metric cosine --eps 0.35 --min-samples 3
compare "cluster.community" cluster --input base.txt --algorithm community --threshold 0.6 --min-community-size 3
q "$before" demo 2>&1 | sed -e 's/Cosine distance/Cosine similarity/' \
  -e 's|run with --model PATH to a Chinese model such as BAAI/bge-small-zh-v1.5 for|run with --model BAAI/bge-large-zh-v1.5 (the tutorial'"'"'s model; or BAAI/bge-small-zh-v1.5) for|' > before.demo
q "$after" demo > after.demo 2>&1
if cmp -s before.demo after.demo; then same=$((same + 1)); else different=$((different + 1)); echo "DIFFERENT: demo"; diff before.demo after.demo | head -20 || true; fi

echo "identical: $same, HNSW compared by recall or ids: $approximate, different: $different"
[ "$different" -eq 0 ]
