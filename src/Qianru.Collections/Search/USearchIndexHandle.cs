using System.Runtime.InteropServices;

namespace Qianru.Search;

/// <summary>Owns a native USearch index (<c>usearch_index_t</c>) and frees it once, even when its owner is never disposed.</summary>
internal sealed class USearchIndexHandle : SafeHandle
{
    public USearchIndexHandle(IntPtr index)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(index);
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle()
    {
        USearchNative.Free(handle, out var error);
        return error == IntPtr.Zero;
    }
}
