using System.CommandLine;
using Qianru.Cli.Infrastructure;
using Qianru.Models.Hub;

namespace Qianru.Cli.Commands;

/// <summary>
/// <c>qianru models pull ORG/NAME [--revision R]</c>: downloads a Hugging Face model into the Hugging Face cache,
/// as huggingface_hub lays it out. A subcommand of <see cref="ModelsCommand"/>.
/// </summary>
internal static class ModelsPullCommand
{
    public static Command Build(CliContext context)
    {
        var model = new Argument<string>("MODEL") { Description = "A Hugging Face model id, ORG/NAME (e.g. BAAI/bge-small-zh-v1.5), optionally ORG/NAME@REVISION." };
        var revision = new Option<string?>("--revision") { Description = "A branch, tag or commit hash (default: main)." };
        var command = new Command(
            "pull",
            "Download a Hugging Face model into the Hugging Face cache (HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub), shared with Python: configuration, tokenizer, sentence-transformers modules and one weight format. Set HF_ENDPOINT for a mirror and HF_TOKEN for gated or private models; an interrupted pull resumes.")
        {
            model,
            revision,
        };
        command.SetAction(async (parse, cancel) =>
        {
            var text = parse.GetValue(model)!.Trim();
            var at = text.IndexOf('@');
            var repoId = at < 0 ? text : text[..at];
            var rev = parse.GetValue(revision);
            if (at >= 0)
            {
                if (rev is not null)
                {
                    throw new CliUsageException($"{text}: give the revision either after @ or with --revision, not both.");
                }

                rev = text[(at + 1)..];
            }

            HubPullResult result;
            using (var progress = DownloadProgress.Start(context))
            {
                result = await HuggingFaceHub.PullAsync(repoId, rev, context.HubOptions(), progress, cancel);
            }

            context.Out.WriteLine(
                $"{result.RepoId}@{result.Revision}: commit {result.Commit}, {result.Files.Count} files ({DownloadProgress.Size(result.TotalBytes)}); "
                + (result.Downloaded == 0 ? "all were cached" : $"downloaded {result.Downloaded} ({DownloadProgress.Size(result.DownloadedBytes)})"));
            context.Out.WriteLine($"snapshot: {result.Folder}");
            return ExitCodes.Success;
        });
        return command;
    }
}
