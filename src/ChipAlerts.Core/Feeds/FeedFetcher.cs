using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Threading.RateLimiting;
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

    /// <summary>Where the feed now lives, when every redirect on the way was permanent (301 or 308); the caller stores it.</summary>
    public Uri? MovedTo { get; init; }

    /// <summary>The response's <c>Cache-Control: max-age</c>: the publisher asks not to be polled more often.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>Where the body came from after every redirect, temporary ones too: the base its relative links resolve against.</summary>
    public Uri? Location { get; init; }

    /// <summary>The WebSub hub and topic of the response's <c>Link</c> header, which discovery reads before the document's.</summary>
    public WebSubLinks? WebSub { get; init; }
}

/// <summary>
/// Fetches one feed within bounded time and memory: conditional GET, redirects followed one by one
/// (so a permanent move is noticed and every hop passes the network guard), decompression counted
/// against the cap, and one deadline covering the body too (HttpClient.Timeout does not).
/// It never retries: the planner owns when a failed feed is tried again.
/// </summary>
public sealed class FeedFetcher(IHttpClientFactory httpClients, IOptions<FetchOptions> options, TimeProvider time) : IDisposable
{
    public const string HttpClientName = "feeds";

    private const int ChunkSize = 80 * 1024;

    private readonly FetchOptions options = options.Value;

    /// <summary>
    /// One client for the fetcher's life (it is a singleton): its handler pools connections per host and renews them
    /// every few minutes (PooledConnectionLifetime), so it follows DNS without the factory's handler rotation.
    /// </summary>
    private HttpClient Client => client ??= httpClients.CreateClient(HttpClientName);

    private HttpClient? client;

    /// <summary>
    /// At most MaxPerHost requests to one host at once, whoever asks: a cycle's feeds, a host's fanned-out feed
    /// messages, a feed's redirects (each hop holds the slot of its own host, the body read included). Waiters are
    /// served first come, first served; a host's limiter is dropped once it has been idle a while.
    /// </summary>
    private readonly PartitionedRateLimiter<string> hosts = PartitionedRateLimiter.Create<string, string>(
        host => RateLimitPartition.GetConcurrencyLimiter(host, _ => new ConcurrencyLimiterOptions
        {
            PermitLimit = options.Value.MaxPerHost,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        }),
        StringComparer.OrdinalIgnoreCase);

    /// <summary>The per-host limiters (for tests: who waits for a host).</summary>
    internal PartitionedRateLimiter<string> Hosts => hosts;

    public void Dispose() => hosts.Dispose();

    public async Task<FetchResult> FetchAsync(Uri url, string? etag, string? lastModified, CancellationToken cancellationToken)
    {
        // Waiting for the host's slot is not the feed's time: its deadline starts when its request can go.
        using var slot = url.IsFile ? null : await hosts.AcquireAsync(url.IdnHost, 1, cancellationToken);
        using var deadline = new CancellationTokenSource(options.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return slot is null
                ? await ReadFileAsync(url, linked.Token)
                : await GetAsync(url, slot, etag, lastModified, linked.Token);
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
            throw new FeedException("bad-compression", $"the compressed body is corrupt: {e.Message}", inner: e);
        }
        catch (IOException e) when (!url.IsFile)
        {
            throw new FeedException("network", $"connection failed while reading: {e.Message}", inner: e);
        }
    }

    /// <summary>The request and its redirects; <paramref name="first"/> is the slot of the first hop's host, given up when it ends.</summary>
    private async Task<FetchResult> GetAsync(Uri url, IDisposable first, string? etag, string? lastModified, CancellationToken cancellationToken)
    {
        var client = Client;
        var current = url;
        var permanent = true;
        for (var redirects = 0; ; redirects++)
        {
            // Each hop holds its own host's slot, and only its own: a redirect never waits holding another host's.
            using var slot = redirects == 0 ? first : await hosts.AcquireAsync(current.IdnHost, 1, cancellationToken);
            using var request = Request(current, etag, lastModified);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (status is 301 or 302 or 303 or 307 or 308 && response.Headers.Location is { } location)
            {
                if (redirects == options.MaxRedirects)
                {
                    throw new FeedException("too-many-redirects", $"more than {options.MaxRedirects} redirects (ChipAlerts:Fetch:MaxRedirects); the last pointed to {Describe(current, location)}.");
                }

                var next = new Uri(current, location);
                if (next.Scheme is not ("http" or "https"))
                {
                    throw new FeedException("bad-redirect", $"a redirect to a {next.Scheme}: URL is refused; feeds redirect to http(s) only.");
                }

                permanent &= status is 301 or 308;
                current = next;
                continue;
            }

            return await ReadResponseAsync(response, permanent && current != url ? current : null, etag, lastModified, cancellationToken) with { Location = current };
        }
    }

    private HttpRequestMessage Request(Uri url, string? etag, string? lastModified)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.UserAgent.ParseAdd(options.UserAgent);
        request.Headers.Accept.ParseAdd("application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.1");
        request.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br");
        if (etag is not null && EntityTagHeaderValue.TryParse(etag, out var tag))
        {
            request.Headers.IfNoneMatch.Add(tag);
        }

        if (lastModified is not null && DateTimeOffset.TryParse(lastModified, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var since))
        {
            request.Headers.IfModifiedSince = since;
        }

        return request;
    }

    private async Task<FetchResult> ReadResponseAsync(HttpResponseMessage response, Uri? movedTo, string? etag, string? lastModified, CancellationToken cancellationToken)
    {
        var maxAge = response.Headers.CacheControl?.MaxAge;
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            return new FetchResult { NotModified = true, ETag = etag, LastModified = lastModified, MovedTo = movedTo, MaxAge = maxAge };
        }

        if (!response.IsSuccessStatusCode)
        {
            // A body that looks like a feed does not make an error status a success.
            var status = (int)response.StatusCode;
            throw status == 410
                ? new FeedException("gone", "the server answered 410 Gone: the publisher has removed this feed for good. It is no longer polled; give it a new url or remove it from the configuration.")
                : new FeedException($"http-{status}", $"the server answered {status} {response.ReasonPhrase}.", Backoff.RetryAfter(response, time));
        }

        if (response.Content.Headers.ContentLength > options.MaxBytes)
        {
            throw TooLarge("too-large", $"the server announced {response.Content.Headers.ContentLength:N0} bytes");
        }

        var encoding = response.Content.Headers.ContentEncoding.LastOrDefault()?.ToLowerInvariant();
        await using var raw = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var body = encoding switch
        {
            null or "identity" => raw,
            "gzip" or "x-gzip" => new GZipStream(raw, CompressionMode.Decompress),
            "deflate" => new ZLibStream(raw, CompressionMode.Decompress),
            "br" => new BrotliStream(raw, CompressionMode.Decompress),
            _ => throw new FeedException("bad-compression", $"the body is compressed with '{encoding}', which was not asked for (gzip, deflate and br were)."),
        };
        return new FetchResult
        {
            NotModified = false,
            Body = encoding is null or "identity"
                ? await ReadCappedAsync(body, "too-large", response.Content.Headers.ContentLength, cancellationToken)
                : await ReadCappedAsync(body, "inflates-too-large", null, cancellationToken),
            Charset = response.Content.Headers.ContentType?.CharSet,
            ETag = response.Headers.ETag?.ToString(),
            LastModified = response.Content.Headers.LastModified?.ToString("R"),
            MovedTo = movedTo,
            MaxAge = maxAge,
            WebSub = response.Headers.TryGetValues("Link", out var links) ? WebSubLinks.FromHeader(links, response.RequestMessage!.RequestUri!) : null,
        };
    }

    /// <summary>A redirect target for a message: scheme, host and path, no query (it may carry a token).</summary>
    private static string Describe(Uri current, Uri location) => new Uri(current, location).GetLeftPart(UriPartial.Path);

    private async Task<FetchResult> ReadFileAsync(Uri url, CancellationToken cancellationToken)
    {
        if (!File.Exists(url.LocalPath))
        {
            throw new FeedException("not-found", $"the file '{url.LocalPath}' does not exist.");
        }

        await using var file = File.OpenRead(url.LocalPath);
        return new FetchResult { NotModified = false, Body = await ReadCappedAsync(file, cancellationToken) };
    }

    /// <summary>Reads at most MaxBytes (counted after decompression); also for feed text from standard input.</summary>
    public Task<byte[]> ReadCappedAsync(Stream body, CancellationToken cancellationToken) =>
        ReadCappedAsync(body, "too-large", null, cancellationToken);

    /// <summary>
    /// Reads into one array when the length is announced (and within the cap, checked before); otherwise
    /// into fixed chunks copied once into an array of the exact size. Either way a body that breaks the
    /// cap has cost about the cap, and there is no doubling buffer.
    /// </summary>
    private async Task<byte[]> ReadCappedAsync(Stream body, string tooLargeCode, long? announcedLength, CancellationToken cancellationToken)
    {
        if (announcedLength is { } length)
        {
            var exact = new byte[length];
            await body.ReadExactlyAsync(exact, cancellationToken);
            return exact;
        }

        var chunks = new List<byte[]>();
        long total = 0;
        while (true)
        {
            var chunk = new byte[ChunkSize];
            var filled = 0;
            int read;
            while (filled < chunk.Length && (read = await body.ReadAsync(chunk.AsMemory(filled), cancellationToken)) > 0)
            {
                filled += read;
                if (total + filled > options.MaxBytes)
                {
                    throw TooLarge(tooLargeCode, tooLargeCode == "too-large" ? "the body" : "the decompressed body");
                }
            }

            if (filled < chunk.Length)
            {
                var result = new byte[total + filled];
                var at = 0;
                foreach (var full in chunks)
                {
                    full.CopyTo(result, at);
                    at += full.Length;
                }

                chunk.AsSpan(0, filled).CopyTo(result.AsSpan(at));
                return result;
            }

            chunks.Add(chunk);
            total += filled;
        }
    }

    private FeedException TooLarge(string code, string what) =>
        new(code, $"{what} exceeds the cap of {options.MaxBytes:N0} bytes (ChipAlerts:Fetch:MaxBytes).");

    /// <summary>The handler behind the "feeds" client: no cookies, no proxy; the fetcher itself follows redirects and decompresses.</summary>
    public static HttpMessageHandler CreateHandler(FetchOptions options) => new SocketsHttpHandler
    {
        AutomaticDecompression = DecompressionMethods.None,
        AllowAutoRedirect = false,
        UseCookies = false,
        ConnectTimeout = options.Timeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        UseProxy = false, // the guard must see the feed's own address, not a proxy's
        ConnectCallback = (context, cancellationToken) => NetworkGuard.ConnectAsync(context.DnsEndPoint, options.AllowPrivateNetworks, options.AllowedPrivateHosts, cancellationToken),
    };
}
