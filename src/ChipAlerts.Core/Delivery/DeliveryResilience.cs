using ChipAlerts.Core.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;

namespace ChipAlerts.Core.Delivery;

/// <summary>
/// Polly around every send. Per destination (one channel address): quick retries with exponential backoff
/// and jitter, honouring a short Retry-After, and a rate limit by channel type, which every attempt waits
/// for. Per endpoint (the server behind several destinations: the SMTP relay, a webhook host): a circuit
/// breaker, so an outage costs a few failed sends, not one per subscriber. Longer waits are not held
/// here: the outcome goes back to <see cref="Outbox.AlertOutbox"/>, whose schedule survives restarts.
/// </summary>
public sealed partial class DeliveryResilience(IOptions<DeliveryOptions> options, TimeProvider time, ILogger<DeliveryResilience> logger) : IDisposable
{
    private readonly DeliveryOptions options = options.Value;
    private readonly ResiliencePipelineRegistry<string> destinations = new();
    private readonly ResiliencePipelineRegistry<string> endpoints = new();

    /// <summary>
    /// Sends through the pipelines of <paramref name="address"/> and its endpoint. An open circuit gives
    /// <see cref="DeliveryOutcome.Deferred"/>: nothing was sent.
    /// </summary>
    public async Task<DeliveryResult> SendAsync(
        IAlertChannel channel, ChannelAddress address, Func<CancellationToken, Task<DeliveryResult>> send, CancellationToken cancellationToken)
    {
        var endpointName = $"{channel.Type} {channel.EndpointOf(address)}";
        var endpoint = endpoints.GetOrAddPipeline<DeliveryResult>(endpointName, builder => ConfigureEndpoint(builder, endpointName));
        var destination = destinations.GetOrAddPipeline<DeliveryResult>(address.ToString(), (builder, context) => ConfigureDestination(builder, context, address.Type));
        DeliveryResult? last = null;
        try
        {
            return await destination.ExecuteAsync(
                async token => await endpoint.ExecuteAsync(async inner => last = await send(inner), token), cancellationToken);
        }
        catch (BrokenCircuitException e)
        {
            // Without a RetryAfter the circuit is half-open: one trial is on its way, the rest wait a moment.
            var wait = e.RetryAfter ?? TimeSpan.FromSeconds(1);
            if (last is not null)
            {
                // It was tried, and failed, before the circuit opened on its retry: that attempt counts.
                return last with { RetryAfter = last.RetryAfter > wait ? last.RetryAfter : wait };
            }

            return DeliveryResult.Defer($"{endpointName} failed repeatedly; its circuit is open, not tried for {Math.Ceiling(wait.TotalSeconds):0} s.", wait);
        }
    }

    private void ConfigureDestination(ResiliencePipelineBuilder<DeliveryResult> builder, ConfigureBuilderContext<string> context, string type)
    {
        // Real time: these waits are short and physical (a blip, a server's pacing), not the outbox's schedule.
        builder.TimeProvider = TimeProvider.System;
        if (options.QuickRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<DeliveryResult>
            {
                MaxRetryAttempts = options.QuickRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.QuickRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { Outcome: DeliveryOutcome.RetryableFailure } result
                    && (result.RetryAfter is null || result.RetryAfter <= options.QuickRetryMaxWait)),
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result?.RetryAfter is { } asked && asked > TimeSpan.Zero ? asked : (TimeSpan?)null),
            });
        }

        if (options.MessagesPerSecond.TryGetValue(type, out var perSecond) && perSecond > 0)
        {
            // Evenly spaced sends (a Pacer; see there why not a token bucket).
            var limiter = new Pacer(TimeSpan.FromSeconds(1 / perSecond));
            context.OnPipelineDisposed(limiter.Dispose);
            builder.AddRateLimiter(limiter);
        }
    }

    private void ConfigureEndpoint(ResiliencePipelineBuilder<DeliveryResult> builder, string name)
    {
        builder.TimeProvider = time;
        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<DeliveryResult>
        {
            FailureRatio = 0.5,
            MinimumThroughput = options.BreakerFailures,
            SamplingDuration = TimeSpan.FromMinutes(1),
            BreakDuration = options.BreakDuration,
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Result is { Outcome: DeliveryOutcome.RetryableFailure } || args.Outcome.Exception is not (null or OperationCanceledException)),
            OnOpened = args =>
            {
                LogOpened(name, args.BreakDuration);
                return ValueTask.CompletedTask;
            },
            OnClosed = _ =>
            {
                LogClosed(name);
                return ValueTask.CompletedTask;
            },
        });
    }

    public void Dispose()
    {
        destinations.Dispose();
        endpoints.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Circuit of {Endpoint} opened for {Duration}: its alerts wait")]
    private partial void LogOpened(string endpoint, TimeSpan duration);

    [LoggerMessage(Level = LogLevel.Information, Message = "Circuit of {Endpoint} closed: it delivers again")]
    private partial void LogClosed(string endpoint);
}
