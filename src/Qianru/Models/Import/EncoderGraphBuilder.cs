namespace Qianru.Models.Import;

/// <summary>
/// Builds the ONNX graph of a BERT or (XLM-)RoBERTa encoder from Hugging Face weights: inputs <c>input_ids</c>,
/// <c>attention_mask</c> (and <c>token_type_ids</c> for BERT), output <c>last_hidden_state</c> [batch, sequence, hidden],
/// as an ONNX export of transformers' <c>BertModel</c> / <c>XLMRobertaModel</c> would give. Attention is the pattern an
/// export has (MatMul, Softmax, Transpose); each residual block is MatMul + Sum + <c>LayerNormalization</c>; the FFN
/// activation is com.microsoft <c>BiasGelu</c> (exact erf GELU, as <c>gelu</c>) or <c>FastGelu</c> (the tanh form of
/// <c>gelu_new</c> / <c>gelu_pytorch_tanh</c>). Measured on ONNX Runtime 1.31's CPU kernels, the fused
/// com.microsoft <c>Attention</c>, <c>MultiHeadAttention</c> and <c>SkipLayerNormalization</c> kernels made the graph
/// 8–17 % slower than an ORT-optimized torch export of the same weights (docs/benchmarks.md).
/// </summary>
/// <remarks>
/// Reference: transformers <c>models/bert/modeling_bert.py</c> and <c>models/xlm_roberta/modeling_xlm_roberta.py</c>
/// (<c>create_position_ids_from_input_ids</c>: positions count the tokens that are not padding, starting at
/// <c>pad_token_id + 1</c>); ORT contrib ops: <see href="https://github.com/microsoft/onnxruntime/blob/main/docs/ContribOperators.md"/>.
/// </remarks>
internal static class EncoderGraphBuilder
{
    private const string Microsoft = "com.microsoft";

    /// <summary>Bump whenever the graph built from the same weights changes, so cached graphs are rebuilt.</summary>
    public const int FormatVersion = 3;

    private static readonly string[] Prefixes = ["", "bert.", "roberta.", "xlm-roberta.", "model."];

    /// <summary>Writes <paramref name="onnxPath"/> and its data file <paramref name="dataFileName"/> (same folder).</summary>
    public static void Build(EncoderConfig config, WeightSource weights, string configPath, string onnxPath, string dataFileName)
    {
        var w = new Names(config, weights, configPath);
        var g = new OnnxGraphWriter();
        var h = config.HiddenSize;
        var vocab = w.Shape("embeddings.word_embeddings.weight", -1, h)[0];
        var positions = w.Shape("embeddings.position_embeddings.weight", -1, h)[0];

        g.Input("input_ids", OnnxGraphWriter.Int64, "batch", "sequence");
        g.Input("attention_mask", OnnxGraphWriter.Int64, "batch", "sequence");
        g.Weight("word_embeddings", [vocab, h], s => w.Plain(s, "embeddings.word_embeddings.weight"));
        g.Weight("position_embeddings", [positions, h], s => w.Plain(s, "embeddings.position_embeddings.weight"));
        g.Node("Gather", ["word_embeddings", "input_ids"], "words");
        if (config.Architecture == EncoderArchitecture.Bert)
        {
            // Positions 0…n-1 (BertEmbeddings.position_ids), token types from the input.
            var types = config.TypeVocabSize > 0 ? w.Shape("embeddings.token_type_embeddings.weight", -1, h)[0] : 0;
            g.Input("token_type_ids", OnnxGraphWriter.Int64, "batch", "sequence");
            g.Constant("zero_1d", [1], [0L]);
            g.Node("Shape", ["input_ids"], "sequence_length", null, OnnxGraphWriter.IntAttribute("start", 1), OnnxGraphWriter.IntAttribute("end", 2));
            g.Node("Slice", ["position_embeddings", "zero_1d", "sequence_length", "zero_1d"], "positions");
            if (types > 0)
            {
                g.Weight("token_type_embeddings", [types, h], s => w.Plain(s, "embeddings.token_type_embeddings.weight"));
                g.Node("Gather", ["token_type_embeddings", "token_type_ids"], "types");
                g.Node("Add", ["words", "types"], "words_types");
                g.Node("Add", ["words_types", "positions"], "embeddings_sum");
            }
            else
            {
                g.Node("Add", ["words", "positions"], "embeddings_sum");
            }
        }
        else
        {
            // create_position_ids_from_input_ids: mask = input_ids != pad; cumsum(mask) * mask + pad.
            g.Constant("pad_id", [], [(long)config.PadTokenId]);
            g.Constant("axis_1", [], [1L]);
            g.Node("Equal", ["input_ids", "pad_id"], "is_pad");
            g.Node("Not", ["is_pad"], "not_pad");
            g.Node("Cast", ["not_pad"], "not_pad_i64", null, OnnxGraphWriter.IntAttribute("to", OnnxGraphWriter.Int64));
            g.Node("CumSum", ["not_pad_i64", "axis_1"], "counts");
            g.Node("Mul", ["counts", "not_pad_i64"], "counts_masked");
            g.Node("Add", ["counts_masked", "pad_id"], "position_ids");
            g.Node("Gather", ["position_embeddings", "position_ids"], "positions");
            g.Node("Add", ["words", "positions"], "words_positions");

            // One token type (all zeros): its embedding row is a constant.
            if (config.TypeVocabSize > 0 && w.Has("embeddings.token_type_embeddings.weight"))
            {
                w.Shape("embeddings.token_type_embeddings.weight", -1, h);
                g.Weight("token_type_row", [h], s => w.Rows(s, "embeddings.token_type_embeddings.weight", 0, 1, h));
                g.Node("Add", ["words_positions", "token_type_row"], "embeddings_sum");
            }
            else
            {
                g.Node("Identity", ["words_positions"], "embeddings_sum");
            }
        }

        w.Shape(w.LayerNormWeight("embeddings.LayerNorm"), h);
        w.Shape(w.LayerNormBias("embeddings.LayerNorm"), h);
        g.Weight("embeddings_ln_gamma", [h], s => w.Plain(s, w.LayerNormWeight("embeddings.LayerNorm")));
        g.Weight("embeddings_ln_beta", [h], s => w.Plain(s, w.LayerNormBias("embeddings.LayerNorm")));
        var eps = (float)config.LayerNormEps;
        g.Node("LayerNormalization", ["embeddings_sum", "embeddings_ln_gamma", "embeddings_ln_beta"], "hidden_0", null,
            OnnxGraphWriter.IntAttribute("axis", -1), OnnxGraphWriter.FloatAttribute("epsilon", eps));
        // The additive mask of transformers' BertModel: 0 where attended, a large negative number at padding.
        g.Constant("heads_shape", [4], [0L, 0, config.Heads, h / config.Heads]);
        g.Constant("hidden_shape", [3], [0L, 0, h]);
        g.Constant("score_scale", [], [1f / MathF.Sqrt(h / config.Heads)]);
        g.Constant("mask_fill", [], [-10000f]);
        g.Constant("one_f", [], [1f]);
        g.Constant("mask_axes", [2], [1L, 2]);
        g.Node("Cast", ["attention_mask"], "mask_f", null, OnnxGraphWriter.IntAttribute("to", OnnxGraphWriter.Float));
        g.Node("Sub", ["one_f", "mask_f"], "mask_inverted");
        g.Node("Mul", ["mask_inverted", "mask_fill"], "mask_scaled");
        g.Node("Unsqueeze", ["mask_scaled", "mask_axes"], "mask_additive");

        var inner = config.IntermediateSize;
        for (var i = 0; i < config.Layers; i++)
        {
            var p = $"encoder.layer.{i}.";
            var x = $"hidden_{i}";
            var l = $"layer_{i}_";
            foreach (var part in new[] { "query", "key", "value" })
            {
                w.Shape($"{p}attention.self.{part}.weight", h, h);
                w.Shape($"{p}attention.self.{part}.bias", h);
            }

            w.Shape($"{p}attention.output.dense.weight", h, h);
            w.Shape($"{p}attention.output.dense.bias", h);
            w.Shape($"{p}intermediate.dense.weight", inner, h);
            w.Shape($"{p}intermediate.dense.bias", inner);
            w.Shape($"{p}output.dense.weight", h, inner);
            w.Shape($"{p}output.dense.bias", h);
            foreach (var ln in new[] { "attention.output.LayerNorm", "output.LayerNorm" })
            {
                w.Shape(w.LayerNormWeight(p + ln), h);
                w.Shape(w.LayerNormBias(p + ln), h);
            }

            // Attention as an ONNX export of BertSelfAttention has it (ORT's CPU kernels ran this fastest): projections,
            // per-head views, scores scaled by 1/sqrt(head size) plus the additive padding mask, softmax, context.
            foreach (var (part, name) in new[] { ("q", "query"), ("k", "key"), ("v", "value") })
            {
                g.Weight(l + part + "_weight", [h, h], s => w.Transposed(s, p + "attention.self." + name + ".weight", h, h));
                g.Weight(l + part + "_bias", [h], s => w.Plain(s, p + "attention.self." + name + ".bias"));
                g.Node("MatMul", [x, l + part + "_weight"], l + part + "_projected");
                g.Node("Add", [l + part + "_projected", l + part + "_bias"], l + part);
                g.Node("Reshape", [l + part, "heads_shape"], l + part + "_heads");
                g.Node("Transpose", [l + part + "_heads"], l + part + "_t", null, OnnxGraphWriter.IntsAttribute("perm", part == "k" ? [0, 2, 3, 1] : [0, 2, 1, 3]));
            }

            g.Node("MatMul", [l + "q_t", l + "k_t"], l + "scores_raw");
            g.Node("Mul", [l + "scores_raw", "score_scale"], l + "scores_scaled");
            g.Node("Add", [l + "scores_scaled", "mask_additive"], l + "scores");
            g.Node("Softmax", [l + "scores"], l + "probs", null, OnnxGraphWriter.IntAttribute("axis", -1));
            g.Node("MatMul", [l + "probs", l + "v_t"], l + "context_heads");
            g.Node("Transpose", [l + "context_heads"], l + "context_t", null, OnnxGraphWriter.IntsAttribute("perm", [0, 2, 1, 3]));
            g.Node("Reshape", [l + "context_t", "hidden_shape"], l + "context");

            g.Weight(l + "attention_output_weight", [h, h], s => w.Transposed(s, p + "attention.output.dense.weight", h, h));
            g.Weight(l + "attention_output_bias", [h], s => w.Plain(s, p + "attention.output.dense.bias"));
            g.Weight(l + "attention_ln_gamma", [h], s => w.Plain(s, w.LayerNormWeight(p + "attention.output.LayerNorm")));
            g.Weight(l + "attention_ln_beta", [h], s => w.Plain(s, w.LayerNormBias(p + "attention.output.LayerNorm")));
            g.Node("MatMul", [l + "context", l + "attention_output_weight"], l + "attention_projected");
            AddNorm(g, l + "attention_projected", x, l + "attention_ln_gamma", l + "attention_ln_beta", l + "attention_output_bias", l + "attention_out", eps);

            g.Weight(l + "intermediate_weight", [h, inner], s => w.Transposed(s, p + "intermediate.dense.weight", inner, h));
            g.Weight(l + "intermediate_bias", [inner], s => w.Plain(s, p + "intermediate.dense.bias"));
            g.Node("MatMul", [l + "attention_out", l + "intermediate_weight"], l + "intermediate_projected");
            switch (config.HiddenAct)
            {
                case "gelu":
                    g.Node("BiasGelu", [l + "intermediate_projected", l + "intermediate_bias"], l + "intermediate", Microsoft);
                    break;
                case "gelu_new" or "gelu_pytorch_tanh":
                    g.Node("FastGelu", [l + "intermediate_projected", l + "intermediate_bias"], l + "intermediate", Microsoft);
                    break;
                default:
                    g.Node("Add", [l + "intermediate_projected", l + "intermediate_bias"], l + "intermediate_biased");
                    g.Node("Relu", [l + "intermediate_biased"], l + "intermediate");
                    break;
            }

            g.Weight(l + "output_weight", [inner, h], s => w.Transposed(s, p + "output.dense.weight", h, inner));
            g.Weight(l + "output_bias", [h], s => w.Plain(s, p + "output.dense.bias"));
            g.Weight(l + "output_ln_gamma", [h], s => w.Plain(s, w.LayerNormWeight(p + "output.LayerNorm")));
            g.Weight(l + "output_ln_beta", [h], s => w.Plain(s, w.LayerNormBias(p + "output.LayerNorm")));
            g.Node("MatMul", [l + "intermediate", l + "output_weight"], l + "output_projected");
            AddNorm(g, l + "output_projected", l + "attention_out", l + "output_ln_gamma", l + "output_ln_beta", l + "output_bias",
                i == config.Layers - 1 ? "last_hidden_state" : $"hidden_{i + 1}", eps);
        }

        if (config.Layers == 0)
        {
            g.Node("Identity", ["hidden_0"], "last_hidden_state");
        }

        g.Output("last_hidden_state", OnnxGraphWriter.Float, "batch", "sequence", h);
        g.Save(onnxPath, dataFileName);
    }

    /// <summary>
    /// LayerNorm(projected + bias + residual). One Sum rather than two Adds: ORT fuses Add, Add, LayerNormalization
    /// into com.microsoft.SkipLayerNormalization, whose CPU kernel measured slower than Sum plus LayerNormalization.
    /// </summary>
    private static void AddNorm(OnnxGraphWriter g, string projected, string residual, string gamma, string beta, string bias, string output, float eps)
    {
        g.Node("Sum", [projected, bias, residual], output + "_sum");
        g.Node("LayerNormalization", [output + "_sum", gamma, beta], output, null, OnnxGraphWriter.IntAttribute("axis", -1), OnnxGraphWriter.FloatAttribute("epsilon", eps));
    }

    /// <summary>Resolves Hugging Face tensor names (with or without a bert. / roberta. / xlm-roberta. prefix, LayerNorm weight/bias or gamma/beta) and streams their values.</summary>
    private sealed class Names
    {
        private readonly WeightSource _weights;
        private readonly string _prefix;
        private readonly string _files;

        public Names(EncoderConfig config, WeightSource weights, string configPath)
        {
            _weights = weights;
            _files = string.Join(", ", weights.Files.Select(Path.GetFileName).Distinct());
            var found = Prefixes.Where(p => weights.Tensors.ContainsKey(p + "embeddings.word_embeddings.weight")).ToList();
            if (found.Count == 0)
            {
                var sample = string.Join(", ", weights.Tensors.Keys.Order(StringComparer.Ordinal).Take(5));
                throw new InvalidDataException(
                    $"{Path.GetDirectoryName(configPath)}: {_files} has no embeddings.word_embeddings.weight (with or without a bert., roberta. or xlm-roberta. prefix); not a {config.ModelType} checkpoint (first tensors: {sample}).");
            }

            _prefix = found[0];
        }

        public bool Has(string name) => _weights.Tensors.ContainsKey(_prefix + name);

        public string LayerNormWeight(string module) => Has(module + ".weight") ? module + ".weight" : module + ".gamma";

        public string LayerNormBias(string module) => Has(module + ".bias") ? module + ".bias" : module + ".beta";

        /// <summary>Checks that a tensor exists, is float and has the expected shape (-1: any size); returns its shape.</summary>
        public long[] Shape(string name, params long[] expected)
        {
            if (!_weights.Tensors.TryGetValue(_prefix + name, out var tensor))
            {
                throw new InvalidDataException($"{_files}: tensor {_prefix}{name} is missing; a {string.Join(" ", expected.Select(e => e < 0 ? "n" : e.ToString(System.Globalization.CultureInfo.InvariantCulture)))} tensor is needed there.");
            }

            var where = $"{_weights.FileOf(tensor.Name)}: tensor {tensor.Name}";
            if (!tensor.IsFloat)
            {
                throw new InvalidDataException($"{where}: element type {tensor.DType}; Qianru reads F32, F16 and BF16 weights.");
            }

            if (tensor.Shape.Length != expected.Length || tensor.Shape.Where((d, i) => expected[i] >= 0 && d != expected[i]).Any())
            {
                throw new InvalidDataException($"{where}: shape {tensor.ShapeText}, expected [{string.Join(", ", expected.Select(e => e < 0 ? "n" : e.ToString(System.Globalization.CultureInfo.InvariantCulture)))}] from config.json.");
            }

            return tensor.Shape;
        }

        public void Plain(Stream stream, string name)
        {
            var full = _prefix + name;
            var count = _weights.Tensors[full].Count;
            var buffer = new float[(int)Math.Min(count, 1 << 20)];
            for (long done = 0; done < count; done += buffer.Length)
            {
                var n = (int)Math.Min(buffer.Length, count - done);
                _weights.ReadFloats(full, done, buffer.AsSpan(0, n));
                OnnxGraphWriter.WriteFloats(stream, buffer.AsSpan(0, n));
            }
        }

        public void Rows(Stream stream, string name, long first, long count, int width)
        {
            var buffer = new float[count * width];
            _weights.ReadFloats(_prefix + name, first * width, buffer);
            OnnxGraphWriter.WriteFloats(stream, buffer);
        }

        /// <summary>A torch Linear weight [rows = out, cols = in] written as the MatMul weight [in, out].</summary>
        public void Transposed(Stream stream, string name, int rows, int cols)
        {
            var source = new float[rows * cols];
            _weights.ReadFloats(_prefix + name, 0, source);
            var target = new float[rows * cols];
            Transpose(source, rows, cols, target, rows, 0);
            OnnxGraphWriter.WriteFloats(stream, target);
        }

        /// <summary>target[c, offset + r] = source[r, c], in cache-sized tiles.</summary>
        private static void Transpose(float[] source, int rows, int cols, float[] target, int targetStride, int offset)
        {
            const int Tile = 32;
            for (var r0 = 0; r0 < rows; r0 += Tile)
            {
                for (var c0 = 0; c0 < cols; c0 += Tile)
                {
                    var rEnd = Math.Min(r0 + Tile, rows);
                    var cEnd = Math.Min(c0 + Tile, cols);
                    for (var r = r0; r < rEnd; r++)
                    {
                        for (var c = c0; c < cEnd; c++)
                        {
                            target[(c * targetStride) + offset + r] = source[(r * cols) + c];
                        }
                    }
                }
            }
        }
    }
}
