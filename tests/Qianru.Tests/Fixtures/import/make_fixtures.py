#!/usr/bin/python3
"""Makes the small random-weight fixtures of the weights importer (tests/Qianru.Tests/Import).

Run with Debian's python3 and python3-torch, python3-numpy, python3-onnx (no transformers needed):
    /usr/bin/python3 tests/Qianru.Tests/Fixtures/import/make_fixtures.py

The reference forward passes below are written in plain torch ops after transformers' BertModel and
XLMRobertaModel (modeling_bert.py, modeling_xlm_roberta.py: post-LayerNorm encoder, exact erf GELU, additive
attention mask, XLM-R positions = cumsum(input_ids != pad) * mask + pad). They are the independent reference the
C# graph builder is checked against.

bert-zh/         BERT with a Chinese character WordPiece vocabulary, CLS pooling, normalized: config.json,
                 model.safetensors (F32), vocab.txt, tokenizer files, modules.json, 1_Pooling, expected.json
                 (token ids from a plain-Python BERT tokenizer and the vectors).
bert-zh-bin/     the same weights as pytorch_model.bin (torch.save zip format) with "bert." names, one tensor a
                 strided view, two tensors sharing one storage at an offset, plus an MLM head and pooler.
xlm-roberta/     XLM-RoBERTa (pad 1, eps 1e-5, one token type, tanh GELU) as model.safetensors with "roberta."
                 names and lm_head tensors, mean pooling; expected.json holds token id sequences and vectors.
xlm-roberta-onnx/ the same model exported by torch.onnx.export with its weights in external data
                 (onnx/model.onnx + onnx/model.onnx_data).
xlm-roberta-e5/  XLM-R shaped like multilingual-e5 (mean, normalized, query:/passage: prompts) over the Unigram
                 fixture's vocabulary; ids from SentencePiece itself (needs python3-sentencepiece).
bert-xlmr/       BERT over the same vocabulary, shaped like paraphrase-multilingual-MiniLM (mean, not normalized).
"""
import json
import math
import os
import shutil
import struct

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(20240607)


def write_safetensors(path, tensors, dtype="F32"):
    """The safetensors format: u64 header length, JSON header (padded to 8 bytes), raw little-endian data."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.dtype == torch.int64:
            data, dt = t.numpy().astype("<i8").tobytes(), "I64"
        else:
            data, dt = t.float().numpy().astype("<f4").tobytes(), "F32"
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header["__metadata__"] = {"format": "pt"}
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * w + b


def gelu(x, act):
    if act == "gelu":
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def encoder(sd, cfg, input_ids, mask, arch):
    """Plain-torch forward pass of BertModel / XLMRobertaModel returning last_hidden_state."""
    h, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    d = h // heads
    b, s = input_ids.shape
    if arch == "bert":
        pos = torch.arange(s).unsqueeze(0).expand(b, s)
        types = torch.zeros_like(input_ids)
    else:
        not_pad = (input_ids != cfg["pad_token_id"]).long()
        pos = torch.cumsum(not_pad, dim=1) * not_pad + cfg["pad_token_id"]
        types = torch.zeros_like(input_ids)
    x = sd["embeddings.word_embeddings.weight"][input_ids] + sd["embeddings.position_embeddings.weight"][pos] \
        + sd["embeddings.token_type_embeddings.weight"][types]
    eps = cfg["layer_norm_eps"]
    x = layer_norm(x, sd["embeddings.LayerNorm.weight"], sd["embeddings.LayerNorm.bias"], eps)
    additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        lin = lambda t, n: t @ sd[p + n + ".weight"].T + sd[p + n + ".bias"]
        q = lin(x, "attention.self.query").view(b, s, heads, d).transpose(1, 2)
        k = lin(x, "attention.self.key").view(b, s, heads, d).transpose(1, 2)
        v = lin(x, "attention.self.value").view(b, s, heads, d).transpose(1, 2)
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + additive
        ctx = (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(b, s, h)
        a = layer_norm(lin(ctx, "attention.output.dense") + x, sd[p + "attention.output.LayerNorm.weight"], sd[p + "attention.output.LayerNorm.bias"], eps)
        f = gelu(lin(a, "intermediate.dense"), cfg["hidden_act"])
        x = layer_norm(lin(f, "output.dense") + a, sd[p + "output.LayerNorm.weight"], sd[p + "output.LayerNorm.bias"], eps)
    return x


def random_state(cfg, vocab):
    h, inner, L = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    r = lambda *shape: torch.randn(*shape) * 0.3
    sd = {
        "embeddings.word_embeddings.weight": r(vocab, h),
        "embeddings.position_embeddings.weight": r(cfg["max_position_embeddings"], h),
        "embeddings.token_type_embeddings.weight": r(cfg["type_vocab_size"], h),
        "embeddings.LayerNorm.weight": 1 + r(h) * 0.3,
        "embeddings.LayerNorm.bias": r(h) * 0.3,
    }
    for i in range(L):
        p = f"encoder.layer.{i}."
        for n in ["query", "key", "value"]:
            sd[p + f"attention.self.{n}.weight"] = r(h, h)
            sd[p + f"attention.self.{n}.bias"] = r(h) * 0.3
        sd[p + "attention.output.dense.weight"] = r(h, h)
        sd[p + "attention.output.dense.bias"] = r(h) * 0.3
        sd[p + "attention.output.LayerNorm.weight"] = 1 + r(h) * 0.3
        sd[p + "attention.output.LayerNorm.bias"] = r(h) * 0.3
        sd[p + "intermediate.dense.weight"] = r(inner, h)
        sd[p + "intermediate.dense.bias"] = r(inner) * 0.3
        sd[p + "output.dense.weight"] = r(h, inner)
        sd[p + "output.dense.bias"] = r(h) * 0.3
        sd[p + "output.LayerNorm.weight"] = 1 + r(h) * 0.3
        sd[p + "output.LayerNorm.bias"] = r(h) * 0.3
    return sd


def fresh(name):
    path = os.path.join(HERE, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def dump(path, name, value):
    with open(os.path.join(path, name), "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=1)


def st_folder(path, pooling, normalize, dim=32):
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
    dump(path, "modules.json", modules)
    os.makedirs(os.path.join(path, "1_Pooling"))
    dump(os.path.join(path, "1_Pooling"), "config.json", {"word_embedding_dimension": dim, "pooling_mode_cls_token": pooling == "cls",
         "pooling_mode_mean_tokens": pooling == "mean", "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False})


# ---------------------------------------------------------------- BERT with a Chinese character vocabulary
def basic_tokens(text):
    """BERT's basic tokenizer for the fixture's texts: lowercase, CJK characters and punctuation alone, split on spaces."""
    out, word = [], ""
    for ch in text.lower():
        cp = ord(ch)
        cjk = 0x4E00 <= cp <= 0x9FFF
        punct = not ch.isalnum() and not ch.isspace()
        if ch.isspace() or cjk or punct:
            if word:
                out.append(word)
            word = ""
            if cjk or punct:
                out.append(ch)
        else:
            word += ch
    if word:
        out.append(word)
    return out


def wordpiece(word, vocab):
    pieces, start = [], 0
    while start < len(word):
        end, piece = len(word), None
        while start < end:
            sub = ("##" if start > 0 else "") + word[start:end]
            if sub in vocab:
                piece = sub
                break
            end -= 1
        if piece is None:
            return ["[UNK]"]
        pieces.append(piece)
        start = end
    return pieces


chars = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴嵌入向量模型文本相似度句子搜索"
ascii_words = ["qianru", "bert", "onnx", "model", "vector", "##s", "##ing", "1", "2", "3", "##0", "##5", ",", ".", "!", "?", "，", "。", "！", "？", "、", "：", "（", "）"]
vocab_list = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + list(dict.fromkeys(chars)) + ascii_words
vocab = {t: i for i, t in enumerate(vocab_list)}
bert_cfg = {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 32, "num_attention_heads": 4, "num_hidden_layers": 2,
            "intermediate_size": 64, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": 64, "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
            "pad_token_id": 0, "position_embedding_type": "absolute", "vocab_size": len(vocab_list), "torch_dtype": "float32"}
bert_sd = random_state(bert_cfg, len(vocab_list))
texts = ["今天天气很好。", "我爱向量搜索！", "嵌入模型把文本变成向量，相似的句子距离近。", "Qianru 的 ONNX model 很快", "他说：“你好吗？”",
         "一二三四五六七八九十百千万", "vectors 和 models 123", "没有的字：龘"]
items = []
for text in texts:
    ids = [vocab["[CLS]"]] + [vocab[p] for w in basic_tokens(text) for p in wordpiece(w, vocab)] + [vocab["[SEP]"]]
    with torch.no_grad():
        hidden = encoder(bert_sd, bert_cfg, torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long), "bert")
    cls = hidden[0, 0]
    items.append({"text": text, "token_ids": ids, "embedding": (cls / cls.norm()).tolist()})

# Batched with padding gives the same vectors (the reference's own check).
with torch.no_grad():
    width = max(len(i["token_ids"]) for i in items)
    ids = torch.tensor([i["token_ids"] + [0] * (width - len(i["token_ids"])) for i in items])
    mask = torch.tensor([[1] * len(i["token_ids"]) + [0] * (width - len(i["token_ids"])) for i in items])
    batched = encoder(bert_sd, bert_cfg, ids, mask, "bert")[:, 0]
    for i, item in enumerate(items):
        assert torch.allclose(batched[i] / batched[i].norm(), torch.tensor(item["embedding"]), atol=1e-5)

path = fresh("bert-zh")
dump(path, "config.json", bert_cfg)
write_safetensors(os.path.join(path, "model.safetensors"), {**bert_sd, "embeddings.position_ids": torch.arange(64).unsqueeze(0)})
with open(os.path.join(path, "vocab.txt"), "w", encoding="utf-8") as f:
    f.write("\n".join(vocab_list) + "\n")
dump(path, "tokenizer_config.json", {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 64})
dump(path, "sentence_bert_config.json", {"max_seq_length": 64, "do_lower_case": False})
st_folder(path, "cls", True)
dump(path, "expected.json", {"source": "make_fixtures.py: plain-torch BertModel forward pass, torch " + torch.__version__ + ", CLS pooling, normalized",
                             "items": items})

# The same weights as torch.save writes pytorch_model.bin for BertForPreTraining: "bert." names, a pooler and MLM head,
# the query weight stored as a transposed (strided) view, key and value biases sharing one storage at an offset.
import collections  # noqa: E402

bin_sd = collections.OrderedDict()  # as module.state_dict() returns it, with its _metadata attribute (pickled via BUILD)
bin_sd._metadata = collections.OrderedDict([("", {"version": 1}), ("bert", {"version": 1})])
for name, t in bert_sd.items():
    bin_sd["bert." + name] = t.clone()
q = bert_sd["encoder.layer.0.attention.self.query.weight"]
bin_sd["bert.encoder.layer.0.attention.self.query.weight"] = q.t().contiguous().t()
assert not bin_sd["bert.encoder.layer.0.attention.self.query.weight"].is_contiguous()
shared = torch.cat([bert_sd["encoder.layer.1.attention.self.key.bias"], bert_sd["encoder.layer.1.attention.self.value.bias"]])
bin_sd["bert.encoder.layer.1.attention.self.key.bias"] = shared[:32]
bin_sd["bert.encoder.layer.1.attention.self.value.bias"] = shared[32:]
assert bin_sd["bert.encoder.layer.1.attention.self.value.bias"].storage_offset() == 32
bin_sd["bert.embeddings.position_ids"] = torch.arange(64).unsqueeze(0)
bin_sd["bert.pooler.dense.weight"] = torch.randn(32, 32)
bin_sd["bert.pooler.dense.bias"] = torch.randn(32)
bin_sd["cls.predictions.bias"] = torch.randn(len(vocab_list))
bin_sd["cls.predictions.transform.dense.weight"] = torch.randn(32, 32)
path = fresh("bert-zh-bin")
torch.save(bin_sd, os.path.join(path, "pytorch_model.bin"))

# ---------------------------------------------------------------- XLM-RoBERTa
xlmr_cfg = {"architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta", "hidden_size": 32, "num_attention_heads": 4,
            "num_hidden_layers": 2, "intermediate_size": 64, "hidden_act": "gelu_pytorch_tanh", "max_position_embeddings": 40,
            "type_vocab_size": 1, "layer_norm_eps": 1e-5, "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
            "position_embedding_type": "absolute", "vocab_size": 250, "torch_dtype": "float32"}
xlmr_sd = random_state(xlmr_cfg, 250)
g = torch.Generator().manual_seed(7)
sequences = [[0] + torch.randint(3, 250, (n,), generator=g).tolist() + [2] for n in [5, 1, 17, 9, 30, 3]]
xitems = []
with torch.no_grad():
    for ids in sequences:
        hidden = encoder(xlmr_sd, xlmr_cfg, torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long), "xlmr")
        xitems.append({"token_ids": ids, "embedding": hidden[0].mean(0).tolist()})
    width = max(len(s) for s in sequences)
    ids = torch.tensor([s + [1] * (width - len(s)) for s in sequences])
    mask = torch.tensor([[1] * len(s) + [0] * (width - len(s)) for s in sequences])
    hidden = encoder(xlmr_sd, xlmr_cfg, ids, mask, "xlmr")
    for i, s in enumerate(sequences):
        assert torch.allclose(hidden[i, :len(s)].mean(0), torch.tensor(xitems[i]["embedding"]), atol=1e-5)

path = fresh("xlm-roberta")
dump(path, "config.json", xlmr_cfg)
st = {"roberta." + n: t for n, t in xlmr_sd.items()}
st["lm_head.dense.weight"] = torch.randn(32, 32)
st["lm_head.bias"] = torch.randn(250)
write_safetensors(os.path.join(path, "model.safetensors"), st)
# A WordPiece vocabulary with [PAD] at id 1 so the folder loads before the Unigram tokenizer exists; tests feed ids.
with open(os.path.join(path, "vocab.txt"), "w", encoding="utf-8") as f:
    f.write("\n".join(["[CLS]", "[PAD]", "[SEP]", "[UNK]", "[MASK]"] + [f"t{i}" for i in range(5, 250)]) + "\n")
dump(path, "tokenizer_config.json", {"tokenizer_class": "BertTokenizer", "model_max_length": 38})
st_folder(path, "mean", False)
dump(path, "expected.json", {"source": "make_fixtures.py: plain-torch XLMRobertaModel forward pass, torch " + torch.__version__ + ", mean pooling, not normalized",
                             "items": xitems})


class XlmrModule(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.params = torch.nn.ParameterDict({n.replace(".", "__"): torch.nn.Parameter(t.clone()) for n, t in xlmr_sd.items()})

    def forward(self, input_ids, attention_mask):
        sd = {n.replace("__", "."): p for n, p in self.params.items()}
        return encoder(sd, xlmr_cfg, input_ids, attention_mask, "xlmr")


import onnx  # noqa: E402

path = fresh("xlm-roberta-onnx")
os.makedirs(os.path.join(path, "onnx"))
tmp = os.path.join(path, "onnx", "inline.onnx")
torch.onnx.export(XlmrModule(), (torch.tensor([sequences[0]]), torch.ones(1, len(sequences[0]), dtype=torch.long)), tmp,
                  input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"], opset_version=14,
                  dynamic_axes={"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
                                "last_hidden_state": {0: "batch", 1: "sequence"}})
model = onnx.load(tmp)
os.remove(tmp)
onnx.save_model(model, os.path.join(path, "onnx", "model.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                location="model.onnx_data", size_threshold=0)
print("fixtures written;", "torch", torch.__version__, "onnx", onnx.__version__)

# ---------------------------------------------------------------- XLM-RoBERTa end to end with the Unigram tokenizer
# xlm-roberta-e5/: an XLM-R shaped like multilingual-e5 (mean pooling, normalized, "query: " / "passage: " prompts) whose
# vocabulary is the Unigram fixture's (Fixtures/unigram/xlmr; the test copies its tokenizer.json into the folder).
# The reference token ids come from SentencePiece itself (fairseq layout, as transformers' XLMRobertaTokenizer), so
# the test checks tokenizer and network together. No sentence_bert_config.json and no model_max_length: the longest
# input is max_position_embeddings - pad_token_id - 1 tokens, as XLMRobertaModel's position table allows.
import sentencepiece as spm  # noqa: E402

sp = spm.SentencePieceProcessor(model_file=os.path.join(HERE, "..", "unigram", "xlmr", "sentencepiece.bpe.model"))
e5_vocab = sp.get_piece_size() + 1  # fairseq: <s> <pad> </s> <unk>, then the pieces after SentencePiece's first three
e5_cfg = {"architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta", "hidden_size": 16, "num_attention_heads": 2,
          "num_hidden_layers": 2, "intermediate_size": 32, "hidden_act": "gelu", "max_position_embeddings": 40,
          "type_vocab_size": 1, "layer_norm_eps": 1e-5, "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
          "position_embedding_type": "absolute", "vocab_size": e5_vocab, "torch_dtype": "float32"}
e5_sd = random_state(e5_cfg, e5_vocab)
e5_max = e5_cfg["max_position_embeddings"] - e5_cfg["pad_token_id"] - 1


def e5_ids(text):
    ids = [3 if i == 0 else i + 1 for i in sp.encode(text)]
    return [0] + ids[:e5_max - 2] + [2]


e5_texts = [("", "如何训练词向量？"), ("query: ", "业绩增长"), ("passage: ", "小明,我们公司三季度接了个大单"),
            ("", "Embeddings turn text into vectors; 相似的句子距离近。"), ("passage: ", "GPU 显存不足 (CUDA out of memory)，请减小 batch size。"),
            ("", "一二三四五六七八九十 " * 8)]
e5_items = []
with torch.no_grad():
    for prompt, text in e5_texts:
        ids = e5_ids(prompt + text)
        hidden = encoder(e5_sd, e5_cfg, torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long), "xlmr")[0].mean(0)
        e5_items.append({"prompt": prompt, "text": text, "token_ids": ids, "embedding": (hidden / hidden.norm()).tolist()})
assert len(e5_items[-1]["token_ids"]) == e5_max
path = fresh("xlm-roberta-e5")
dump(path, "config.json", e5_cfg)
write_safetensors(os.path.join(path, "model.safetensors"), {"roberta." + n: t for n, t in e5_sd.items()})
dump(path, "tokenizer_config.json", {"tokenizer_class": "XLMRobertaTokenizer"})
dump(path, "config_sentence_transformers.json", {"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None})
st_folder(path, "mean", True, dim=16)
dump(path, "expected.json", {"source": "make_fixtures.py: SentencePiece " + spm.__version__ + " ids (fairseq layout) and a plain-torch XLMRobertaModel forward pass, torch "
                             + torch.__version__ + ", mean pooling, normalized", "items": e5_items})
print("xlm-roberta-e5 written")


# ---------------------------------------------------------------- BERT with the XLM-R tokenizer
# bert-xlmr/: model_type bert with XLM-R's SentencePiece vocabulary, shaped like
# sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2 (absolute positions from 0, two token types, eps 1e-12,
# mean pooling, not normalized). The folder has no tokenizer file: the test copies Fixtures/unigram/xlmr's
# sentencepiece.bpe.model into it, so the fairseq-offset SentencePiece path is the one checked here.
bx_cfg = {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": 16, "num_attention_heads": 2,
          "num_hidden_layers": 2, "intermediate_size": 32, "hidden_act": "gelu", "max_position_embeddings": 64,
          "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0, "vocab_size": e5_vocab, "torch_dtype": "float32"}
bx_sd = random_state(bx_cfg, e5_vocab)
bx_items = []
with torch.no_grad():
    for _, text in e5_texts:
        ids = [0] + [3 if i == 0 else i + 1 for i in sp.encode(text)][:62] + [2]  # max_seq_length 64 with <s> and </s>
        hidden = encoder(bx_sd, bx_cfg, torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long), "bert")[0].mean(0)
        bx_items.append({"prompt": "", "text": text, "token_ids": ids, "embedding": hidden.tolist()})
path = fresh("bert-xlmr")
dump(path, "config.json", bx_cfg)
write_safetensors(os.path.join(path, "model.safetensors"), bx_sd)
dump(path, "tokenizer_config.json", {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 64})
dump(path, "sentence_bert_config.json", {"max_seq_length": 64, "do_lower_case": False})
st_folder(path, "mean", False, dim=16)
dump(path, "expected.json", {"source": "make_fixtures.py: SentencePiece " + spm.__version__ + " ids (fairseq layout) and a plain-torch BertModel forward pass, torch "
                             + torch.__version__ + ", mean pooling, not normalized", "items": bx_items})
print("bert-xlmr written")
