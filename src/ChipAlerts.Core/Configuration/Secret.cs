namespace ChipAlerts.Core.Configuration;

/// <summary>
/// A secret value (password, webhook URL, signing key). <see cref="ToString"/> redacts it, so a secret
/// that slips into a log template or an exception message shows as "***".
/// </summary>
public sealed class Secret(string value)
{
    public string Reveal() => value;

    public override string ToString() => "***";
}
