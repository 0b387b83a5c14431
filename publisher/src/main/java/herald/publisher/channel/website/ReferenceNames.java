package herald.publisher.channel.website;

import herald.events.ContentPublished;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The entries a page refers to that have no page of their own (a speaker who is a person entry on
 * other channels): the website shows their names, unlinked.
 */
@FunctionalInterface
public interface ReferenceNames {

  /** None known: references without a page are left out. */
  ReferenceNames NONE = ids -> Map.of();

  /** The latest published version of each of the entries that has one (unpublished ones not). */
  Map<UUID, ContentPublished> published(Set<UUID> entryIds) throws IOException;
}
