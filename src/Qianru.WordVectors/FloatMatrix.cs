using System.Runtime.InteropServices;

namespace Qianru.WordVectors;

/// <summary>
/// A rows × columns float32 matrix backed either by a pinned managed array or by a memory-mapped file region,
/// read through spans so callers never care which.
/// </summary>
internal sealed unsafe class FloatMatrix : IDisposable
{
    private readonly float[]? _array;
    private GCHandle _handle;
    private readonly float* _base;

    private FloatMatrix(float[]? array, float* basePointer, long rows, int columns)
    {
        _array = array;
        if (array is not null)
        {
            _handle = GCHandle.Alloc(array, GCHandleType.Pinned);
            basePointer = (float*)_handle.AddrOfPinnedObject();
        }

        _base = basePointer;
        Rows = rows;
        Columns = columns;
    }

    public long Rows { get; }

    public int Columns { get; }

    /// <summary>The managed array, when there is one (null for memory-mapped storage).</summary>
    public float[]? Array => _array;

    public static FloatMatrix FromArray(float[] array, int columns) => new(array, null, array.LongLength / columns, columns);

    public static FloatMatrix FromPointer(float* pointer, long rows, int columns) => new(null, pointer, rows, columns);

    public ReadOnlySpan<float> Row(long index) => new(_base + index * Columns, Columns);

    public Span<float> MutableRow(long index) => new(_base + index * Columns, Columns);

    public void Dispose()
    {
        if (_handle.IsAllocated)
        {
            _handle.Free();
        }
    }
}
