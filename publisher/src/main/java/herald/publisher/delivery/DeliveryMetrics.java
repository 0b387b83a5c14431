package herald.publisher.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The delivery metrics, per channel: publish → delivered latency, attempts by outcome, dead
 * deliveries and the backlog.
 */
public final class DeliveryMetrics {

  /** Outcomes of an attempt. */
  public static final List<String> OUTCOMES = List.of("sent", "failed", "timeout", "undeliverable");

  private final MeterRegistry registry;
  private final Map<String, AtomicLong> backlog = new ConcurrentHashMap<>();

  /** Metrics for the channels, registered up front so that dashboards show zeros, not gaps. */
  public DeliveryMetrics(MeterRegistry registry, List<String> channels) {
    this.registry = registry;
    for (String c : channels) {
      OUTCOMES.forEach(o -> attempts(c, o));
      dead(c);
      latency(c);
      AtomicLong b = new AtomicLong();
      backlog.put(c, b);
      Gauge.builder("herald.publisher.delivery.backlog", b, AtomicLong::get)
          .description("Deliveries pending, being sent or waiting for a retry")
          .tag("channel", c)
          .register(registry);
    }
  }

  /** Counts an attempt's outcome. */
  public void attempt(String channel, String outcome) {
    attempts(channel, outcome).increment();
  }

  /** Counts a delivery given up. */
  public void dead(String channel, int count) {
    dead(channel).increment(count);
  }

  /** Records the time from the api's publish to the channel's confirmation. */
  public void delivered(String channel, Duration sincePublish) {
    if (!sincePublish.isNegative()) {
      latency(channel).record(sincePublish);
    }
  }

  /** Sets the backlog of each channel; a channel missing from the map has none. */
  public void backlog(Map<String, Long> perChannel) {
    backlog.forEach((c, v) -> v.set(perChannel.getOrDefault(c, 0L)));
  }

  private Counter attempts(String channel, String outcome) {
    return Counter.builder("herald.publisher.delivery.attempts")
        .description("Delivery attempts by channel and outcome")
        .tag("channel", channel)
        .tag("outcome", outcome.toLowerCase(Locale.ROOT))
        .register(registry);
  }

  private Counter dead(String channel) {
    return Counter.builder("herald.publisher.delivery.dead")
        .description("Deliveries given up (dead), by channel")
        .tag("channel", channel)
        .register(registry);
  }

  private Timer latency(String channel) {
    return Timer.builder("herald.publisher.delivery.latency")
        .description(
            "From the api's publish to the channel's confirmation, first attempts and retries")
        .tag("channel", channel)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(5))
        .maximumExpectedValue(Duration.ofHours(2))
        .register(registry);
  }
}
