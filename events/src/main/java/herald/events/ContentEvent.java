package herald.events;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A change in an entry's published state, as seen on {@link Topics#CONTENT}. */
public sealed interface ContentEvent permits ContentPublished, ContentUnpublished {

  /** CloudEvents {@code type} of a publish. */
  String PUBLISHED = "content.published";

  /** CloudEvents {@code type} of an unpublish. */
  String UNPUBLISHED = "content.unpublished";

  /** The entry this event is about; also the Kafka key. */
  UUID entryId();

  /**
   * The entry's version after the change. It grows with every change of the entry, so a consumer
   * that has applied version n ignores any event with version at most n.
   */
  long version();

  /** Content type id, such as {@code article}. */
  String contentType();

  /** URL slug of the entry. */
  String slug();

  /** Locales that the entry has (or had, for an unpublish) content in. */
  List<String> locales();

  /** Channels the editor chose for the entry, such as {@code website}. */
  List<String> channels();

  /** When the change happened. */
  Instant occurredAt();

  /** CloudEvents {@code type} of this event. */
  String eventType();
}
