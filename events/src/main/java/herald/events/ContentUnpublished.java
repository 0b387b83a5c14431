package herald.events;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** An entry was withdrawn from publication; consumers remove what they derived from it. */
public record ContentUnpublished(
    UUID entryId,
    long version,
    String contentType,
    String slug,
    List<String> locales,
    List<String> channels,
    Instant occurredAt)
    implements ContentEvent {

  public ContentUnpublished {
    locales = List.copyOf(locales);
    channels = List.copyOf(channels);
  }

  @Override
  public String eventType() {
    return UNPUBLISHED;
  }
}
