package herald.api.content;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.api.http.Problem;
import herald.api.http.ProblemException;
import herald.api.outbox.OutboxRepository;
import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The editorial life-cycle of entries. Each method owns its transaction; every change that others
 * must hear about appends its outbox event in that same transaction.
 */
public final class EntryService {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Pool pool;
  private final ContentTypeRepository types;
  private final EntryRepository entries;
  private final OutboxRepository outbox;
  private final EntryValidator validator;
  private final String defaultLocale;

  public EntryService(
      Pool pool,
      ContentTypeRepository types,
      EntryRepository entries,
      OutboxRepository outbox,
      EntryValidator validator,
      String defaultLocale) {
    this.pool = pool;
    this.types = types;
    this.entries = entries;
    this.outbox = outbox;
    this.validator = validator;
    this.defaultLocale = defaultLocale;
  }

  /** Creates a draft from a request body {@code {type, slug?, fields, channels?}}. */
  public Future<Entry> create(JsonObject body) {
    String typeId = body.getValue("type") instanceof String s ? s : null;
    if (typeId == null) {
      return Future.failedFuture(
          ProblemException.invalid(
              "The entry needs a type.",
              new JsonArray().add(ProblemException.fieldError("type", "required"))));
    }
    String givenSlug = slugParam(body.getValue("slug"));
    UUID id = UUID.randomUUID();
    return pool.withTransaction(
        conn ->
            requireType(conn, typeId)
                .compose(
                    type -> {
                      EntryValidator.Valid v =
                          validator.validate(
                              type, body.getValue("fields"), body.getValue("channels"));
                      return chooseSlug(conn, type, givenSlug, v, id)
                          .compose(
                              slug ->
                                  entries.insert(
                                      conn, id, type.id(), slug, v.fields(), v.channels()));
                    })
                .recover(EntryService::slugConflict));
  }

  /** Replaces the draft's fields and channels (and slug, when given), if the ETag still matches. */
  public Future<Entry> update(UUID id, String ifMatch, JsonObject body) {
    if (ifMatch == null) {
      return Future.failedFuture(
          new ProblemException(
              Problem.of(
                  428,
                  "precondition-required",
                  "Precondition required",
                  "Send If-Match with the entry's ETag, so that no one's change is overwritten.")));
    }
    String givenSlug = slugParam(body.getValue("slug"));
    return pool.withTransaction(
        conn ->
            lockExisting(conn, id)
                .compose(
                    current -> {
                      if (!ifMatch.equals(current.etag()) && !"*".equals(ifMatch.trim())) {
                        throw new ProblemException(
                            Problem.of(
                                412,
                                "precondition-failed",
                                "The entry changed meanwhile",
                                "Your If-Match "
                                    + ifMatch
                                    + " is stale; the entry is now at "
                                    + current.etag()
                                    + ". Fetch it, merge, and try again."));
                      }
                      if (body.containsKey("type")
                          && !current.type().equals(body.getValue("type"))) {
                        throw ProblemException.invalid(
                            "An entry's type cannot change.",
                            new JsonArray()
                                .add(
                                    ProblemException.fieldError(
                                        "type", "must stay " + current.type())));
                      }
                      return requireType(conn, current.type())
                          .compose(
                              type -> {
                                EntryValidator.Valid v =
                                    validator.validate(
                                        type, body.getValue("fields"), body.getValue("channels"));
                                Future<String> slug =
                                    givenSlug == null
                                        ? Future.succeededFuture(current.slug())
                                        : chooseSlug(conn, type, givenSlug, v, id);
                                return slug.compose(
                                    s ->
                                        entries.updateDraft(conn, id, s, v.fields(), v.channels()));
                              });
                    })
                .recover(EntryService::slugConflict));
  }

  /** Publishes the current draft and announces it. */
  public Future<Entry> publish(UUID id) {
    return pool.withTransaction(
        conn ->
            lockExisting(conn, id)
                .compose(
                    current ->
                        requireType(conn, current.type())
                            .compose(
                                type -> {
                                  // The type may have changed since the draft was saved.
                                  EntryValidator.Valid v =
                                      validator.validate(
                                          type, current.fields(), current.channels());
                                  long version = current.version() + 1;
                                  Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
                                  JsonObject snapshot =
                                      new JsonObject()
                                          .put("slug", current.slug())
                                          .put("fields", v.fields())
                                          .put("channels", v.channels())
                                          .put("locales", new JsonArray(v.locales()))
                                          .put("localized", localizedIds(type));
                                  ContentPublished event =
                                      new ContentPublished(
                                          id,
                                          version,
                                          type.id(),
                                          current.slug(),
                                          v.locales(),
                                          strings(v.channels()),
                                          type.schema(),
                                          toJackson(v.fields()),
                                          now);
                                  return entries
                                      .publish(
                                          conn, id, version, snapshot, now.atOffset(ZoneOffset.UTC))
                                      .compose(e -> outbox.append(conn, event).map(e));
                                })));
  }

  /** Withdraws a published entry and announces it. */
  public Future<Entry> unpublish(UUID id) {
    return pool.withTransaction(
        conn ->
            lockExisting(conn, id)
                .compose(
                    current -> {
                      if (!Entry.PUBLISHED.equals(current.status())) {
                        throw ProblemException.conflict("Entry " + id + " is not published.");
                      }
                      long version = current.version() + 1;
                      JsonObject snap = current.published();
                      ContentUnpublished event =
                          new ContentUnpublished(
                              id,
                              version,
                              current.type(),
                              snap.getString("slug"),
                              strings(snap.getJsonArray("locales")),
                              strings(snap.getJsonArray("channels")),
                              Instant.now().truncatedTo(ChronoUnit.MICROS));
                      return entries
                          .unpublish(conn, id, version)
                          .compose(e -> outbox.append(conn, event).map(e));
                    }));
  }

  private Future<ContentType> requireType(SqlConnection conn, String typeId) {
    return types
        .find(conn, typeId)
        .map(
            t ->
                t.orElseThrow(
                    () ->
                        ProblemException.invalid(
                            "Unknown content type '" + typeId + "'.",
                            new JsonArray()
                                .add(
                                    ProblemException.fieldError(
                                        "type", "no content type '" + typeId + "'")))));
  }

  private Future<Entry> lockExisting(SqlConnection conn, UUID id) {
    return entries
        .lock(conn, id)
        .map(e -> e.orElseThrow(() -> ProblemException.notFound("No entry " + id + ".")));
  }

  /**
   * A given slug is taken as it is (409 when taken); a generated one gets the first free suffix.
   */
  private Future<String> chooseSlug(
      SqlConnection conn, ContentType type, String given, EntryValidator.Valid v, UUID id) {
    if (given != null) {
      return Future.succeededFuture(given);
    }
    String base = Slugs.of(titleOf(type, v), firstLocale(v));
    if (base.isEmpty()) {
      base = type.id();
    }
    String b = base;
    return entries
        .slugsLike(conn, type.id(), base, id)
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

  private String titleOf(ContentType type, EntryValidator.Valid v) {
    String locale = firstLocale(v);
    for (String fid : List.of("title", "name")) {
      Object value = v.fields().getValue(fid);
      if (value instanceof JsonObject perLocale && perLocale.getValue(locale) instanceof String s) {
        return s;
      }
      if (value instanceof String s) {
        return s;
      }
    }
    for (FieldDef f : type.fields()) {
      if (f.type() == FieldType.TEXT) {
        Object value = v.fields().getValue(f.id());
        if (value instanceof JsonObject perLocale
            && perLocale.getValue(locale) instanceof String s) {
          return s;
        }
        if (value instanceof String s) {
          return s;
        }
      }
    }
    return "";
  }

  private String firstLocale(EntryValidator.Valid v) {
    return v.locales().contains(defaultLocale) ? defaultLocale : v.locales().get(0);
  }

  private static String slugParam(Object v) {
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

  private static JsonArray localizedIds(ContentType type) {
    JsonArray a = new JsonArray();
    type.fields().stream().filter(FieldDef::localized).forEach(f -> a.add(f.id()));
    return a;
  }

  private static <T> Future<T> slugConflict(Throwable t) {
    if (t instanceof PgException pg && "23505".equals(pg.getSqlState())) {
      return Future.failedFuture(
          ProblemException.conflict("Another entry of this type has the same slug."));
    }
    return Future.failedFuture(t);
  }

  private static List<String> strings(JsonArray a) {
    return a.stream().map(String::valueOf).toList();
  }

  private static ObjectNode toJackson(JsonObject o) {
    try {
      return (ObjectNode) MAPPER.readTree(o.encode());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
