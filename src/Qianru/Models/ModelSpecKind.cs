namespace Qianru.Models;

/// <summary>What a model spec names (<see cref="ModelSpec.Parse"/>).</summary>
public enum ModelSpecKind
{
    /// <summary>A model that ships with Qianru, e.g. <c>minilm</c>.</summary>
    Embedded,

    /// <summary>A sentence-transformers / Hugging Face model folder on disk.</summary>
    Folder,

    /// <summary>A Hugging Face Hub model, <c>ORG/NAME</c> or <c>ORG/NAME@REVISION</c>, taken from the Hugging Face cache or downloaded into it.</summary>
    Hub,

    /// <summary>Sentence vectors from a word-vectors file, <c>words:FILE[#mean|#sif]</c>.</summary>
    WordVectors,
}
