#!/usr/bin/python3
"""Generates the word-vector fixtures with gensim (Debian python3-gensim).

Run from this folder:  /usr/bin/python3 make_fixtures.py
Writes: corpus.txt.gz (a seeded synthetic corpus with gender/role and country/capital structure),
vectors.txt (word2vec text), vectors.bin (word2vec binary), vectors.glove.txt (GloVe, no header),
questions.txt (analogy questions) and expected.json (gensim's query results and training reference).
"""
import gzip, json, random, sys, logging
import numpy as np
import gensim
from gensim.models import Word2Vec, KeyedVectors

rng = random.Random(20261127)

pairs = [("king", "queen", "royal"), ("prince", "princess", "royal"), ("man", "woman", "common"),
         ("boy", "girl", "young"), ("father", "mother", "family"), ("son", "daughter", "family"),
         ("brother", "sister", "family"), ("uncle", "aunt", "family"), ("actor", "actress", "stage"),
         ("waiter", "waitress", "service")]
gender_ctx = {"m": ["he", "his", "him", "himself", "mr"], "f": ["she", "her", "hers", "herself", "mrs"]}
role_ctx = {"royal": ["crown", "throne", "palace", "kingdom", "reign"],
            "common": ["street", "work", "town", "job", "neighbour"],
            "young": ["school", "toy", "play", "teacher", "game"],
            "family": ["home", "family", "dinner", "house", "relatives"],
            "stage": ["theatre", "film", "role", "scene", "audience"],
            "service": ["restaurant", "table", "menu", "tips", "order"]}
countries = [("france", "paris", "french", "seine"), ("germany", "berlin", "german", "spree"),
             ("italy", "rome", "italian", "tiber"), ("spain", "madrid", "spanish", "manzanares"),
             ("japan", "tokyo", "japanese", "sumida"), ("china", "beijing", "chinese", "yongding"),
             ("russia", "moscow", "russian", "moskva"), ("egypt", "cairo", "arabic", "nile"),
             ("england", "london", "english", "thames"), ("austria", "vienna", "viennese", "danube")]
country_ctx = ["nation", "border", "president", "country", "flag"]
capital_ctx = ["city", "mayor", "streets", "capital", "downtown"]
fillers = ["the", "a", "of", "and", "in", "to", "was", "is", "with", "for", "on", "at", "by", "from", "that", "this",
           "it", "as", "an", "be", "very", "old", "new", "good", "great", "small", "big", "day", "time", "year"]
filler_weights = [1.0 / (r + 1) for r in range(len(fillers))]


def sentence():
    kind = rng.random()
    words = []
    if kind < 0.55:
        m, f, role = rng.choice(pairs)
        g = rng.choice("mf")
        word = m if g == "m" else f
        words = [word] + rng.sample(gender_ctx[g], 2) + rng.sample(role_ctx[role], 2)
    else:
        country, capital, lang, river = rng.choice(countries)
        if rng.random() < 0.5:
            words = [country] + rng.sample(country_ctx, 2) + [lang, rng.choice([river, lang])]
        else:
            words = [capital] + rng.sample(capital_ctx, 2) + [river, rng.choice([river, lang])]
    words += rng.choices(fillers, weights=filler_weights, k=rng.randint(2, 4))
    rng.shuffle(words)
    return words


sentences = [sentence() for _ in range(6000)]
with open("corpus.txt", "w", encoding="utf-8") as f:
    for s in sentences:
        f.write(" ".join(s) + "\n")
with open("corpus.txt", "rb") as src, gzip.GzipFile("corpus.txt.gz", "wb", 9, mtime=0) as dst:  # mtime 0: reruns give identical bytes
    dst.write(src.read())

params = dict(vector_size=24, window=5, min_count=5, sg=1, negative=5, sample=1e-3, epochs=10, alpha=0.025, min_alpha=0.0001)
model = Word2Vec(sentences, seed=1, workers=1, **params)
kv = model.wv
kv.save_word2vec_format("vectors.txt", binary=False)
kv.save_word2vec_format("vectors.bin", binary=True)
with open("vectors.glove.txt", "w", encoding="utf-8") as f:
    for w in kv.index_to_key:
        f.write(w + " " + " ".join(repr(float(x)) for x in kv[w]) + "\n")

# Analogy questions in questions-words format.
lines = [": gender"]
for (a, b, _), (c, d, _) in [(p, q) for p in pairs for q in pairs if p != q]:
    lines.append(f"{a} {b} {c} {d}")
lines.append(": capital-common-countries")
for (c1, k1, _, _), (c2, k2, _, _) in [(p, q) for p in countries for q in countries if p != q]:
    lines.append(f"{k1} {c1} {k2} {c2}")
lines.append(": with-unknown-words")
lines.append("king queen zebra zebras")
lines.append("Paris France Berlin Germany")
with open("questions.txt", "w", encoding="utf-8") as f:
    f.write("\n".join(lines) + "\n")

loaded = KeyedVectors.load_word2vec_format("vectors.txt", binary=False)
probe = ["king", "woman", "paris", "france", "school", "he", "the", "nile"]
expected = {
    "generator": "make_fixtures.py", "gensim": gensim.__version__, "numpy": np.__version__,
    "python": sys.version.split()[0], "params": params,
    "count": len(loaded.index_to_key), "dim": loaded.vector_size,
    "first_words": loaded.index_to_key[:5],
    "first_vector": [float(x) for x in loaded[loaded.index_to_key[0]]],
    "most_similar": {w: loaded.most_similar(w, topn=10) for w in probe},
    "most_similar_posneg": [
        {"positive": ["king", "woman"], "negative": ["man"], "result": loaded.most_similar(positive=["king", "woman"], negative=["man"], topn=10)},
        {"positive": ["berlin", "france"], "negative": ["germany"], "result": loaded.most_similar(positive=["berlin", "france"], negative=["germany"], topn=10)},
        {"positive": ["he", "queen", "school"], "negative": [], "result": loaded.most_similar(positive=["he", "queen", "school"], topn=5)},
    ],
    "most_similar_restrict": {"word": "king", "restrict_vocab": 40, "result": loaded.most_similar("king", topn=10, restrict_vocab=40)},
    "most_similar_cosmul": [
        {"positive": ["king", "woman"], "negative": ["man"], "result": loaded.most_similar_cosmul(positive=["king", "woman"], negative=["man"], topn=10)},
        {"positive": ["paris"], "negative": [], "result": loaded.most_similar_cosmul(positive=["paris"], topn=10)},
    ],
    "similarity": [[a, b, float(loaded.similarity(a, b))] for a, b in [("king", "queen"), ("paris", "france"), ("he", "she"), ("toy", "nile")]],
    "n_similarity": [[["king", "he"], ["queen", "she"], float(loaded.n_similarity(["king", "he"], ["queen", "she"]))],
                     [["paris", "city"], ["school", "toy", "play"], float(loaded.n_similarity(["paris", "city"], ["school", "toy", "play"]))]],
    "doesnt_match": [[ws, loaded.doesnt_match(ws)] for ws in (["king", "queen", "prince", "paris"], ["france", "germany", "italy", "school", "spain"])],
}
score, sections = loaded.evaluate_word_analogies("questions.txt")
expected["evaluate_word_analogies"] = {"score": score, "sections": [
    {"section": s["section"], "correct": len(s["correct"]), "incorrect": len(s["incorrect"])} for s in sections]}
score40, sections40 = loaded.evaluate_word_analogies("questions.txt", restrict_vocab=60)
expected["evaluate_word_analogies_restrict60"] = {"score": score40, "sections": [
    {"section": s["section"], "correct": len(s["correct"]), "incorrect": len(s["incorrect"])} for s in sections40]}

# SIF sentence vectors (Arora et al. 2017) with numpy on the loaded vectors. The files have no counts, so p(w) is the
# Zipf estimate from the rank r (1-based) that Qianru uses: p = 1 / (r * H_N), H_N = sum_{k=1..N} 1/k.
sif_sentences = [["the", "king", "ruled", "the", "kingdom", "from", "his", "palace"], ["paris", "is", "a", "city", "on", "the", "seine"],
                 ["she", "played", "with", "a", "toy", "at", "school"], ["berlin", "streets", "and", "mayor"],
                 ["the", "queen", "and", "her", "crown"], ["tokyo", "city", "sumida"]]
N = len(loaded.index_to_key)
H = sum(1.0 / k for k in range(1, N + 1))
a = 1e-3
def sif_raw(tokens):
    known = [t for t in tokens if t in loaded.key_to_index]
    v = np.zeros(loaded.vector_size, dtype=np.float64)
    for t in known:
        p = 1.0 / ((loaded.key_to_index[t] + 1) * H)
        v += (a / (a + p)) * loaded[t].astype(np.float64)
    return v / max(len(known), 1)
emb = np.array([sif_raw(s) for s in sif_sentences])
mean_emb = np.array([np.mean([loaded[t] for t in s if t in loaded.key_to_index], axis=0) for s in sif_sentences])
_, _, vt = np.linalg.svd(emb, full_matrices=False)
u = vt[0]
sif = emb - np.outer(emb @ u, u)
expected["sif"] = {"a": a, "sentences": sif_sentences, "mean": mean_emb.tolist(), "weighted": emb.tolist(), "sif": sif.tolist()}

# Training reference: neighbours of the topical words from gensim on this corpus, for two seeds, so the test can compare
# Qianru's overlap with gensim against gensim's own seed-to-seed overlap.
topical = [p[0] for p in pairs] + [p[1] for p in pairs] + [c[0] for c in countries] + [c[1] for c in countries]
def neighbours(seed, sg):
    m = Word2Vec(sentences, seed=seed, workers=1, **{**params, "sg": sg})
    return {w: [x for x, _ in m.wv.most_similar(w, topn=10)] for w in topical}, m
def overlap(a, b):
    return float(np.mean([len(set(a[w]) & set(b[w])) / 10 for w in topical]))
training = {"topical": topical}
for name, sg in (("skipgram", 1), ("cbow", 0)):
    n1, m1 = neighbours(1, sg)
    n2, _ = neighbours(2, sg)
    acc, _ = m1.wv.evaluate_word_analogies("questions.txt")
    training[name] = {"neighbours": n1, "seed_to_seed_overlap": overlap(n1, n2), "analogy_accuracy": acc}
expected["training"] = training
with open("expected.json", "w", encoding="utf-8") as f:
    json.dump(expected, f, indent=1, ensure_ascii=False)
import os
os.remove("corpus.txt")
print("ok", expected["count"], "words; skipgram seed overlap", training["skipgram"]["seed_to_seed_overlap"],
      "acc", training["skipgram"]["analogy_accuracy"], "cbow", training["cbow"]["seed_to_seed_overlap"], training["cbow"]["analogy_accuracy"])
