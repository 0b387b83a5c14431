package herald.api.content;

import herald.api.http.Bodies;
import herald.api.http.ProblemException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The management list of entries (drafts and published alike), for editors: by type, status, tag,
 * channel or ids, newest change first (or by creation), one page at a time with a keyset cursor —
 * never more than a page is read.
 */
final class EntryList {
  static final int MAX_LIMIT = 100;
  static final int DEFAULT_LIMIT = 20;
  private static final Set<String> PARAMS =
      Set.of("type", "status", "tag", "channel", "ids", "sort", "limit", "cursor");
  private static final Set<String> SORTS =
      Set.of("updatedAt", "-updatedAt", "createdAt", "-createdAt");

  private final String sql;
  private final List<Object> params;
  private final int limit;
  private final String sortColumn;
  private final String fingerprint;

  private EntryList(String sql, List<Object> params, int limit, String sortColumn, String fp) {
    this.sql = sql;
    this.params = params;
    this.limit = limit;
    this.sortColumn = sortColumn;
    this.fingerprint = fp;
  }

  /** Reads and checks the query; every value is a parameter of the one statement. */
  static EntryList parse(MultiMap q, CursorCodec cursors) {
    for (String name : q.names()) {
      if (!PARAMS.contains(name)) {
        throw ProblemException.badRequest(
            "Unknown query parameter '"
                + name
                + "'; use "
                + String.join(", ", PARAMS.stream().sorted().toList())
                + ".");
      }
    }
    List<String> conditions = new ArrayList<>();
    List<Object> params = new ArrayList<>();
    String type = q.get("type");
    if (type != null) {
      params.add(type);
      conditions.add("type_id = $" + params.size());
    }
    String status = q.get("status");
    if (status != null) {
      switch (status) {
        case "draft" -> conditions.add("status = 'draft'");
        case "published" -> conditions.add("status = 'published'");
        case "changed" -> conditions.add("status = 'published' and version > published_version");
        default -> throw ProblemException.badRequest("status must be draft, published or changed.");
      }
    }
    String tag = q.get("tag");
    if (tag != null) {
      params.add(tag);
      conditions.add("fields -> 'tags' ? $" + params.size());
    }
    String channel = q.get("channel");
    if (channel != null) {
      params.add(channel);
      conditions.add("channels ? $" + params.size());
    }
    String ids = q.get("ids");
    if (ids != null) {
      String[] parts = ids.split(",");
      if (parts.length > MAX_LIMIT) {
        throw ProblemException.badRequest("ids names at most " + MAX_LIMIT + " entries.");
      }
      List<UUID> list = new ArrayList<>();
      for (String p : parts) {
        try {
          list.add(UUID.fromString(p.strip()));
        } catch (IllegalArgumentException e) {
          throw ProblemException.badRequest("ids must be entry ids separated by commas.");
        }
      }
      params.add(list.toArray(new UUID[0]));
      conditions.add("id = any($" + params.size() + ")");
    }
    String sort = q.get("sort") == null ? "-updatedAt" : q.get("sort");
    if (!SORTS.contains(sort)) {
      throw ProblemException.badRequest("sort must be one of " + SORTS + ".");
    }
    boolean desc = sort.startsWith("-");
    String column = sort.endsWith("updatedAt") ? "updated_at" : "created_at";
    int limit =
        q.get("limit") == null ? DEFAULT_LIMIT : Bodies.limitParam(q.get("limit"), MAX_LIMIT);
    String fp =
        Integer.toHexString(
            (type + "|" + status + "|" + tag + "|" + channel + "|" + ids + "|" + sort).hashCode());
    String cursor = q.get("cursor");
    if (cursor != null) {
      EntryQuery.Cursor c = cursors.decode(cursor);
      if (!fp.equals(c.query())) {
        throw ProblemException.badRequest(
            "The cursor belongs to another list; start again without it.");
      }
      OffsetDateTime at;
      try {
        at = OffsetDateTime.parse(c.key());
      } catch (DateTimeParseException e) {
        throw ProblemException.badRequest("The cursor is not one this API gave out.");
      }
      params.add(at);
      params.add(c.id());
      conditions.add(
          "("
              + column
              + ", id) "
              + (desc ? "<" : ">")
              + " ($"
              + (params.size() - 1)
              + ", $"
              + params.size()
              + ")");
    }
    String dir = desc ? " desc" : " asc";
    String sql =
        "select "
            + EntryRepository.COLUMNS
            + " from entries"
            + (conditions.isEmpty() ? "" : " where " + String.join(" and ", conditions))
            + " order by "
            + column
            + dir
            + ", id"
            + dir
            + " limit "
            + (limit + 1);
    return new EntryList(sql, params, limit, column, fp);
  }

  /** The page: {@code {items, nextCursor}}. */
  Future<JsonObject> page(SqlClient db, CursorCodec cursors) {
    return db.preparedQuery(sql)
        .execute(Tuple.from(params))
        .map(
            rs -> {
              JsonArray items = new JsonArray();
              Entry last = null;
              int n = 0;
              for (Row r : rs) {
                if (n++ == limit) {
                  break;
                }
                last = EntryRepository.toEntry(r);
                items.add(last.toManagementJson());
              }
              String next = null;
              if (rs.size() > limit && last != null) {
                OffsetDateTime key =
                    sortColumn.equals("updated_at") ? last.updatedAt() : last.createdAt();
                next =
                    cursors.encode(new EntryQuery.Cursor(key.toString(), last.id(), fingerprint));
              }
              return new JsonObject().put("items", items).put("nextCursor", next);
            });
  }
}
