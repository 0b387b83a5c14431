package herald.events;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * A {@link ConsumerLoop}'s meters, tagged {@code consumer=<name>}: poison records, retriable
 * failures, lag and whether it is ready. Without a registry they count for nobody.
 */
final class ConsumerMetrics {
  private final MeterRegistry registry;
  private final Counter poison;
  private final Counter failures;
  private final List<Meter> meters;

  ConsumerMetrics(MeterRegistry given, String name, LongSupplier lag, BooleanSupplier ready) {
    this.registry = given == null ? new SimpleMeterRegistry() : given;
    this.poison =
        Counter.builder("herald.consumer.poison")
            .description("Records passed over because they can never be handled")
            .tag("consumer", name)
            .register(registry);
    this.failures =
        Counter.builder("herald.consumer.failures")
            .description("Retriable failures the consumer backed off from")
            .tag("consumer", name)
            .register(registry);
    this.meters =
        List.of(
            poison,
            failures,
            Gauge.builder("herald.consumer.lag", lag::getAsLong)
                .description("Records of the consumer's partitions not read yet")
                .tag("consumer", name)
                .register(registry),
            Gauge.builder("herald.consumer.ready", () -> ready.getAsBoolean() ? 1 : 0)
                .description("1 while the consumer is running, else 0 (see /health/ready)")
                .tag("consumer", name)
                .register(registry));
  }

  void poison() {
    poison.increment();
  }

  void failure() {
    failures.increment();
  }

  /** Takes the meters out of the registry. */
  void remove() {
    meters.forEach(registry::remove);
  }
}
