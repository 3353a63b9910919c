using Npgsql;
using Qianru.Collections.PostgreSQL;

namespace Qianru.Tests.Collections;

public sealed class PostgresLocationTests
{
    [Fact]
    public void A_uri_becomes_a_connection_string_and_a_display_form_without_the_password()
    {
        var location = PostgresLocation.Parse("postgresql://app:p%40ss%2Fw0rd@[::1]:6543/search?collection=docs&sslmode=require&max_pool_size=3&connect_timeout=7");
        var builder = new NpgsqlConnectionStringBuilder(location.ConnectionString);
        Assert.Equal(("::1", 6543, "app", "p@ss/w0rd", "search"), (builder.Host, builder.Port, builder.Username, builder.Password, builder.Database));
        Assert.Equal((SslMode.Require, 3, 7), (builder.SslMode, builder.MaxPoolSize, builder.Timeout));
        Assert.Equal("docs", location.Collection);
        Assert.Equal("postgres://app@[::1]:6543/search?collection=docs", location.Display);
        Assert.Equal("failed: *** and ***", location.Scrub("failed: p@ss/w0rd and p%40ss%2Fw0rd"));

        var defaults = PostgresLocation.Parse("postgres://app@db.example?collection=docs");
        builder = new NpgsqlConnectionStringBuilder(defaults.ConnectionString);
        Assert.Equal((5432, "app"), (builder.Port, builder.Database));
        Assert.Equal("postgres://app@db.example:5432/app?collection=docs", defaults.Display);
    }

    [Theory]
    [InlineData("postgres://app:Secret1@db/search", "needs ?collection=NAME")]
    [InlineData("postgres://app:Secret1@db/search?collection=1docs", "needs ?collection=NAME")]
    [InlineData("postgres://app:Secret1@db/search?collection=docs&password=Secret1", "unknown URI parameter 'password'")]
    [InlineData("postgres://app:Secret1@db/search?collection=docs&sslmode=sometimes", "sslmode 'sometimes'")]
    [InlineData("postgres://app:Secret1@db/search?collection=docs&max_pool_size=0", "max_pool_size must be a whole number")]
    [InlineData("mysql://app:Secret1@db/search?collection=docs", "not a PostgreSQL collection URI")]
    public void Unusable_uris_are_refused_in_one_line_without_the_password(string uri, string expected)
    {
        var e = Assert.Throws<QianruException>(() => PostgresLocation.Parse(uri));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("Secret1", e.Message);
    }
}
