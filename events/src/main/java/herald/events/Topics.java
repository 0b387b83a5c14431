package herald.events;

/** Kafka topic names that form part of the wire contract. */
public final class Topics {
  /** Content life-cycle events, keyed by entry id so that each entry's events stay in order. */
  public static final String CONTENT = "herald.content.v1";

  /** Default number of partitions for {@link #CONTENT}; entries spread by key. */
  public static final int CONTENT_PARTITIONS = 3;

  private Topics() {}
}
