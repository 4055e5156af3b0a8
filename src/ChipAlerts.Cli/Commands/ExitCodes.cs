namespace ChipAlerts.Cli.Commands;

public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command could not do its work (an unreadable input, say); the output says why.</summary>
    public const int Failed = 1;

    /// <summary>The configuration file or a setting it names is invalid; the output lists every problem.</summary>
    public const int BadConfiguration = 2;
}
