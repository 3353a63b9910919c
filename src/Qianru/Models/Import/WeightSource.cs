using System.Runtime.InteropServices;

namespace Qianru.Models.Import;

/// <summary>
/// The tensors of a checkpoint (safetensors, sharded safetensors, or a torch zip <c>pytorch_model.bin</c>),
/// read as float32 on demand so that gigabytes of weights are streamed, never held twice.
/// </summary>
internal abstract class WeightSource : IDisposable
{
    /// <summary>The tensors by name, as the checkpoint spells them.</summary>
    public abstract IReadOnlyDictionary<string, WeightTensor> Tensors { get; }

    /// <summary>The weight files read, for the cache key and messages.</summary>
    public abstract IReadOnlyList<string> Files { get; }

    /// <summary>The file a tensor lives in, for messages.</summary>
    public abstract string FileOf(string name);

    /// <summary>Reads elements [<paramref name="start"/>, start + destination.Length) of a float tensor in row-major order, converted to float32.</summary>
    public abstract void ReadFloats(string name, long start, Span<float> destination);

    public abstract void Dispose();

    /// <summary>Converts little-endian F32, F16 or BF16 bytes to float32.</summary>
    public static void ConvertToFloat(string dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        switch (dtype)
        {
            case "F32":
                MemoryMarshal.Cast<byte, float>(source)[..destination.Length].CopyTo(destination);
                break;
            case "F16":
                System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(source)[..destination.Length], destination);
                break;
            case "BF16":
                var bits = MemoryMarshal.Cast<byte, ushort>(source);
                var output = MemoryMarshal.Cast<float, uint>(destination);
                for (var i = 0; i < output.Length; i++)
                {
                    output[i] = (uint)bits[i] << 16;
                }

                break;
            default:
                throw new NotSupportedException($"element type {dtype} cannot be read as float32; supported: F32, F16, BF16.");
        }
    }

    /// <summary>The size in bytes of one element of a safetensors / torch element type, or 0 when unknown.</summary>
    public static int ElementSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => 0,
    };
}
