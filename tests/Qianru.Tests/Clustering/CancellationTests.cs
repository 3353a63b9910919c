using System.Diagnostics;
using Qianru.Clustering;

namespace Qianru.Tests.Clustering;

/// <summary>
/// The clustering API stops promptly when its token is cancelled: each algorithm, on input that takes it seconds,
/// throws <see cref="OperationCanceledException"/> within <see cref="Limit"/> of the cancellation.
/// </summary>
public sealed class CancellationTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(1);

    private static readonly float[][] Rows = Random(20_000, 64, 1);

    public static TheoryData<string> Algorithms() => ["kmeans", "dbscan", "community", "silhouette", "pca"];

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Cancelling_stops_the_work_within_a_second(string algorithm)
    {
        var wide = algorithm == "pca" ? Random(3_000, 768, 2) : null;
        var labels = Enumerable.Range(0, Rows.Length).Select(i => i % 7).ToArray();
        using var source = new CancellationTokenSource();
        var token = source.Token;
        Action work = algorithm switch
        {
            "kmeans" => () => KMeans.Fit(Rows, new KMeansOptions { Clusters = 50, Runs = 1000, RandomState = 1 }, token),
            "dbscan" => () => Dbscan.Fit(Rows, new DbscanOptions { Eps = 5 }, token),
            "community" => () => CommunityDetection.Find(Rows, 0.5, 10, token),
            "silhouette" => () => ClusterMetrics.Silhouette(Rows, labels, DistanceMetric.Euclidean, token),
            _ => () => Pca.Project(wide!, 2, token),
        };

        var stopped = new Stopwatch();
        var task = Task.Run(work);
        Thread.Sleep(300);
        Assert.False(task.IsCompleted, $"{algorithm} finished in 300 ms: the input is too small to test cancellation");
        source.Cancel();
        stopped.Start();
        var ex = Assert.ThrowsAny<OperationCanceledException>(() => task.GetAwaiter().GetResult());
        stopped.Stop();
        Assert.Equal(source.Token, ex.CancellationToken);
        Assert.True(stopped.Elapsed < Limit, $"{algorithm} took {stopped.Elapsed.TotalSeconds:F2} s to stop");
    }

    [Fact]
    public void A_cancelled_token_stops_before_any_work()
    {
        using var source = new CancellationTokenSource();
        source.Cancel();
        var small = Random(50, 4, 3);
        Assert.ThrowsAny<OperationCanceledException>(() => KMeans.Fit(small, new KMeansOptions { Clusters = 2 }, source.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => Dbscan.Fit(small, null, source.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => CommunityDetection.Find(small, 0.5, 2, source.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => ClusterMetrics.Silhouette(small, [.. Enumerable.Range(0, 50).Select(i => i % 2)], DistanceMetric.Euclidean, source.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => Pca.Project(small, 2, source.Token));
    }

    private static float[][] Random(int rows, int dims, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, dims).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray())];
    }
}
