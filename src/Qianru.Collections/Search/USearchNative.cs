using System.Reflection;
using System.Runtime.InteropServices;
using Cloud.Unum.USearch;

namespace Qianru.Search;

/// <summary>
/// The few functions of USearch's C library (shipped in the Cloud.Unum.USearch package) that its C# binding does
/// not expose: changing ef_search of a loaded index, reserving capacity before parallel adds, and thread counts.
/// </summary>
internal static partial class USearchNative
{
    private const string Library = "libusearch_c";
    private static readonly FieldInfo? HandleField = typeof(USearchIndex).GetField("_index", BindingFlags.NonPublic | BindingFlags.Instance);

    public static IntPtr Handle(USearchIndex index) =>
        HandleField?.GetValue(index) is IntPtr handle && handle != IntPtr.Zero
            ? handle
            : throw new NotSupportedException("this version of Cloud.Unum.USearch does not expose its native index handle; Qianru needs 2.26.x");

    public static void ChangeExpansionSearch(USearchIndex index, int ef)
    {
        usearch_change_expansion_search(Handle(index), (nuint)ef, out var error);
        Check(error);
    }

    public static void ChangeExpansionAdd(USearchIndex index, int ef)
    {
        usearch_change_expansion_add(Handle(index), (nuint)ef, out var error);
        Check(error);
    }

    public static void Reserve(USearchIndex index, int capacity, int threads)
    {
        usearch_reserve(Handle(index), (nuint)capacity, out var error);
        Check(error);
        usearch_change_threads_add(Handle(index), (nuint)threads, out error);
        Check(error);
        usearch_change_threads_search(Handle(index), (nuint)threads, out error);
        Check(error);
    }

    private static void Check(IntPtr error)
    {
        if (error != IntPtr.Zero)
        {
            throw new QianruException($"USearch: {Marshal.PtrToStringAnsi(error)}");
        }
    }

    [LibraryImport(Library)]
    private static partial void usearch_change_expansion_search(IntPtr index, nuint expansion, out IntPtr error);

    [LibraryImport(Library)]
    private static partial void usearch_change_expansion_add(IntPtr index, nuint expansion, out IntPtr error);

    [LibraryImport(Library)]
    private static partial void usearch_reserve(IntPtr index, nuint capacity, out IntPtr error);

    [LibraryImport(Library)]
    private static partial void usearch_change_threads_add(IntPtr index, nuint threads, out IntPtr error);

    [LibraryImport(Library)]
    private static partial void usearch_change_threads_search(IntPtr index, nuint threads, out IntPtr error);
}
