namespace Qianru.Server.Http;

/// <summary>A request the server refuses, with the status and the OpenAI-shaped error it answers.</summary>
internal sealed class ApiException : Exception
{
    private ApiException(int status, string message, string type, string? param, string? code)
        : base(message)
    {
        Status = status;
        Type = type;
        Param = param;
        Code = code;
    }

    public int Status { get; }

    public string Type { get; }

    public string? Param { get; }

    public string? Code { get; }

    public static ApiException BadRequest(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status400BadRequest, message, "invalid_request_error", param, code);

    public static ApiException NotFound(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status404NotFound, message, "invalid_request_error", param, code);

    public static ApiException TooLarge(string message, string? param = null, string? code = null) =>
        new(StatusCodes.Status413PayloadTooLarge, message, "invalid_request_error", param, code);

    public static ApiException MethodNotAllowed(string message) =>
        new(StatusCodes.Status405MethodNotAllowed, message, "invalid_request_error", null, "method_not_allowed");

    public static ApiException Unauthorized(string message) =>
        new(StatusCodes.Status401Unauthorized, message, "invalid_request_error", null, "invalid_api_key");

    public static ApiException Overloaded(string message) =>
        new(StatusCodes.Status429TooManyRequests, message, "rate_limit_error", null, "rate_limit_exceeded");

    public static ApiException Internal() =>
        new(StatusCodes.Status500InternalServerError, "The server failed to process the request.", "server_error", null, null);

    public static ApiException UnsupportedMediaType(string message) =>
        new(StatusCodes.Status415UnsupportedMediaType, message, "invalid_request_error", null, "unsupported_media_type");

    public static ApiException Unavailable(string message, string code = "shutting_down") =>
        new(StatusCodes.Status503ServiceUnavailable, message, "server_error", null, code);
}
