package herald.api.delivery;

import herald.events.ConsumerLoop;
import herald.events.DeliveryEventCodec;
import herald.events.DeliveryStatusEvent;
import herald.events.GroupConsumers;
import herald.events.MalformedEventException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Applies {@code delivery.status} events to the {@code deliveries} read table, a partition's batch
 * in one transaction, at least once; the upsert ignores duplicates and older states, so that is one
 * effect. Runs on the shared {@link ConsumerLoop}: a poison record is logged, counted and skipped,
 * a database failure retries the batch.
 */
final class DeliveryStatusConsumer implements ConsumerLoop.Handler {

  private static final long DB_TIMEOUT_MS = 30_000;

  private final Pool pool;
  private final DeliveryReadRepository repository;
  private final Counter applied;
  private final Counter stale;

  private DeliveryStatusConsumer(
      Pool pool, DeliveryReadRepository repository, MeterRegistry registry) {
    this.pool = pool;
    this.repository = repository;
    this.applied = counter(registry, "applied");
    this.stale = counter(registry, "stale");
  }

  /** The loop that keeps the read table, in the group all api replicas share. */
  static ConsumerLoop loop(
      String bootstrapServers,
      String groupId,
      String topic,
      Pool pool,
      DeliveryReadRepository repository,
      MeterRegistry registry) {
    // All api replicas share one group: each event is applied once to the shared table. Offsets
    // are committed after the upsert; a new group (a new database) rebuilds the read table from
    // the whole topic.
    return ConsumerLoop.builder(
            "api-delivery-status", GroupConsumers.properties(bootstrapServers, groupId, 200), topic)
        .metrics(registry)
        .handler(new DeliveryStatusConsumer(pool, repository, registry))
        .build();
  }

  private static Counter counter(MeterRegistry registry, String outcome) {
    return Counter.builder("herald.api.delivery.status.events")
        .description("delivery.status events read, by outcome")
        .tag("outcome", outcome)
        .register(registry);
  }

  @Override
  public void handle(ConsumerLoop.Batch batch) throws Exception {
    List<DeliveryStatusEvent> events = new ArrayList<>(batch.records().size());
    for (ConsumerRecord<String, byte[]> r : batch.records()) {
      try {
        events.add(DeliveryEventCodec.statusFromRecord(r));
      } catch (MalformedEventException e) {
        batch.poison(r, e);
      }
    }
    int changed =
        pool.withTransaction(conn -> repository.upsertAll(conn, events))
            .await(DB_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    applied.increment(changed);
    stale.increment(events.size() - changed);
  }
}
