using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace ChipAlerts.Core.Feeds;

/// <summary>The bytes of a feed, or word that it has not changed since the validators we hold.</summary>
public sealed record FetchResult
{
    public required bool NotModified { get; init; }
    public byte[] Body { get; init; } = [];
    public string? Charset { get; init; }
    public string? ETag { get; init; }
    public string? LastModified { get; init; }
}

/// <summary>
/// Fetches one feed within bounded time and memory: conditional GET, decompression, one deadline
/// covering the body too (HttpClient.Timeout does not), and a cap on the decompressed size.
/// It never retries: the planner owns when a failed feed is tried again.
/// </summary>
public sealed class FeedFetcher(IHttpClientFactory httpClients, IOptions<FetchOptions> options, TimeProvider time)
{
    public const string HttpClientName = "feeds";

    private readonly FetchOptions options = options.Value;

    public async Task<FetchResult> FetchAsync(Uri url, string? etag, string? lastModified, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(options.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return url.IsFile
                ? await ReadFileAsync(url, linked.Token)
                : await GetAsync(url, etag, lastModified, linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new FeedException("timeout", $"no complete answer within {options.Timeout.TotalSeconds:0.###} s.");
        }
        catch (HttpRequestException e) when (e.InnerException is BlockedAddressException blocked)
        {
            throw new FeedException("blocked-address", $"refused before connecting: {blocked.Message}", inner: e);
        }
        catch (HttpRequestException e)
        {
            throw new FeedException("network", $"request failed: {e.Message}", inner: e);
        }
        catch (InvalidDataException e)
        {
            throw new FeedException("bad-encoding", $"the compressed body is corrupt: {e.Message}", inner: e);
        }
        catch (IOException e) when (!url.IsFile)
        {
            throw new FeedException("network", $"connection failed while reading: {e.Message}", inner: e);
        }
    }

    private async Task<FetchResult> GetAsync(Uri url, string? etag, string? lastModified, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.UserAgent.ParseAdd(options.UserAgent);
        request.Headers.Accept.ParseAdd("application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1");
        if (etag is not null && EntityTagHeaderValue.TryParse(etag, out var tag))
        {
            request.Headers.IfNoneMatch.Add(tag);
        }

        if (lastModified is not null && DateTimeOffset.TryParse(lastModified, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var since))
        {
            request.Headers.IfModifiedSince = since;
        }

        using var response = await httpClients.CreateClient(HttpClientName)
            .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);

        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            return new FetchResult { NotModified = true, ETag = etag, LastModified = lastModified };
        }

        if (!response.IsSuccessStatusCode)
        {
            // A body that looks like a feed does not make an error status a success.
            var status = (int)response.StatusCode;
            throw new FeedException($"http-{status}", $"the server answered {status} {response.ReasonPhrase}.", Backoff.RetryAfter(response, time));
        }

        if (response.Content.Headers.ContentLength > options.MaxBytes)
        {
            throw TooLarge($"the server announced {response.Content.Headers.ContentLength:N0} bytes");
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return new FetchResult
        {
            NotModified = false,
            Body = await ReadCappedAsync(body, cancellationToken),
            Charset = response.Content.Headers.ContentType?.CharSet,
            ETag = response.Headers.ETag?.ToString(),
            LastModified = response.Content.Headers.LastModified?.ToString("R"),
        };
    }

    private async Task<FetchResult> ReadFileAsync(Uri url, CancellationToken cancellationToken)
    {
        if (!File.Exists(url.LocalPath))
        {
            throw new FeedException("not-found", $"the file '{url.LocalPath}' does not exist.");
        }

        await using var file = File.OpenRead(url.LocalPath);
        return new FetchResult { NotModified = false, Body = await ReadCappedAsync(file, cancellationToken) };
    }

    /// <summary>Reads at most MaxBytes (counted after decompression, since the handler decompresses); also for feed text from standard input.</summary>
    public async Task<byte[]> ReadCappedAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > options.MaxBytes)
            {
                throw TooLarge("the body");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private FeedException TooLarge(string what) =>
        new("too-large", $"{what} exceeds the cap of {options.MaxBytes:N0} bytes (ChipAlerts:Fetch:MaxBytes).");

    /// <summary>The handler behind the "feeds" client: all encodings, bounded redirects, no cookies.</summary>
    public static HttpMessageHandler CreateHandler(FetchOptions options) => new SocketsHttpHandler
    {
        AutomaticDecompression = DecompressionMethods.All,
        AllowAutoRedirect = options.MaxRedirects > 0,
        MaxAutomaticRedirections = Math.Max(1, options.MaxRedirects),
        UseCookies = false,
        ConnectTimeout = options.Timeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        UseProxy = false, // the guard must see the feed's own address, not a proxy's
        ConnectCallback = (context, cancellationToken) => NetworkGuard.ConnectAsync(context.DnsEndPoint, options.AllowPrivateNetworks, cancellationToken),
    };
}
