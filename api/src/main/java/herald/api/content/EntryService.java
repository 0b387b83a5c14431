package herald.api.content;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.api.audit.AuditRepository;
import herald.api.auth.Principal;
import herald.api.http.ProblemException;
import herald.api.outbox.OutboxRepository;
import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The editorial life-cycle of entries. Each public method owns its transaction; every change writes
 * an immutable version and an audit record, and every change that others must hear about appends
 * its outbox event, all in that same transaction. The HTTP preconditions are {@link IfMatch}'s,
 * slugs {@link SlugPicker}'s and partial publishing's locale merging {@link LocaleMerge}'s.
 */
public final class EntryService {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Pool pool;
  private final ContentTypeRepository types;
  private final EntryRepository entries;
  private final VersionRepository versions;
  private final AuditRepository audit;
  private final OutboxRepository outbox;
  private final EntryValidator validator;
  private final SlugPicker slugs;
  private final java.util.function.Consumer<Entry> afterPublishChange;

  public EntryService(
      Pool pool,
      ContentTypeRepository types,
      EntryRepository entries,
      VersionRepository versions,
      AuditRepository audit,
      OutboxRepository outbox,
      EntryValidator validator,
      String defaultLocale,
      java.util.function.Consumer<Entry> afterPublishChange) {
    this.pool = pool;
    this.types = types;
    this.entries = entries;
    this.versions = versions;
    this.audit = audit;
    this.outbox = outbox;
    this.validator = validator;
    this.slugs = new SlugPicker(entries, defaultLocale);
    this.afterPublishChange = afterPublishChange;
  }

  /** Creates a draft from a request body {@code {type, slug?, fields, channels?}}. */
  public Future<Entry> create(Principal actor, JsonObject body) {
    String typeId = body.getValue("type") instanceof String s ? s : null;
    if (typeId == null) {
      return Future.failedFuture(
          ProblemException.invalid(
              "The entry needs a type.",
              new JsonArray().add(ProblemException.fieldError("type", "required"))));
    }
    String givenSlug = SlugPicker.param(body.getValue("slug"));
    UUID id = UUID.randomUUID();
    return pool.withTransaction(
            conn ->
                requireType(conn, typeId)
                    .compose(
                        type -> {
                          EntryValidator.Valid v =
                              validator.validate(
                                  type, body.getValue("fields"), body.getValue("channels"));
                          return checkRefs(conn, v, id)
                              .compose(x -> slugs.choose(conn, type, givenSlug, v, id))
                              .compose(
                                  slug ->
                                      entries.insert(
                                          conn, id, type.id(), slug, v.fields(), v.channels()));
                        })
                    .compose(e -> record(conn, actor, "create", e, null)))
        .recover(SlugPicker::conflict);
  }

  /** Replaces the draft's fields and channels (and slug, when given), if the ETag still matches. */
  public Future<Entry> update(Principal actor, UUID id, String ifMatch, JsonObject body) {
    IfMatch.require(ifMatch);
    String givenSlug = SlugPicker.param(body.getValue("slug"));
    return pool.withTransaction(
            conn ->
                lockExisting(conn, id)
                    .compose(
                        current -> {
                          IfMatch.check(ifMatch, current);
                          if (body.containsKey("type")
                              && !current.type().equals(body.getValue("type"))) {
                            throw ProblemException.invalid(
                                "An entry's type cannot change.",
                                new JsonArray()
                                    .add(
                                        ProblemException.fieldError(
                                            "type", "must stay " + current.type())));
                          }
                          return saveDraft(
                              conn,
                              actor,
                              current,
                              body.getValue("fields"),
                              body.getValue("channels"),
                              givenSlug,
                              "update");
                        }))
        .recover(SlugPicker::conflict);
  }

  /** Makes an earlier version the draft again, as a new version. */
  public Future<Entry> restore(Principal actor, UUID id, long version, String ifMatch) {
    IfMatch.require(ifMatch);
    return pool.withTransaction(
            conn ->
                lockExisting(conn, id)
                    .compose(
                        current -> {
                          IfMatch.check(ifMatch, current);
                          return versions
                              .find(conn, id, version)
                              .compose(
                                  old -> {
                                    VersionRepository.Version v =
                                        old.orElseThrow(
                                            () ->
                                                ProblemException.notFound(
                                                    "Entry "
                                                        + id
                                                        + " has no version "
                                                        + version
                                                        + "."));
                                    return saveDraft(
                                        conn,
                                        actor,
                                        current,
                                        v.fields(),
                                        v.channels(),
                                        v.slug().equals(current.slug()) ? null : v.slug(),
                                        "restore");
                                  });
                        }))
        .recover(SlugPicker::conflict);
  }

  private Future<Entry> saveDraft(
      SqlConnection conn,
      Principal actor,
      Entry current,
      Object fields,
      Object channels,
      String givenSlug,
      String action) {
    return requireType(conn, current.type())
        .compose(
            type -> {
              EntryValidator.Valid v = validator.validate(type, fields, channels);
              Future<String> slug =
                  givenSlug == null
                      ? Future.succeededFuture(current.slug())
                      : slugs.choose(conn, type, givenSlug, v, current.id());
              return checkRefs(conn, v, current.id())
                  .compose(x -> slug)
                  .compose(
                      s -> entries.updateDraft(conn, current.id(), s, v.fields(), v.channels()));
            })
        .compose(e -> record(conn, actor, action, e, current.version()));
  }

  /** Publishes the draft (all its locales, or only the given ones) and announces it. */
  public Future<Entry> publish(Principal actor, UUID id, List<String> locales) {
    // This instance forgets cached responses at commit, so an editor reads their own change at
    // once; other instances hear of it through NOTIFY.
    return pool.withTransaction(conn -> publishIn(conn, actor, id, locales))
        .onSuccess(afterPublishChange::accept);
  }

  /** Withdraws the entry (all locales, or only the given ones) and announces it. */
  public Future<Entry> unpublish(Principal actor, UUID id, List<String> locales) {
    return pool.withTransaction(conn -> unpublishIn(conn, actor, id, locales))
        .onSuccess(afterPublishChange::accept);
  }

  /**
   * Deletes an entry. A published one is first withdrawn in the same transaction, so that every
   * consumer (search, website, partners' sync as a tombstone) removes it.
   */
  public Future<Void> delete(Principal actor, UUID id, String ifMatch) {
    return pool.<Entry>withTransaction(
            conn ->
                lockExisting(conn, id)
                    .compose(
                        current -> {
                          if (ifMatch != null) {
                            IfMatch.check(ifMatch, current);
                          }
                          Future<Entry> withdrawn =
                              Entry.PUBLISHED.equals(current.status())
                                  ? unpublishIn(conn, actor, id, null)
                                  : Future.succeededFuture(current);
                          return withdrawn.compose(
                              e ->
                                  audit
                                      .append(
                                          conn,
                                          actor,
                                          "entry.delete",
                                          "entry",
                                          id.toString(),
                                          e.version(),
                                          null,
                                          new JsonObject()
                                              .put("type", e.type())
                                              .put("slug", e.slug()))
                                      .compose(x -> entries.delete(conn, id))
                                      .map(e));
                        }))
        .onSuccess(afterPublishChange::accept)
        .mapEmpty();
  }

  /**
   * The draft as a {@code content.published} event would carry it if it were published now (all its
   * locales, its channels, the type's schema), for channels to render a preview with their own
   * renderers. A draft that could not be published is a 422 problem, as publishing it would be.
   */
  public Future<ContentPublished> previewOf(UUID id) {
    return pool.withConnection(
        conn ->
            entries
                .find(conn, id)
                .map(e -> e.orElseThrow(() -> ProblemException.notFound("No entry " + id + ".")))
                .compose(
                    current ->
                        requireType(conn, current.type())
                            .map(
                                type -> {
                                  EntryValidator.Valid draft =
                                      validator.validate(
                                          type, current.fields(), current.channels());
                                  return new ContentPublished(
                                      current.id(),
                                      current.version(),
                                      type.id(),
                                      current.slug(),
                                      draft.locales(),
                                      strings(draft.channels()),
                                      type.schema(),
                                      toJackson(draft.fields()),
                                      Instant.now().truncatedTo(ChronoUnit.MICROS));
                                })));
  }

  /** Publishes within the caller's transaction (the scheduler's). */
  public Future<Entry> publishIn(
      SqlConnection conn, Principal actor, UUID id, List<String> locales) {
    return lockExisting(conn, id)
        .compose(
            current ->
                requireType(conn, current.type())
                    .compose(
                        type -> {
                          // The type may have changed since the draft was saved: check again.
                          EntryValidator.Valid draft =
                              validator.validate(type, current.fields(), current.channels());
                          JsonObject fields =
                              locales == null
                                  ? draft.fields()
                                  : LocaleMerge.publishLocales(type, current, draft, locales);
                          List<String> published =
                              locales == null ? draft.locales() : validator.localesOf(type, fields);
                          EntryValidator.Valid snap =
                              validator.validate(type, fields, draft.channels());
                          return checkRefs(conn, snap, id)
                              .compose(
                                  x ->
                                      announcePublish(
                                          conn,
                                          actor,
                                          current,
                                          type,
                                          snap.fields(),
                                          published,
                                          snap.channels(),
                                          locales == null ? "publish" : "publish-locales"));
                        }));
  }

  /** Unpublishes within the caller's transaction (the scheduler's). */
  public Future<Entry> unpublishIn(
      SqlConnection conn, Principal actor, UUID id, List<String> locales) {
    return lockExisting(conn, id)
        .compose(
            current -> {
              if (!Entry.PUBLISHED.equals(current.status())) {
                throw ProblemException.conflict("Entry " + id + " is not published.");
              }
              JsonObject snap = current.published();
              List<String> publishedLocales = strings(snap.getJsonArray("locales"));
              List<String> remaining = new ArrayList<>(publishedLocales);
              if (locales != null) {
                remaining.removeAll(locales);
              }
              if (locales != null && !remaining.isEmpty()) {
                return requireType(conn, current.type())
                    .compose(
                        type -> {
                          JsonObject fields =
                              LocaleMerge.withoutLocales(
                                  type, snap.getJsonObject("fields"), locales);
                          return announcePublish(
                              conn,
                              actor,
                              current,
                              type,
                              fields,
                              remaining,
                              snap.getJsonArray("channels"),
                              "unpublish-locales");
                        });
              }
              long version = current.version() + 1;
              ContentUnpublished event =
                  new ContentUnpublished(
                      id,
                      version,
                      current.type(),
                      snap.getString("slug"),
                      publishedLocales,
                      strings(snap.getJsonArray("channels")),
                      Instant.now().truncatedTo(ChronoUnit.MICROS));
              return entries
                  .unpublish(conn, id, version)
                  .compose(e -> outbox.append(conn, event).map(e))
                  .compose(e -> record(conn, actor, "unpublish", e, current.version()));
            });
  }

  private Future<Entry> announcePublish(
      SqlConnection conn,
      Principal actor,
      Entry current,
      ContentType type,
      JsonObject fields,
      List<String> locales,
      JsonArray channels,
      String action) {
    long version = current.version() + 1;
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    JsonArray schema = type.toJson().getJsonArray("fields");
    JsonObject snapshot =
        new JsonObject()
            .put("slug", current.slug())
            .put("fields", fields)
            .put("channels", channels)
            .put("locales", new JsonArray(locales))
            .put("schema", schema)
            // Rich text is rendered once here, not on every read.
            .put("rendered", EntryView.renderRichText(type.fields(), fields));
    ContentPublished event =
        new ContentPublished(
            current.id(),
            version,
            type.id(),
            current.slug(),
            locales,
            strings(channels),
            type.schema(),
            toJackson(fields),
            now);
    return entries
        .publish(conn, current.id(), version, snapshot, now.atOffset(ZoneOffset.UTC))
        .compose(e -> outbox.append(conn, event).map(e))
        .compose(
            e ->
                record(
                    conn,
                    actor,
                    action,
                    e,
                    current.version(),
                    new JsonObject().put("locales", new JsonArray(locales))));
  }

  /** Writes the version row and the audit record of a change. */
  private Future<Entry> record(
      SqlConnection conn, Principal actor, String action, Entry e, Long before) {
    return record(conn, actor, action, e, before, null);
  }

  private Future<Entry> record(
      SqlConnection conn, Principal actor, String action, Entry e, Long before, JsonObject detail) {
    return versions
        .insert(conn, e, action, actor.name())
        .compose(
            x ->
                audit.append(
                    conn,
                    actor,
                    "entry." + action,
                    "entry",
                    e.id().toString(),
                    before,
                    e.version(),
                    detail))
        .map(e);
  }

  /** Every reference must name an existing entry of an allowed type (or the entry itself). */
  private Future<Void> checkRefs(SqlConnection conn, EntryValidator.Valid v, UUID self) {
    if (v.refs().isEmpty()) {
      return Future.succeededFuture();
    }
    Set<UUID> ids = new LinkedHashSet<>();
    v.refs().forEach(r -> ids.add(r.id()));
    return entries
        .typesOf(conn, ids)
        .map(
            (Map<UUID, String> found) -> {
              JsonArray errors = new JsonArray();
              for (EntryValidator.Ref r : v.refs()) {
                String t = found.get(r.id());
                if (t == null && !r.id().equals(self)) {
                  errors.add(ProblemException.fieldError(r.at(), "no entry " + r.id()));
                } else if (t != null
                    && !r.allowedTypes().isEmpty()
                    && !r.allowedTypes().contains(t)) {
                  errors.add(
                      ProblemException.fieldError(
                          r.at(),
                          "entry "
                              + r.id()
                              + " is of type '"
                              + t
                              + "'; allowed: "
                              + r.allowedTypes()));
                }
              }
              if (!errors.isEmpty()) {
                throw ProblemException.invalid("Some references are invalid.", errors);
              }
              return null;
            });
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

  static List<String> strings(JsonArray a) {
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
