namespace Qianru.Server.Lifecycle;

/// <summary>The phases of <see cref="ServerState"/>, as <c>GET /health</c> reports them.</summary>
internal enum ServerPhase
{
    /// <summary>Listening while the models load: <c>/health</c> 503 <c>loading</c>, other endpoints 503.</summary>
    Loading,

    /// <summary>Serving: <c>/health</c> 200 <c>ok</c>.</summary>
    Ready,

    /// <summary>Stopping: <c>/health</c> 503 <c>draining</c>; new requests 503, requests in flight are answered.</summary>
    Draining,

    /// <summary>The models failed to load: <c>/health</c> 503 <c>failed</c> until the owner stops the server.</summary>
    Failed,
}
