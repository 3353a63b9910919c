using System.CommandLine;
using Qianru.Cli.Infrastructure;
using Qianru.Cli.WordVectors;

namespace Qianru.Cli.Commands;

/// <summary><c>qianru onehot TEXT... [--words] [--dim D --seed S]</c>: the seed's one-hot and embedding-table walk-through.</summary>
internal sealed class OneHotCommand : ICliCommand
{
    public Command Build(CliContext context)
    {
        var texts = new Argument<string[]>("texts") { Description = "Texts to encode (characters are tokens unless --words)", Arity = ArgumentArity.OneOrMore };
        var words = new Option<bool>("--words") { Description = "Split on white space into words instead of characters" };
        var dim = new Option<int?>("--dim") { Description = "Also multiply by a random embedding table with this many columns and compare with the lookup" }.InRange(1, 1024);
        var seed = new Option<int>("--seed") { Description = "Seed of the random embedding table", DefaultValueFactory = _ => 1 };
        var command = new Command("onehot", "One-hot encode texts over their first-seen vocabulary; with --dim, show that one-hot × table equals the table lookup");
        command.Arguments.Add(texts);
        command.Options.Add(words);
        command.Options.Add(dim);
        command.Options.Add(seed);
        command.SetAction(parse =>
        {
            var d = parse.GetValue(dim);
            var equal = OneHotFormatter.Write(context.Out, parse.GetValue(texts)!, parse.GetValue(words), d, parse.GetValue(seed));
            return equal ? ExitCodes.Success : ExitCodes.Failure;
        });
        return command;
    }
}
