namespace Qianru.WordVectors;

/// <summary>Training progress, reported about twice a second.</summary>
/// <param name="Epoch">The current epoch (1-based).</param>
/// <param name="Fraction">Done fraction of all epochs, 0..1.</param>
/// <param name="WordsProcessed">Corpus words processed so far (before subsampling), over all epochs.</param>
/// <param name="WordsPerSecond">Throughput so far.</param>
/// <param name="Loss">Mean negative-sampling loss per trained pair since the last report.</param>
/// <param name="Alpha">The current learning rate.</param>
public readonly record struct Word2VecProgress(int Epoch, double Fraction, long WordsProcessed, double WordsPerSecond, double Loss, double Alpha);
