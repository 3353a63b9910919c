using System.Text;
using Microsoft.ML.OnnxRuntime;
using Qianru.Models;
using Qianru.Onnx;

namespace Qianru.Tests.Onnx;

/// <summary>Qianru's ONNX protobuf reader and writer: lossless round trips, and one clear error for bytes that are not ONNX.</summary>
public sealed class OnnxProtoTests
{
    [Fact]
    public void A_real_model_round_trips_to_the_same_bytes_and_the_same_outputs()
    {
        var original = EmbeddedModels.ReadOnnx(EmbeddedModels.MiniLM);
        var model = ModelProto.Parse(original);
        Assert.NotNull(model.Graph);
        Assert.True(model.Graph.Node.Count > 100);
        Assert.Contains(model.Graph.Initializer, t => t.DataType == TensorDataType.Float && t.Dims.Count == 2 && t.RawData.Length > 0);

        var written = model.ToByteArray();
        Assert.Equal(original.Length, written.Length);
        Assert.Equal(Run(original), Run(written));

        // A second round trip is byte-identical to the first.
        Assert.Equal(written, ModelProto.Parse(written).ToByteArray());
    }

    [Fact]
    public void Fields_Qianru_does_not_read_are_written_back_unchanged()
    {
        var model = new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = "g" } };
        model.OpsetImport.Add(new OperatorSetIdProto { Version = 17 });
        var known = model.ToByteArray();

        // doc_string (field 6) and a metadata_props entry (field 14) of ModelProto, which Qianru does not type.
        byte[] extra = [(6 << 3) | 2, 5, .. Encoding.UTF8.GetBytes("hello"), (14 << 3) | 2, 6, (1 << 3) | 2, 1, (byte)'k', (2 << 3) | 2, 1, (byte)'v'];
        var withExtra = known.Concat(extra).ToArray();

        var parsed = ModelProto.Parse(withExtra);
        Assert.Equal(8, parsed.IrVersion);
        Assert.Equal("g", parsed.Graph!.Name);
        Assert.Equal(withExtra, parsed.ToByteArray());
    }

    [Theory]
    [InlineData(new byte[] { 0x3A, 0x05, 0x0A })] // graph (field 7) claims 5 bytes, 1 is left
    [InlineData(new byte[] { 0x3A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })] // graph claims 4 GB
    [InlineData(new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF })] // a varint of 11 bytes
    [InlineData(new byte[] { 0x0B })] // wire type 3 (groups) is not used by ONNX
    public void Bytes_that_are_not_a_model_are_one_clear_error(byte[] bytes)
    {
        var ex = Assert.Throws<InvalidDataException>(() => ModelProto.Parse(bytes));
        Assert.StartsWith("not a valid protocol buffer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_quantizer_names_the_file_when_the_bytes_are_not_onnx()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Qianru.Quantization.ModelQuantizer.QuantizeOnnx("not a model at all"u8.ToArray(), null, out _, "bad.onnx"));
        Assert.StartsWith("bad.onnx: not an ONNX model", ex.Message, StringComparison.Ordinal);
    }

    private static float[] Run(byte[] onnx)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(onnx, options);
        long[] ids = [101, 7592, 2088, 102];
        using var input = OrtValue.CreateTensorValueFromMemory(ids, [1, 4]);
        using var mask = OrtValue.CreateTensorValueFromMemory(new long[] { 1, 1, 1, 1 }, [1, 4]);
        using var types = OrtValue.CreateTensorValueFromMemory(new long[4], [1, 4]);
        using var run = new RunOptions();
        using var outputs = session.Run(run, ["input_ids", "attention_mask", "token_type_ids"], [input, mask, types], [session.OutputMetadata.Keys.First()]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
