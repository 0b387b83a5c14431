package herald.events;

/** Kafka topics of the delivery contract between the publisher and the api. */
public final class DeliveryTopics {
  /**
   * {@code delivery.status} events from the publisher, keyed by entry id: every state change of
   * every delivery, each with a per-delivery sequence number.
   */
  public static final String STATUS = "herald.delivery.v1";

  /** Commands from the api to the publisher, such as {@code delivery.retry}; key = entry id. */
  public static final String COMMANDS = "herald.delivery-commands.v1";

  /** Default number of partitions of both topics; order matters per entry, the key. */
  public static final int PARTITIONS = 3;

  private DeliveryTopics() {}
}
