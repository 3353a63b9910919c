using System.CommandLine;
using Qianru.Cli.Demo;
using Qianru.Cli.Infrastructure;

namespace Qianru.Cli.Commands;

/// <summary><c>qianru demo</c>: the tutorial's examples, end to end, with no network.</summary>
internal sealed class DemoCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        var model = new ModelOptions();
        var plot = new Option<string?>("--plot") { Description = "Also write similarity.png (heatmap) and clusters.png (PCA scatter) into this folder." };
        var command = new Command("demo", "Run the tutorial's examples: one-hot vs. embedding table, similarity, DBSCAN/KMeans clustering, a local model.");
        model.AddTo(command);
        command.Options.Add(plot);
        command.SetAction(parse =>
        {
            string? folder = null;
            if (parse.GetValue(plot) is { } p)
            {
                folder = context.ResolvePath(p);
                Directory.CreateDirectory(folder);
            }

            using var embedder = model.Load(parse, context);
            context.Out.WriteLine($"Qianru demo — model {embedder.Model.Id}: {embedder.Model.Description}");
            new SeedDemo(context.Out, embedder, folder, context.Error).Run();
            return ExitCodes.Success;
        });
        return command;
    }
}
