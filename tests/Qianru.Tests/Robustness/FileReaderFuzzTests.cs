using System.Globalization;
using Xunit.Abstractions;

namespace Qianru.Tests.Robustness;

/// <summary>
/// The fuzz pass over every file reader, on a small budget in the suite. For a longer run:
/// <c>QIANRU_FUZZ_SECONDS=60 QIANRU_FUZZ_CASES=100000 dotnet test tests/Qianru.Tests --filter FileReaderFuzz</c>
/// (seconds and cases per reader; QIANRU_FUZZ_SEED picks another seed).
/// </summary>
public sealed class FileReaderFuzzTests(ITestOutputHelper output)
{
    public static TheoryData<string> TargetNames() => [.. FileReaderFuzz.Targets.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(TargetNames))]
    public void Mutated_files_are_read_or_refused_cleanly_without_hangs_or_overallocation(string name)
    {
        var target = FileReaderFuzz.Targets.Single(t => t.Name == name);
        var seconds = Setting("QIANRU_FUZZ_SECONDS", 2);
        var cases = Setting("QIANRU_FUZZ_CASES", 400);
        var seed = Setting("QIANRU_FUZZ_SEED", 20261201);
        var outcome = FileReaderFuzz.Run(target, seed, cases, TimeSpan.FromSeconds(seconds));
        output.WriteLine(outcome.ToString());
        Assert.True(outcome.Cases >= Math.Min(cases, 20), $"only {outcome.Cases} cases ran: {outcome}");
        Assert.True(outcome.Failures.Count == 0, string.Join(Environment.NewLine, outcome.Failures.Take(20)));
    }

    [Fact]
    public void The_harness_reports_crashes_unnamed_files_and_overallocation()
    {
        var crash = new FuzzTarget("crash", ".x", () => new byte[64], _ => throw new IndexOutOfRangeException("boom"));
        Assert.All(FileReaderFuzz.Run(crash, 1, 5, TimeSpan.FromSeconds(30)).Failures, f => Assert.Contains("IndexOutOfRangeException", f));

        var unnamed = new FuzzTarget("unnamed", ".x", () => new byte[64], _ => throw new InvalidDataException("bad file"));
        Assert.Equal(5, FileReaderFuzz.Run(unnamed, 1, 5, TimeSpan.FromSeconds(30)).Failures.Count);

        var greedy = new FuzzTarget("greedy", ".x", () => new byte[64], _ => GC.KeepAlive(new byte[FileReaderFuzz.AllocationSlack + 1_000_000]));
        Assert.Equal(5, FileReaderFuzz.Run(greedy, 1, 5, TimeSpan.FromSeconds(30)).Failures.Count);

        var fine = new FuzzTarget("fine", ".x", () => new byte[64], path => throw new InvalidDataException($"{path}: refused"));
        var outcome = FileReaderFuzz.Run(fine, 1, 5, TimeSpan.FromSeconds(30));
        Assert.Empty(outcome.Failures);
        Assert.Equal(5, outcome.Refused);
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
