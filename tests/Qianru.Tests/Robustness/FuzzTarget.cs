namespace Qianru.Tests.Robustness;

/// <summary>A file reader under fuzz: a name, the file extension it reads, a valid seed file, and how to read a file.</summary>
/// <param name="Name">Shown in reports (e.g. "npy").</param>
/// <param name="Extension">The extension the mutated file gets, which some readers choose their format by.</param>
/// <param name="Seed">Makes a small valid file (called once per run).</param>
/// <param name="Read">Reads the file at the path the way a user's command would; may throw only the documented kinds.</param>
public sealed record FuzzTarget(string Name, string Extension, Func<byte[]> Seed, Action<string> Read);
