namespace Qianru.WordVectors;

/// <summary>The result of <see cref="KeyedVectors.EvaluateWordAnalogies(string, int, bool, CancellationToken)"/>, as gensim's <c>evaluate_word_analogies</c>.</summary>
/// <param name="Score">Total accuracy over the questions whose four words are in the (restricted) vocabulary.</param>
/// <param name="Sections">The sections in file order, then "Total accuracy".</param>
/// <param name="OutOfVocabulary">Questions skipped because a word was not in the restricted vocabulary.</param>
public sealed record AnalogyEvaluation(double Score, IReadOnlyList<AnalogySection> Sections, int OutOfVocabulary);
