namespace ChipAlerts.Cli.Commands;

/// <summary>The same on every command (README, "Exit codes").</summary>
public static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>Done, with failures: a feed failed, an alert failed or is waiting for a retry, an input could not be read.</summary>
    public const int Failed = 1;

    /// <summary>A usage mistake (an unknown command or option, a bad value) or an invalid configuration or setting; nothing was done.</summary>
    public const int Usage = 2;

    /// <summary>A store or service could not be reached (the database, the storage account).</summary>
    public const int Unreachable = 3;
}
