package herald.publisher.consumer;

import herald.events.DeliveryCommand;
import herald.events.DeliveryEventCodec;
import herald.events.MalformedEventException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads delivery commands (such as an editor's retry) from Kafka on a thread of its own and hands
 * each to a handler; poison records are logged and skipped, a retriable failure retries the record
 * after a pause, and anything else is logged and skipped too: a command is a request, and the
 * editor sees in the delivery status whether it took effect.
 */
public final class CommandConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(CommandConsumer.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

  private final Properties properties;
  private final String topic;
  private final Consumer<DeliveryCommand> handler;
  private volatile boolean stopping;
  private volatile KafkaConsumer<String, byte[]> consumer;
  private Thread thread;

  public CommandConsumer(
      String bootstrapServers, String groupId, String topic, Consumer<DeliveryCommand> handler) {
    // NOTE: a new group starts at the earliest command, so that none sent before its first
    // assignment is lost; replaying an old retry is harmless (see DeliveryService#retry).
    this.properties = ContentConsumer.properties(bootstrapServers, groupId);
    this.topic = topic;
    this.handler = handler;
  }

  /** Starts the consumer thread. */
  public synchronized void start() {
    thread = new Thread(this::run, "herald-publisher-commands");
    thread.setDaemon(true);
    thread.start();
  }

  /** Stops the consumer and waits for it to close. */
  public void stop(Duration wait) throws InterruptedException {
    stopping = true;
    KafkaConsumer<String, byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      t.join(wait.toMillis());
    }
  }

  private void run() {
    KafkaConsumer<String, byte[]> c = null;
    try {
      c = new KafkaConsumer<>(properties);
      consumer = c;
      c.subscribe(List.of(topic));
      while (!stopping) {
        ConsumerRecords<String, byte[]> records = c.poll(POLL_TIMEOUT);
        Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
          if (!handle(r)) {
            c.seek(new TopicPartition(r.topic(), r.partition()), r.offset());
            break;
          }
          done.put(
              new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
        }
        commit(c, done);
      }
    } catch (WakeupException e) {
      // stop() woke us up.
    } catch (RuntimeException e) {
      LOG.error("delivery command consumer stopped", e);
    } finally {
      if (c != null) {
        try {
          c.close(CloseOptions.timeout(Duration.ofSeconds(5)));
        } catch (RuntimeException e) {
          LOG.warn("closing the command consumer failed", e);
        }
      }
    }
  }

  /** Handles a record; false when it should be tried again after a pause. */
  private boolean handle(ConsumerRecord<String, byte[]> r) {
    DeliveryCommand command;
    try {
      command = DeliveryEventCodec.commandFromRecord(r);
    } catch (MalformedEventException e) {
      LOG.error(
          "skipping poison command {}-{}@{}: {}",
          r.topic(),
          r.partition(),
          r.offset(),
          e.getMessage());
      return true;
    }
    try {
      handler.accept(command);
      return true;
    } catch (RuntimeException e) {
      if (Failures.isRetriable(e) && !stopping) {
        LOG.warn("command {} failed, retrying: {}", command.commandId(), e.toString());
        try {
          Thread.sleep(RETRY_PAUSE.toMillis());
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
        return false;
      }
      LOG.error("command {} failed and is skipped", command.commandId(), e);
      return true;
    }
  }

  private static void commit(
      KafkaConsumer<String, byte[]> c, Map<TopicPartition, OffsetAndMetadata> offsets) {
    if (offsets.isEmpty()) {
      return;
    }
    try {
      c.commitSync(offsets);
    } catch (CommitFailedException | RebalanceInProgressException e) {
      LOG.info("command offset commit lost to a rebalance: {}", e.getMessage());
    }
  }
}
