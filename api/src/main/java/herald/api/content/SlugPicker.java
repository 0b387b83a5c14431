package herald.api.content;

import herald.api.http.ProblemException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.SqlConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** An entry's slug: the one the request gives, or one made from its title, unique in its type. */
final class SlugPicker {
  private final EntryRepository entries;
  private final String defaultLocale;

  SlugPicker(EntryRepository entries, String defaultLocale) {
    this.entries = entries;
    this.defaultLocale = defaultLocale;
  }

  /**
   * A given slug is taken as it is (409 when taken); a generated one gets the first free suffix.
   */
  Future<String> choose(
      SqlConnection conn, ContentType type, String given, EntryValidator.Valid v, UUID id) {
    if (given != null) {
      return Future.succeededFuture(given);
    }
    String locale = v.locales().contains(defaultLocale) ? defaultLocale : v.locales().get(0);
    String base = Slugs.of(titleOf(type, v, locale), locale);
    if (base.isEmpty()) {
      base = type.id();
    }
    String b = base;
    // NOTE: without the lock, parallel creates with the same title all saw the base free and all
    // but one failed on the unique index.
    return entries
        .lockSlugBase(conn, type.id(), base)
        .compose(x -> entries.slugsLike(conn, type.id(), b, id))
        .map(
            (Set<String> taken) -> {
              if (!taken.contains(b)) {
                return b;
              }
              for (int n = 2; ; n++) {
                String candidate = b + "-" + n;
                if (!taken.contains(candidate)) {
                  return candidate;
                }
              }
            });
  }

  private static String titleOf(ContentType type, EntryValidator.Valid v, String locale) {
    List<String> candidates = new ArrayList<>(List.of("title", "name"));
    type.fields().stream()
        .filter(f -> f.type() == FieldType.TEXT)
        .forEach(f -> candidates.add(f.id()));
    for (String fid : candidates) {
      Object value = v.fields().getValue(fid);
      if (value instanceof JsonObject perLocale && perLocale.getValue(locale) instanceof String s) {
        return s;
      }
      if (value instanceof String s) {
        return s;
      }
    }
    return "";
  }

  /** The slug a request gives, checked; {@code null} when it gives none. */
  static String param(Object v) {
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s) || !Slugs.isValid(s)) {
      throw ProblemException.invalid(
          "The slug is invalid.",
          new JsonArray()
              .add(
                  ProblemException.fieldError(
                      "slug",
                      "lower-case letters and digits joined by single '-', at most "
                          + Slugs.MAX_LENGTH
                          + " characters")));
    }
    return s;
  }

  /** A unique-index violation on the slug, as the 409 it means. */
  static <T> Future<T> conflict(Throwable t) {
    if (t instanceof PgException pg && "23505".equals(pg.getSqlState())) {
      return Future.failedFuture(
          ProblemException.conflict("Another entry of this type has the same slug."));
    }
    return Future.failedFuture(t);
  }
}
