using Qianru.Server.Endpoints;

namespace Qianru.Server.Lifecycle;

/// <summary>
/// Where a server is in its life: loading its models, ready, draining (stopping; <c>/health</c> answers 503) or
/// failed to load. Counts the requests in flight that draining waits for. Thread-safe.
/// </summary>
internal sealed class ServerState
{
    private readonly Lock _lock = new();
    private EmbeddingService? _service;
    private ServerPhase _phase = ServerPhase.Loading;
    private int _inFlight;

    public ServerPhase Phase
    {
        get
        {
            lock (_lock)
            {
                return _phase;
            }
        }
    }

    /// <summary>The models' queues; only read after the front door let a request through as ready.</summary>
    public EmbeddingService Service => _service ?? throw new InvalidOperationException("The models are not loaded.");

    /// <summary>The service when loaded (also while draining), else null.</summary>
    public EmbeddingService? LoadedService => Volatile.Read(ref _service);

    /// <summary>Requests past the front door and not yet answered.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Moves from loading to ready; false (and nothing changes) when the server began stopping first.</summary>
    public bool TrySetReady(EmbeddingService service)
    {
        lock (_lock)
        {
            if (_phase != ServerPhase.Loading)
            {
                return false;
            }

            Volatile.Write(ref _service, service);
            _phase = ServerPhase.Ready;
            return true;
        }
    }

    public void SetFailed()
    {
        lock (_lock)
        {
            if (_phase == ServerPhase.Loading)
            {
                _phase = ServerPhase.Failed;
            }
        }
    }

    /// <summary>Starts draining: from now on new requests are refused and <c>/health</c> says 503.</summary>
    public void BeginDraining()
    {
        lock (_lock)
        {
            _phase = ServerPhase.Draining;
        }
    }

    public void Enter() => Interlocked.Increment(ref _inFlight);

    public void Leave() => Interlocked.Decrement(ref _inFlight);
}
