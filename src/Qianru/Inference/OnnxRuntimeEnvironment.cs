using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace Qianru.Inference;

/// <summary>
/// The one place that prepares ONNX Runtime's process-wide environment, before Qianru creates its first session:
/// ONNX Runtime's telemetry is off unless the user opts in with <c>QIANRU_ORT_TELEMETRY=1</c>.
/// </summary>
/// <remarks>
/// ONNX Runtime's official builds collect telemetry. On Linux and macOS (1.31) creating the environment records a
/// "ProcessInfo" event (executable, runtime version, device ids) under
/// <c>~/.cache/Microsoft/DeveloperTools/.onnxruntime/</c> for upload, before <see cref="OrtEnv.DisableTelemetryEvents"/>
/// can be called; ONNX Runtime skips it when <c>ORT_DISABLE_TELEMETRY</c> is set in the process environment, so that
/// variable is set (natively, where ONNX Runtime reads it) before the environment is created. On Windows the events are
/// ETW events, which <see cref="OrtEnv.DisableTelemetryEvents"/> switches off; it is called on every platform.
/// Every Qianru path that makes an <see cref="InferenceSession"/> calls <see cref="EnsureInitialized"/> first; an
/// environment that the application created earlier has already recorded its event.
/// </remarks>
internal static class OnnxRuntimeEnvironment
{
    /// <summary>The environment variable that, set to <c>1</c>, leaves ONNX Runtime's telemetry as ONNX Runtime ships it.</summary>
    public const string TelemetryVariable = "QIANRU_ORT_TELEMETRY";

    /// <summary>ONNX Runtime's own switch, read when its environment is created.</summary>
    public const string OrtDisableVariable = "ORT_DISABLE_TELEMETRY";

    private static readonly Lazy<OrtEnv> Environment = new(Initialize, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>True when the user allowed ONNX Runtime's telemetry (<c>QIANRU_ORT_TELEMETRY=1</c>).</summary>
    public static bool TelemetryAllowed => System.Environment.GetEnvironmentVariable(TelemetryVariable) is { } value
        && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));

    /// <summary>Makes sure ONNX Runtime's environment exists with telemetry off (unless allowed). Cheap after the first call.</summary>
    public static void EnsureInitialized() => _ = Environment.Value;

    private static OrtEnv Initialize()
    {
        var allowed = TelemetryAllowed;
        if (!allowed && !OperatingSystem.IsWindows())
        {
            SetNativeVariable(OrtDisableVariable, "1");
        }

        var env = OrtEnv.Instance();
        if (!allowed)
        {
            env.DisableTelemetryEvents();
        }

        return env;
    }

    /// <summary>
    /// Sets a variable in the C library's environment (which native code reads with <c>getenv</c>; .NET keeps its own copy
    /// on Unix), unless it is already set there.
    /// </summary>
    private static unsafe void SetNativeVariable(string name, string value)
    {
        if (System.Environment.GetEnvironmentVariable(name) is { Length: > 0 })
        {
            return;
        }

        if (NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), "setenv", out var setenv))
        {
            var nameBytes = Encoding.UTF8.GetBytes(name + "\0");
            var valueBytes = Encoding.UTF8.GetBytes(value + "\0");
            fixed (byte* n = nameBytes)
            fixed (byte* v = valueBytes)
            {
                _ = ((delegate* unmanaged<byte*, byte*, int, int>)setenv)(n, v, 0);
            }
        }

        System.Environment.SetEnvironmentVariable(name, value);
    }
}
