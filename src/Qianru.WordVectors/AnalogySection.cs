namespace Qianru.WordVectors;

/// <summary>One section (": capital-common-countries" …) of an analogy evaluation, or the total.</summary>
/// <param name="Name">The section name, or "Total accuracy".</param>
/// <param name="Correct">Questions answered correctly.</param>
/// <param name="Incorrect">Questions answered wrongly (questions with unknown words are not counted).</param>
public sealed record AnalogySection(string Name, int Correct, int Incorrect)
{
    /// <summary>Correct / (Correct + Incorrect), 0 when nothing was asked.</summary>
    public double Accuracy => Correct + Incorrect == 0 ? 0 : (double)Correct / (Correct + Incorrect);
}
