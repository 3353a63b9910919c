#!/usr/bin/python3
"""Builds the SentencePiece Unigram fixtures of Qianru's tokenizer tests (run by hand, never by the tests).

Needs Debian's python3-sentencepiece (0.1.97 was used): run with /usr/bin/python3, not a virtual environment.

    /usr/bin/python3 make_unigram_fixtures.py --out DIR CORPUS.txt [CORPUS.txt ...]

The corpus used for the committed files: the Chinese embedding tutorial the project follows, the 1,000 English
sentences of the benchmark corpus and Debian's fortunes-zh (chinese, tang300, song100; ANSI colour codes removed).

It writes, in DIR:
  xlmr/sentencepiece.bpe.model   a Unigram model trained with nmt_nfkc normalization, no byte fallback, with
                                 XLM-R's control pieces (<unk>=0, <s>=1, </s>=2 in SentencePiece's own ids)
  xlmr/tokenizer.json            that model as transformers' XLMRobertaConverter writes it: normalizer
                                 Sequence[Precompiled(charsmap), Replace(" {2,}", " ")], Metaspace pre-tokenizer,
                                 Unigram vocab with scores in fairseq order (<s>, <pad>, </s>, <unk>, pieces[3:],
                                 <mask>), TemplateProcessing "<s> $A </s>"
  bytefallback/tokenizer.json    the same layout for a smaller model trained with byte_fallback=true (its vocab
                                 has <0x00>..<0xFF>; "byte_fallback": true in the model)
  expected.txt.gz                the texts and the ids SentencePiece itself gives for them (fairseq ids, with <s>
                                 and </s>, as transformers' slow XLMRobertaTokenizer returns them), per model

expected.txt.gz is line-based UTF-8 (texts are JSON strings, so control characters survive):
  # comment lines
  model NAME                                      the following lines are for model NAME
  range FIRST LAST IDS                            every scalar value cp in FIRST..LAST (hex) gives IDS for the
                                                  text "a" + chr(cp) + "b" (surrogates excluded); in a model with
                                                  byte pieces, B stands for the byte pieces of chr(cp)'s UTF-8
  text SET JSON IDS                               one text of set SET (random, tutorial, cases) and its ids
IDS are comma-separated decimal ids.
"""

import argparse
import base64
import gzip
import hashlib
import io
import json
import os
import random
import re
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2

SEED = 20261201


def read_corpus(paths):
    lines = []
    ansi = re.compile(r"\x1b\[[0-9;]*m")
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = ansi.sub("", line).strip()
                if line and line != "%":
                    lines.append(line)
    return lines


def train(corpus_file, prefix, vocab_size, coverage, byte_fallback):
    spm.SentencePieceTrainer.train(
        input=corpus_file,
        model_prefix=prefix,
        model_type="unigram",
        vocab_size=vocab_size,
        normalization_rule_name="nmt_nfkc",
        character_coverage=coverage,
        byte_fallback=byte_fallback,
        num_threads=1,
        input_sentence_size=0,
        shuffle_input_sentence=False,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    with open(prefix + ".model", "rb") as f:
        proto = model_pb2.ModelProto()
        proto.ParseFromString(f.read())
    # The trainer records its input and output paths; clear them so that the file does not depend on where it was made.
    proto.trainer_spec.ClearField("input")
    proto.trainer_spec.ClearField("model_prefix")
    return proto.SerializeToString()


def tokenizer_json(model_bytes, byte_fallback):
    """The tokenizer.json layout of transformers' XLMRobertaConverter (SpmConverter) for an XLM-R style model."""
    proto = model_pb2.ModelProto()
    proto.ParseFromString(model_bytes)
    pieces = list(proto.pieces)
    assert [p.piece for p in pieces[:3]] == ["<unk>", "<s>", "</s>"], [p.piece for p in pieces[:3]]
    vocab = [["<s>", 0.0], ["<pad>", 0.0], ["</s>", 0.0], ["<unk>", 0.0]]
    vocab += [[p.piece, float(p.score)] for p in pieces[3:]]
    vocab += [["<mask>", 0.0]]
    mask_id = len(vocab) - 1

    def added(id_, content, lstrip=False):
        return {"id": id_, "content": content, "single_word": False, "lstrip": lstrip, "rstrip": False,
                "normalized": False, "special": True}

    charsmap = base64.b64encode(proto.normalizer_spec.precompiled_charsmap).decode("ascii")
    metaspace = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(0, "<s>"), added(1, "<pad>"), added(2, "</s>"), added(3, "<unk>"),
                         added(mask_id, "<mask>", lstrip=True)],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Precompiled", "precompiled_charsmap": charsmap},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
        ]},
        "pre_tokenizer": metaspace,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {
                "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]},
                "<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]},
            },
        },
        "decoder": metaspace,
        "model": {"type": "Unigram", "unk_id": 3, "vocab": vocab, "byte_fallback": byte_fallback},
    }


def fairseq_ids(sp, text):
    """transformers' slow XLMRobertaTokenizer: SentencePiece ids shifted by one, <unk> to 3, within <s> ... </s>."""
    ids = [0]
    for i in sp.encode(text):
        ids.append(3 if i == 0 else i + 1)
    ids.append(2)
    return ids


def random_texts(count):
    """Seeded mixed-script texts: full-width forms, compatibility ideographs, combining marks, emoji, ZWJ,
    control characters and runs of spaces among Latin, CJK, kana, Hangul, Cyrillic, Greek, Arabic, Devanagari."""
    rng = random.Random(SEED)
    pools = [
        ("ascii", [chr(c) for c in range(0x21, 0x7F)]),
        ("words", ["the", "embedding", "Qianru", "vector", "model", "hello", "world", "café", "naïve", "2024"]),
        ("cjk", [chr(c) for c in range(0x4E00, 0x4E00 + 600)] + list("嵌入向量模型的是我们一个中文句子语义检索")),
        ("cjk-ext", [chr(c) for c in (0x20000, 0x20001, 0x2A700, 0x2B740, 0x2B820, 0x2CEB0, 0x30000, 0x3400, 0x4DB5)]),
        ("compat-ideographs", [chr(c) for c in range(0xF900, 0xFB00, 3)] + [chr(c) for c in range(0x2F800, 0x2FA1E, 7)]),
        ("fullwidth", [chr(c) for c in range(0xFF01, 0xFF5F)] + [chr(c) for c in range(0xFF61, 0xFFA0)]),
        ("halfwidth-hangul", [chr(c) for c in range(0xFFA0, 0xFFDD)]),
        ("combining", [chr(c) for c in range(0x300, 0x370)] + [chr(c) for c in (0x1AB0, 0x1DC0, 0x20D0, 0x20E3, 0x3099, 0x309A)]),
        ("emoji", [chr(c) for c in (0x1F600, 0x1F44D, 0x1F468, 0x1F469, 0x1F467, 0x2764, 0x1F1E8, 0x1F1F3, 0x1F3FB, 0x1F3FD, 0x1F9D1, 0x1F52C, 0x263A, 0x2600)]),
        ("zwj-vs", ["\u200d", "\ufe0f", "\ufe0e", "\u200c", "\u2060"]),
        ("control", [chr(c) for c in list(range(0x01, 0x20)) + list(range(0x7F, 0xA0))] + ["\u00ad", "\u200b", "\ufeff", "\u2028", "\u2029"]),
        ("spaces", [" ", "  ", "   ", "      ", "\u00a0", "\u3000", "\u2002", "\u2009", "\t", "\n", "\r\n"]),
        ("kana", [chr(c) for c in range(0x3041, 0x3097)] + [chr(c) for c in range(0x30A1, 0x30FB)] + [chr(c) for c in range(0xFF66, 0xFF9E)]),
        ("hangul", [chr(c) for c in range(0xAC00, 0xAC00 + 200)] + [chr(c) for c in range(0x1100, 0x1113)] + [chr(c) for c in range(0x1161, 0x1176)] + [chr(c) for c in range(0x11A8, 0x11C3)]),
        ("scripts", list("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДΑΒΓΔΕαβγδεςσΣάίϊΐأبتثجحخدذرزسشصضطظعغفقكلمنهويءآإىةअआइईउऊकखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसहक्षत्रज्ञािीुूेैोौंः्")),
        ("thai", [chr(c) for c in range(0x0E01, 0x0E3B)] + [chr(c) for c in range(0x0E40, 0x0E4F)]),
        ("symbols", list("“”‘’…—–·•★☆→←↑↓√∞≈≠≤≥±×÷°℃％‰€£¥©®™№ⅠⅡⅢⅣⅷ①②③⑴⒈㈱㍿ﬁﬂ½¼¾²³¹µΩÅK")),
        ("prepend-etc", ["\u0600", "\u0601", "\u06dd", "\u0e33", "\u0eb3", "\U0001F1E6", "\U0001F1FA"]),
    ]
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(1, 40)):
            _, pool = pools[rng.randrange(len(pools))]
            parts.append(pool[rng.randrange(len(pool))])
            if rng.random() < 0.15:
                parts.append(" ")
        texts.append("".join(parts))
    return texts


CASES = [
    "", " ", "   ", "a", "Hello, world!", "  leading and trailing  ", "multiple     spaces\t\ttabs\n\nlines",
    "你好", "你好，世界！", "业绩增长 小明,我们公司三季度接了个大单", "嵌入（Embedding）是把离散的对象映射到连续的向量空间。",
    "ＡＢＣ１２３！？ ｶﾀｶﾅ ﾊﾟﾋﾞ", "Ａ\u0301 ｶ\u3099 e\u0301 n\u0303", "👨‍👩‍👧 👍🏽 🇨🇳 ❤️", "soft\u00adhyphen zero\u200bwidth bom\ufeffx",
    "<s> </s> <pad> <unk> <mask> ＜s＞ <mask>x a <mask>", "query: 什么是嵌入？", "passage: 嵌入把文本变成向量。",
    "ﬁne ﬂow ½ ² ℃ ㍿ Ⅻ ① ㈱ ™", "\u0915\u094d\u0937 \u0915\u094d\u200d\u0937", "\u1100\u1161\u11a8 \uac00\u11a8",
    "control\x01chars\x7fdel\x85nel", "a\u00a0b\u3000c\u2002d", "𠀀𠀁 𪜀 𫝀 𰀀", "\r\n\r\n", "x" * 300,
]


def fairseq_byte_base(sp):
    """The fairseq id of <0x00> when the model has byte pieces <0x00>..<0xFF> in order, else None."""
    first = sp.piece_to_id("<0x00>")
    if first == sp.unk_id() or any(sp.id_to_piece(first + b) != f"<0x{b:02X}>" for b in range(256)):
        return None
    return first + 1


def byte_template(ids, char, byte_base):
    """The ids as text, with the byte pieces of char's UTF-8 written as B, so that the ranges of code points that
    fall back to bytes stay short."""
    pattern = [byte_base + b for b in char.encode("utf-8")]
    parts, i = [], 0
    while i < len(ids):
        if ids[i:i + len(pattern)] == pattern:
            parts.append("B")
            i += len(pattern)
        else:
            parts.append(str(ids[i]))
            i += 1
    return ",".join(parts)


def write_expected(out, models, texts_by_set):
    with open(os.path.join(out, "expected.txt.gz"), "wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as packed, \
            io.TextIOWrapper(packed, encoding="utf-8") as f:
        f.write(f"# SentencePiece {spm.__version__} ids (fairseq layout, with <s> and </s>); made by make_unigram_fixtures.py\n")
        for name, sp in models:
            f.write(f"model {name}\n")
            byte_base = fairseq_byte_base(sp)
            run_start, run_ids, last = None, None, None
            for cp in range(1, 0x110000):
                if 0xD800 <= cp <= 0xDFFF:
                    continue
                ids = fairseq_ids(sp, "a" + chr(cp) + "b")
                ids = ",".join(map(str, ids)) if byte_base is None else byte_template(ids, chr(cp), byte_base)
                if ids != run_ids:
                    if run_ids is not None:
                        f.write(f"range {run_start:X} {last:X} {run_ids}\n")
                    run_start, run_ids = cp, ids
                last = cp
            f.write(f"range {run_start:X} {last:X} {run_ids}\n")
            for set_name, texts in texts_by_set:
                for text in texts:
                    ids = ",".join(map(str, fairseq_ids(sp, text)))
                    f.write(f"text {set_name} {json.dumps(text, ensure_ascii=True)} {ids}\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--tutorial", required=True, help="the tutorial text; its lines become the 'tutorial' set")
    parser.add_argument("corpus", nargs="+")
    args = parser.parse_args()

    lines = read_corpus([args.tutorial] + args.corpus)
    work = os.path.join(args.out, "work")
    os.makedirs(work, exist_ok=True)
    corpus_file = os.path.join(work, "corpus.txt")
    with open(corpus_file, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")

    models = []
    for name, vocab, coverage, byte_fallback in (("xlmr", 8000, 0.9995, False), ("bytefallback", 3000, 0.98, True)):
        model_bytes = train(corpus_file, os.path.join(work, name), vocab, coverage, byte_fallback)
        folder = os.path.join(args.out, name)
        os.makedirs(folder, exist_ok=True)
        if name == "xlmr":
            with open(os.path.join(folder, "sentencepiece.bpe.model"), "wb") as f:
                f.write(model_bytes)
        with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
            json.dump(tokenizer_json(model_bytes, byte_fallback), f, ensure_ascii=False)
        sp = spm.SentencePieceProcessor()
        sp.LoadFromSerializedProto(model_bytes)
        models.append((name, sp))

    with open(args.tutorial, encoding="utf-8") as f:
        tutorial = [line.rstrip("\n") for line in f if line.strip()]
    write_expected(args.out, models, [("cases", CASES), ("random", random_texts(400)), ("tutorial", tutorial)])
    corpus_hash = hashlib.sha256(open(corpus_file, "rb").read()).hexdigest()
    print(f"corpus {len(lines)} lines sha256 {corpus_hash}", file=sys.stderr)


if __name__ == "__main__":
    main()
