using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Qianru.Server.Lifecycle;

/// <summary>
/// Runs first when the host stops (SIGTERM, Ctrl+C or <see cref="QianruServer.StopAsync"/>), before Kestrel closes its
/// port: turns <c>/health</c> to 503, then waits until the requests in flight are answered and
/// <see cref="QianruServerOptions.DrainDelay"/> has passed (at most the host's shutdown timeout), so that a load
/// balancer stops sending before the process stops listening.
/// </summary>
internal sealed class DrainOnStop(ServerState state, TimeSpan delay, ILogger logger) : IHostedLifecycleService
{
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        state.BeginDraining();
        if ((state.InFlight > 0 || delay > TimeSpan.Zero) && logger.IsEnabled(LogLevel.Information))
        {
            logger.LogInformation("Draining: /health answers 503, {InFlight} requests in flight.", state.InFlight);
        }

        try
        {
            while (state.InFlight > 0 || watch.Elapsed < delay)
            {
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Drain timed out with {InFlight} requests in flight.", state.InFlight);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
