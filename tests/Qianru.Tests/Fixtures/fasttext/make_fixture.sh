#!/bin/sh
# Generates the fastText .bin fixture with the fastText CLI (Debian package fasttext 0.9.2), from the word-vector
# test corpus plus a few Chinese lines (multi-byte character n-grams). Run from anywhere: sh make_fixture.sh
# Writes tiny.bin (the model) and expected_vectors.txt (fasttext print-word-vectors for in- and out-of-vocabulary words).
set -e
cd "$(dirname "$0")"
tmp=$(mktemp -d)
zcat ../words/corpus.txt.gz > "$tmp/corpus.txt"
i=0
while [ $i -lt 40 ]; do
  echo "公司 业绩 增长 利润 上升 市场 份额 扩大 服务 故障 接口 报错" >> "$tmp/corpus.txt"
  i=$((i + 1))
done
fasttext skipgram -input "$tmp/corpus.txt" -output "$tmp/model" -dim 8 -minCount 5 -bucket 1000 -minn 2 -maxn 4 -epoch 2 -thread 1 -seed 1 > /dev/null
cp "$tmp/model.bin" tiny.bin
printf 'king\nqueen\nparis\n业绩\n增长\nkingdoms\nqueenly\n业绩增长\nzzzz\nparisian\n' | fasttext print-word-vectors tiny.bin > expected_vectors.txt
rm -rf "$tmp"
