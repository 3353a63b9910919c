using System.CommandLine;
using Qianru.Cli.Infrastructure;
using Qianru.Models;
using Qianru.Quantization;

namespace Qianru.Cli.Commands;

/// <summary>
/// <c>qianru models quantize SRC OUT</c>: writes an int8 copy of a model as a complete model folder.
/// A subcommand of <see cref="ModelsCommand"/>.
/// </summary>
internal static class ModelsQuantizeCommand
{
    public static Command Build(CliContext context)
    {
        var source = new Argument<string>("SRC") { Description = "An embedded model id (minilm, arctic-xs), a model folder with model.onnx or onnx/model.onnx, or a Hugging Face model id." };
        var output = new Argument<string>("OUT") { Description = "The folder to write (must not exist or be empty)." };
        var method = new Option<string>("--method")
        {
            Description = "row: int8 MatMulIntegerToFloat with one activation scale per token and SmoothQuant smoothing (fastest); block: ONNX Runtime MatMulNBits, 8- or 4-bit weights in blocks.",
            DefaultValueFactory = _ => "row",
        };
        method.AcceptOnlyFromAmong("row", "block");
        var alpha = new Option<float>("--alpha") { Description = "row: SmoothQuant migration strength from 0 (no smoothing) to 1, calibrated on built-in English and Chinese text.", DefaultValueFactory = _ => new QuantizationOptions().SmoothingAlpha }.InRange(0f, 1f);
        var reduceRange = new Option<bool>("--reduce-range") { Description = "row: 7-bit weights, which cannot saturate on x86 CPUs without VNNI (chosen automatically when the quantizing CPU has no VNNI)." };
        var perChannel = new Option<bool>("--per-channel") { Description = "block: one weight scale per output column instead of one per block (row always uses per-column scales)." };
        var exclude = new Option<string[]>("--exclude")
        {
            Description = "Keep MatMuls whose node, weight or layer name matches this glob (* and ?) in float32; repeatable, e.g. --exclude 'encoder.layer.0.*'.",
            AllowMultipleArgumentsPerToken = false,
            DefaultValueFactory = _ => [],
        };
        var bits = new Option<int>("--bits") { Description = "Bits per weight: 8 or 4 (4 needs --method block; smaller but much less accurate).", DefaultValueFactory = _ => 8 };
        bits.AcceptOnlyFromAmong("8", "4");
        var blockSize = new Option<int>("--block-size") { Description = "block: values per quantization block along K, a power of two from 16 to 256.", DefaultValueFactory = _ => new QuantizationOptions().BlockSize };

        var command = new Command("quantize", "Write an int8-quantized copy of a model (int8 weights, activations quantized per token at run time, so a vector never depends on its batch) with the same tokenizer, pooling and prompts.")
        {
            source, output, method, alpha, reduceRange, perChannel, exclude, bits, blockSize,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var src = parse.GetValue(source)!;
            var outPath = context.ResolvePath(parse.GetValue(output)!);
            if (parse.GetValue(blockSize) is var size && (size is < 16 or > 256 || (size & (size - 1)) != 0))
            {
                throw new CliUsageException($"--block-size {size}: must be a power of two from 16 to 256.");
            }

            var useBlocks = parse.GetValue(method) == "block";
            if (!useBlocks && parse.GetValue(bits) == 4)
            {
                throw new CliUsageException("--bits 4 needs --method block (the row method is int8 only).");
            }

            QuantizationOptions options;
            try
            {
                options = new QuantizationOptions
                {
                    Method = useBlocks ? QuantizationMethod.Block : QuantizationMethod.RowInt8,
                    SmoothingAlpha = parse.GetValue(alpha),
                    ReduceRange = parse.GetValue(reduceRange) ? true : null,
                    Bits = parse.GetValue(bits),
                    BlockSize = parse.GetValue(blockSize),
                    PerChannel = parse.GetValue(perChannel),
                    Exclude = parse.GetValue(exclude) ?? [],
                };
            }
            catch (ArgumentOutOfRangeException ex)
            {
                throw new CliUsageException(ex.Message.Split(Environment.NewLine)[0]);
            }

            var resolved = ModelFactory.Resolve(src, context, cancellationToken);
            var srcPath = resolved.Folder ?? resolved.Embedded?.Info.Id
                ?? throw new CliUsageException($"SRC {src}: word vectors cannot be quantized; give an embedded model id, a model folder or a Hugging Face model id.");
            var result = ModelQuantizer.QuantizeModel(srcPath, outPath, options, cancellationToken);
            var how = useBlocks ? $"MatMulNBits, blocks of {options.BlockSize}, {result.FusedBiases} with their bias fused" : $"per-token MatMulIntegerToFloat, smoothing: {result.Smoothing}";
            context.Out.WriteLine($"{outPath}: {result.Quantized.Count} MatMuls quantized to {(result.WeightBits == 7 ? "int8 (7-bit weights)" : $"int{result.WeightBits}")} ({how}), {result.Skipped.Count} kept float32; model.onnx {result.SourceBytes / 1e6:F1} MB -> {result.QuantizedBytes / 1e6:F1} MB");
            foreach (var skipped in result.Skipped)
            {
                context.Out.WriteLine($"  float32: {skipped}");
            }

            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
