using System.Net;
using System.Net.Sockets;

namespace ChipAlerts.Core.Feeds;

/// <summary>
/// Keeps feed fetches off the machine's own and private networks (server-side request forgery: a
/// feed URL, or a redirect, pointing at 127.0.0.1, an intranet host or the cloud metadata service).
/// It runs as the feed client's connect step, so it sees every connection, redirects included, and
/// judges the addresses DNS returned, then connects to exactly those: a name cannot resolve to a
/// public address for the check and a private one for the connection.
/// </summary>
public static class NetworkGuard
{
    private static readonly IPNetwork[] Blocked =
    [
        IPNetwork.Parse("0.0.0.0/8"),        // "this" network
        IPNetwork.Parse("10.0.0.0/8"),       // private
        IPNetwork.Parse("100.64.0.0/10"),    // carrier-grade NAT
        IPNetwork.Parse("127.0.0.0/8"),      // loopback
        IPNetwork.Parse("169.254.0.0/16"),   // link-local, cloud metadata (169.254.169.254)
        IPNetwork.Parse("172.16.0.0/12"),    // private
        IPNetwork.Parse("192.0.0.0/24"),     // IETF protocol assignments
        IPNetwork.Parse("192.0.2.0/24"),     // documentation
        IPNetwork.Parse("192.168.0.0/16"),   // private
        IPNetwork.Parse("198.18.0.0/15"),    // benchmarking
        IPNetwork.Parse("198.51.100.0/24"),  // documentation
        IPNetwork.Parse("203.0.113.0/24"),   // documentation
        IPNetwork.Parse("224.0.0.0/3"),      // multicast, reserved, broadcast
        IPNetwork.Parse("::/96"),            // unspecified, loopback, IPv4-compatible
        IPNetwork.Parse("64:ff9b::/96"),     // NAT64: an IPv4 address inside
        IPNetwork.Parse("100::/64"),         // discard
        IPNetwork.Parse("2001:db8::/32"),    // documentation
        IPNetwork.Parse("fc00::/7"),         // unique local
        IPNetwork.Parse("fe80::/10"),        // link-local
        IPNetwork.Parse("ff00::/8"),         // multicast
    ];

    /// <summary>True for an address on the public internet; an IPv4 address mapped into IPv6 is judged as IPv4.</summary>
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        foreach (var network in Blocked)
        {
            if (network.Contains(address))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The feed client's connect step: resolve, refuse unless every address is public (or private networks
    /// are allowed, or the host is one of the <paramref name="allowedPrivateHosts"/>), connect.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, bool allowPrivateNetworks, IReadOnlyCollection<string> allowedPrivateHosts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(allowedPrivateHosts);
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken);
        var allowed = allowPrivateNetworks || allowedPrivateHosts.Contains(endpoint.Host, StringComparer.OrdinalIgnoreCase);
        if (!allowed && Array.Find(addresses, a => !IsPublic(a)) is { } blocked)
        {
            throw new BlockedAddressException(endpoint.Host, blocked);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endpoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

/// <summary>A connection the <see cref="NetworkGuard"/> refused, before any byte was sent.</summary>
public sealed class BlockedAddressException(string host, IPAddress address)
    : Exception($"{host} resolves to {address}, which is not a public internet address; add the host to ChipAlerts:Fetch:AllowedPrivateHosts (or set ChipAlerts:Fetch:AllowPrivateNetworks to true) to poll feeds on private networks.")
{
    public string Host { get; } = host;
    public IPAddress Address { get; } = address;
}
