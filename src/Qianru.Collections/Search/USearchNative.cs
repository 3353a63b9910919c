using System.Runtime.InteropServices;

namespace Qianru.Search;

/// <summary>
/// Qianru's own declarations of the USearch C API (<c>c/usearch.h</c>) that <see cref="HnswIndex"/> calls. The native
/// library, <c>libusearch_c</c>, comes with the Cloud.Unum.USearch package (2.26.x); its C# wrapper is not used, so no
/// private field of it is read and its version can change as long as the C API keeps these signatures.
/// </summary>
/// <remarks>Every function reports failure through its last argument: a static C string, or null on success.</remarks>
internal static unsafe partial class USearchNative
{
    private const string Library = "libusearch_c";

    /// <summary><c>usearch_metric_kind_t</c>.</summary>
    public enum MetricKind : uint
    {
        Cosine = 1,
        InnerProduct = 2,
        L2Squared = 3,
    }

    /// <summary><c>usearch_scalar_kind_t</c>.</summary>
    public enum ScalarKind : uint
    {
        Float32 = 1,
        Float16 = 3,
        BFloat16 = 6,
    }

    /// <summary><c>usearch_init_options_t</c> (the C struct's layout: enums are 32-bit, sizes pointer-sized).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct InitOptions
    {
        public MetricKind MetricKind;
        public IntPtr Metric;
        public ScalarKind Quantization;
        public nuint Dimensions;
        public nuint Connectivity;
        public nuint ExpansionAdd;
        public nuint ExpansionSearch;
        public byte Multi;
    }

    /// <summary>Throws a <see cref="QianruException"/> with USearch's message when <paramref name="error"/> is set.</summary>
    public static void Check(IntPtr error, string operation)
    {
        if (error != IntPtr.Zero)
        {
            throw new QianruException($"USearch {operation}: {Marshal.PtrToStringUTF8(error)}");
        }
    }

    [LibraryImport(Library, EntryPoint = "usearch_init")]
    public static partial IntPtr Init(ref InitOptions options, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_free")]
    public static partial void Free(IntPtr index, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_save", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void Save(IntPtr index, string path, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_load", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void Load(IntPtr index, string path, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_metadata", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void Metadata(string path, ref InitOptions options, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_serialized_length")]
    public static partial nuint SerializedLength(IntPtr index, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_save_buffer")]
    public static partial void SaveBuffer(IntPtr index, byte* buffer, nuint length, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_load_buffer")]
    public static partial void LoadBuffer(IntPtr index, byte* buffer, nuint length, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_metadata_buffer")]
    public static partial void MetadataBuffer(byte* buffer, nuint length, ref InitOptions options, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_size")]
    public static partial nuint Size(IntPtr index, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_dimensions")]
    public static partial nuint Dimensions(IntPtr index, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_reserve")]
    public static partial void Reserve(IntPtr index, nuint capacity, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_add")]
    public static partial void Add(IntPtr index, ulong key, float* vector, ScalarKind vectorKind, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_contains")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool Contains(IntPtr index, ulong key, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_remove")]
    public static partial nuint Remove(IntPtr index, ulong key, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_search")]
    public static partial nuint Search(IntPtr index, float* query, ScalarKind queryKind, nuint count, ulong* keys, float* distances, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_change_expansion_add")]
    public static partial void ChangeExpansionAdd(IntPtr index, nuint expansion, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_change_expansion_search")]
    public static partial void ChangeExpansionSearch(IntPtr index, nuint expansion, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_change_threads_add")]
    public static partial void ChangeThreadsAdd(IntPtr index, nuint threads, out IntPtr error);

    [LibraryImport(Library, EntryPoint = "usearch_change_threads_search")]
    public static partial void ChangeThreadsSearch(IntPtr index, nuint threads, out IntPtr error);
}
