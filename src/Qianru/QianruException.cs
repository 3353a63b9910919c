namespace Qianru;

/// <summary>
/// An error in what the caller gave Qianru (a model folder, a file, a value) that the caller can fix.
/// The message names the file, field or value and says what is allowed.
/// </summary>
/// <remarks>The CLI reports it in one line with exit code 2; the server answers it with a 4xx status.</remarks>
public class QianruException : Exception
{
    /// <summary>Creates the exception with a message that names what is wrong.</summary>
    public QianruException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public QianruException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
