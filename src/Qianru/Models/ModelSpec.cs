using Qianru.Models.Hub;

namespace Qianru.Models;

/// <summary>
/// What a model spec — the text of <c>--model</c>, a server's model list or <see cref="SentenceEmbedder.Create(string?, EmbedderOptions?)"/>'s
/// argument — names: the one place Qianru classifies and resolves them.
/// </summary>
/// <remarks>
/// <para>In order: blank is the default embedded model; an embedded id (<c>minilm</c>, also its Hugging Face id);
/// <c>words:FILE</c>, <c>words:FILE#mean</c> or <c>words:FILE#sif</c> (sentence vectors from word vectors); a folder
/// that exists (relative paths against the base directory); a Hugging Face id <c>ORG/NAME</c> or
/// <c>ORG/NAME@REVISION</c> (a branch, tag or commit).</para>
/// <para>A relative path that exists as a folder wins over a Hub id of the same spelling: with a folder
/// <c>BAAI/bge-small-zh-v1.5</c> under the base directory, <c>BAAI/bge-small-zh-v1.5</c> loads that folder; write
/// <c>BAAI/bge-small-zh-v1.5@main</c> for the Hub model.</para>
/// <para>Parsing touches the disk only to test whether a folder exists; <see cref="Resolve"/> finds the files,
/// downloading a Hub model that is not cached. Immutable.</para>
/// </remarks>
public sealed record ModelSpec
{
    private ModelSpec()
    {
    }

    /// <summary>What kind of model this names.</summary>
    public ModelSpecKind Kind { get; private init; }

    /// <summary>The spec as given (trimmed).</summary>
    public string Text { get; private init; } = "";

    /// <summary>The embedded model's id (<see cref="ModelSpecKind.Embedded"/>).</summary>
    public string? EmbeddedId { get; private init; }

    /// <summary>The full path of the folder (<see cref="ModelSpecKind.Folder"/>) or of the word-vectors file (<see cref="ModelSpecKind.WordVectors"/>).</summary>
    public string? Path { get; private init; }

    /// <summary>The Hub id <c>ORG/NAME</c> (<see cref="ModelSpecKind.Hub"/>).</summary>
    public string? RepoId { get; private init; }

    /// <summary>The Hub revision asked for, or null for <c>main</c> (<see cref="ModelSpecKind.Hub"/>).</summary>
    public string? Revision { get; private init; }

    /// <summary><c>mean</c> or <c>sif</c> when the words: spec names its pooling, else null (<see cref="ModelSpecKind.WordVectors"/>).</summary>
    public string? WordPooling { get; private init; }

    /// <summary>For a Hub id without a revision: the folder of the same spelling that does not exist, named when the Hub fails too.</summary>
    private string? FolderTried { get; init; }

    /// <summary>The kinds of spec Qianru takes, for messages and help texts.</summary>
    public static string Accepted =>
        $"an embedded model id ({string.Join(", ", EmbeddedModels.All.Concat(EmbeddedModels.Quantized).Select(m => m.Info.Id))}), a model folder, "
        + "a Hugging Face model id ORG/NAME[@REVISION] (e.g. BAAI/bge-small-zh-v1.5; taken from the Hugging Face cache or downloaded into it) "
        + "or words:FILE[#mean|#sif] (sentence vectors from word vectors)";

    /// <summary>Classifies <paramref name="text"/>; relative paths are taken against <paramref name="baseDirectory"/> (default: the current directory).</summary>
    /// <exception cref="QianruException">The spec names nothing Qianru knows; the message lists what it takes.</exception>
    public static ModelSpec Parse(string? text, string? baseDirectory = null)
    {
        var spec = text?.Trim() ?? "";
        if (spec.Length == 0)
        {
            return new ModelSpec { Kind = ModelSpecKind.Embedded, Text = spec, EmbeddedId = EmbeddedModels.DefaultId };
        }

        if (EmbeddedModels.Find(spec) is { } embedded)
        {
            return new ModelSpec { Kind = ModelSpecKind.Embedded, Text = spec, EmbeddedId = embedded.Info.Id };
        }

        var baseDir = baseDirectory ?? Environment.CurrentDirectory;
        if (spec.StartsWith("words:", StringComparison.OrdinalIgnoreCase))
        {
            var file = spec[6..];
            string? pooling = null;
            var hash = file.LastIndexOf('#');
            if (hash > 0 && file[(hash + 1)..].ToLowerInvariant() is "mean" or "sif")
            {
                pooling = file[(hash + 1)..].ToLowerInvariant();
                file = file[..hash];
            }

            if (file.Trim().Length == 0)
            {
                throw new QianruException($"{spec}: words: needs a word-vectors file, e.g. words:vectors.vec or words:vectors.vec#sif.");
            }

            return new ModelSpec { Kind = ModelSpecKind.WordVectors, Text = spec, Path = System.IO.Path.GetFullPath(file, baseDir), WordPooling = pooling };
        }

        var path = System.IO.Path.GetFullPath(spec, baseDir);
        if (Directory.Exists(path))
        {
            return new ModelSpec { Kind = ModelSpecKind.Folder, Text = spec, Path = path };
        }

        if (File.Exists(path))
        {
            throw new QianruException($"{spec}: is a file; a model is {Accepted}. For a word-vectors file write words:{spec}.");
        }

        var at = spec.IndexOf('@');
        var repo = at < 0 ? spec : spec[..at];
        var revision = at < 0 ? null : spec[(at + 1)..];
        if (!System.IO.Path.IsPathRooted(spec) && HubCache.IsRepoId(repo) && (revision is null || HubCache.IsRevision(revision)))
        {
            return new ModelSpec { Kind = ModelSpecKind.Hub, Text = spec, RepoId = repo, Revision = revision, FolderTried = path };
        }

        var looksLikePath = System.IO.Path.IsPathRooted(spec) || spec.Contains('/') || spec.Contains('\\') || spec.StartsWith('.');
        throw new QianruException($"unknown model '{spec}'{(looksLikePath ? $" (no folder {path})" : "")}; a model is {Accepted}.");
    }

    /// <summary>
    /// Finds the model's files: a Hub model from the Hugging Face cache, else downloaded into it (not when
    /// <see cref="HubOptions.Offline"/>); a folder or words file must exist.
    /// </summary>
    /// <exception cref="QianruException">Missing files, offline and not cached, or a failed download; one line that says what to do.</exception>
    public ResolvedModel Resolve(ModelResolveOptions? options = null, CancellationToken cancellationToken = default) =>
        Kind == ModelSpecKind.Hub
            ? Task.Run(() => ResolveAsync(options, cancellationToken), cancellationToken).GetAwaiter().GetResult()
            : ResolveLocal();

    /// <summary>Resolves without blocking the caller while a Hub model downloads; see <see cref="Resolve"/>.</summary>
    public async Task<ResolvedModel> ResolveAsync(ModelResolveOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (Kind != ModelSpecKind.Hub)
        {
            return ResolveLocal();
        }

        var hub = options?.Hub ?? HubOptions.FromEnvironment();
        var revision = Revision ?? HubCache.DefaultRevision;
        if (HubCache.FindSnapshot(hub.CacheFolder, RepoId!, revision) is { } cached)
        {
            return new ResolvedModel { Spec = this, Folder = cached.Folder, Commit = cached.Commit };
        }

        if (hub.Offline)
        {
            throw new QianruException(
                $"{Text}: not in the Hugging Face cache ({hub.CacheFolder}) and HF_HUB_OFFLINE is set; download it once with "
                + $"'qianru models pull {RepoId}{(Revision is null ? "" : " --revision " + Revision)}' (or unset HF_HUB_OFFLINE){NoFolderNote}.");
        }

        HubPullResult pulled;
        try
        {
            pulled = await HuggingFaceHub.PullAsync(RepoId!, revision, hub, options?.Progress, cancellationToken).ConfigureAwait(false);
        }
        catch (QianruException ex) when (Revision is null)
        {
            throw new QianruException(ex.Message.TrimEnd('.') + NoFolderNote + ".", ex);
        }

        return new ResolvedModel { Spec = this, Folder = pulled.Folder, Commit = pulled.Commit };
    }

    /// <summary>The spec in its canonical form: the embedded id, the full folder path, <c>ORG/NAME[@REVISION]</c> or <c>words:FILE[#pooling]</c>.</summary>
    public override string ToString() => Kind switch
    {
        ModelSpecKind.Embedded => EmbeddedId!,
        ModelSpecKind.Folder => Path!,
        ModelSpecKind.Hub => Revision is null ? RepoId! : $"{RepoId}@{Revision}",
        _ => "words:" + Path + (WordPooling is null ? "" : "#" + WordPooling),
    };

    private string NoFolderNote => Revision is null && FolderTried is not null ? $"; nor is there a model folder {FolderTried}" : "";

    private ResolvedModel ResolveLocal()
    {
        switch (Kind)
        {
            case ModelSpecKind.Embedded:
                return new ResolvedModel { Spec = this, Embedded = EmbeddedModels.Find(EmbeddedId!) };
            case ModelSpecKind.Folder when !Directory.Exists(Path):
                throw new QianruException($"{Text}: the model folder {Path} no longer exists.");
            case ModelSpecKind.Folder:
                return new ResolvedModel { Spec = this, Folder = Path };
            default:
                return File.Exists(Path)
                    ? new ResolvedModel { Spec = this }
                    : throw new QianruException($"{Text}: no such word-vectors file {Path}.");
        }
    }
}
