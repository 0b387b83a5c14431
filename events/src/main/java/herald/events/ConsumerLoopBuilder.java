package herald.events;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** How to build a {@link ConsumerLoop}: {@code ConsumerLoop.builder(name, properties, topic)}. */
public final class ConsumerLoopBuilder {
  final String name;
  final Properties properties;
  final String topic;
  ConsumerLoop.Handler handler;
  boolean assignAll;
  ConsumerLoop.Positions positions;
  ConsumerLoop.Hook betweenPolls;
  ConsumerLoop.Hook beforeClose;
  Duration pollTimeout = Duration.ofMillis(500);
  MeterRegistry registry;

  ConsumerLoopBuilder(String name, Properties properties, String topic) {
    this.name = name;
    this.properties = properties;
    this.topic = topic;
  }

  /** What to do with each partition's records. */
  public ConsumerLoopBuilder handler(ConsumerLoop.Handler handler) {
    this.handler = handler;
    return this;
  }

  /**
   * What to do with each record, one at a time, each done as soon as it returns; a {@link
   * MalformedEventException} makes it poison.
   */
  public ConsumerLoopBuilder eachRecord(ConsumerLoop.RecordHandler handler) {
    return handler(
        batch -> {
          for (ConsumerRecord<String, byte[]> r : batch.records()) {
            try {
              handler.handle(r);
            } catch (MalformedEventException e) {
              batch.poison(r, e);
            }
            batch.done(r);
          }
        });
  }

  /**
   * Reads every partition of the topic rather than sharing them in the group (each replica of the
   * indexer holds the whole index); partitions added later are picked up within a minute.
   */
  public ConsumerLoopBuilder assignAllPartitions() {
    this.assignAll = true;
    return this;
  }

  /** Positions live with the effects: the hook seeks each newly assigned partition. */
  public ConsumerLoopBuilder positions(ConsumerLoop.Positions positions) {
    this.positions = positions;
    return this;
  }

  /** Work after each poll's batches, on the loop's thread (a failure backs the loop off). */
  public ConsumerLoopBuilder betweenPolls(ConsumerLoop.Hook hook) {
    this.betweenPolls = hook;
    return this;
  }

  /** Work before the client closes, on the loop's thread (a last commit). */
  public ConsumerLoopBuilder beforeClose(ConsumerLoop.Hook hook) {
    this.beforeClose = hook;
    return this;
  }

  /** How long a poll waits for records (default 500 ms); shorter for frequent between-polls. */
  public ConsumerLoopBuilder pollTimeout(Duration timeout) {
    this.pollTimeout = timeout;
    return this;
  }

  /** Where the loop's metrics go: poison, failures, lag and ready, tagged with its name. */
  public ConsumerLoopBuilder metrics(MeterRegistry registry) {
    this.registry = registry;
    return this;
  }

  public ConsumerLoop build() {
    return new ConsumerLoop(this);
  }
}
