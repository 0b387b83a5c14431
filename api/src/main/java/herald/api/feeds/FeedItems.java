package herald.api.feeds;

import herald.api.content.Entry;
import herald.api.content.EntryRepository;
import herald.api.content.EntryView;
import herald.api.content.FieldDef;
import herald.api.content.FieldType;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.SqlClient;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Builds feed items from published entries, rendered exactly as the delivery API renders them (rich
 * text sanitised by {@code RichText}), with the names of linked people and organisations as
 * authors.
 */
public final class FeedItems {
  /** Reference fields whose targets are shown as authors, in this order of preference. */
  static final List<String> AUTHOR_FIELDS =
      List.of("authors", "author", "speakers", "signatories", "organisers", "publisher");

  private final EntryRepository entries;
  private final EntryView view;
  private final String siteUrl;

  public FeedItems(EntryRepository entries, EntryView view, String siteUrl) {
    this.entries = entries;
    this.view = view;
    this.siteUrl = siteUrl;
  }

  /** The items of the entries with the given ids, in the given order, in the locale. */
  public Future<List<FeedItem>> items(SqlClient db, List<UUID> ids, String locale) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return entries
        .byIds(db, ids)
        .compose(
            list -> {
              Map<UUID, Entry> byId = new HashMap<>();
              list.forEach(e -> byId.put(e.id(), e));
              List<Entry> ordered = new ArrayList<>();
              for (UUID id : ids) {
                Entry e = byId.get(id);
                if (e != null) {
                  ordered.add(e);
                }
              }
              return itemsOf(db, ordered, locale);
            });
  }

  /**
   * The items of entries already read, in their order, in the locale; entries without a published
   * version are left out. Reads only the linked authors' names.
   */
  public Future<List<FeedItem>> itemsOf(SqlClient db, List<Entry> list, String locale) {
    Set<UUID> people = new LinkedHashSet<>();
    List<EntryView.Content> contents = new ArrayList<>();
    for (Entry e : list) {
      EntryView.Content c = EntryView.published(e);
      if (c != null) {
        contents.add(c);
        people.addAll(authorIds(c));
      }
    }
    Future<Map<UUID, String>> names =
        people.isEmpty()
            ? Future.succeededFuture(Map.of())
            : entries.byIds(db, people).map(FeedItems::names);
    return names.map(n -> contents.stream().map(c -> item(c, locale, n)).toList());
  }

  private static List<UUID> authorIds(EntryView.Content c) {
    List<UUID> out = new ArrayList<>();
    for (String f : AUTHOR_FIELDS) {
      Object v = c.fields().getValue(f);
      if (v instanceof String s) {
        parse(s, out);
      } else if (v instanceof JsonArray a) {
        a.forEach(x -> parse(String.valueOf(x), out));
      }
    }
    return out;
  }

  private static void parse(String s, List<UUID> out) {
    try {
      out.add(UUID.fromString(s));
    } catch (IllegalArgumentException e) {
      // not a reference
    }
  }

  private static Map<UUID, String> names(List<Entry> list) {
    Map<UUID, String> out = new HashMap<>();
    for (Entry e : list) {
      if (e.published() == null) {
        continue;
      }
      JsonObject f = e.published().getJsonObject("fields");
      Object name = f.getValue("name");
      if (name == null) {
        name = f.getValue("title");
      }
      if (name instanceof JsonObject perLocale) {
        name = perLocale.stream().map(Map.Entry::getValue).findFirst().orElse(null);
      }
      if (name instanceof String s) {
        out.put(e.id(), s);
      }
    }
    return out;
  }

  private FeedItem item(EntryView.Content c, String locale, Map<UUID, String> names) {
    Entry e = c.entry();
    JsonObject r = view.render(c, locale, null, new ArrayList<>());
    JsonObject f = r.getJsonObject("fields");
    String slug = r.getString("slug");
    String title = text(f, "title");
    if (title == null) {
      title = text(f, "name");
    }
    if (title == null) {
      title =
          c.schema().stream()
              .filter(d -> d.type() == FieldType.TEXT)
              .map(d -> text(f, d.id()))
              .filter(s -> s != null)
              .findFirst()
              .orElse(slug);
    }
    String summary = text(f, "summary");
    if (summary == null) {
      summary = text(f, "description");
    }
    StringBuilder html = new StringBuilder();
    List<String> tags = new ArrayList<>();
    List<FeedItem.Enclosure> media = new ArrayList<>();
    for (FieldDef d : c.schema()) {
      Object v = f.getValue(d.id());
      if (v == null) {
        continue;
      }
      if (d.type() == FieldType.RICHTEXT
          && v instanceof JsonObject rt
          && rt.getString("html") != null) {
        html.append(rt.getString("html"));
      } else if (d.type() == FieldType.TAGS && d.id().equals("tags") && v instanceof JsonArray a) {
        a.forEach(t -> tags.add(String.valueOf(t)));
      } else if (d.type() == FieldType.MEDIA && v instanceof String url) {
        media.add(new FeedItem.Enclosure(url, mediaType(url)));
      }
    }
    if (html.length() == 0 && summary != null) {
      html.append("<p>").append(escape(summary)).append("</p>");
    }
    List<String> authors = new ArrayList<>();
    for (UUID id : authorIds(c)) {
      String n = names.get(id);
      if (n != null && !authors.contains(n)) {
        authors.add(n);
      }
    }
    String link = siteUrl + "/" + locale + "/" + e.type() + "/" + slug + "/";
    return new FeedItem(
        e.id(),
        e.type(),
        locale,
        title,
        summary,
        html.toString(),
        link,
        (e.firstPublishedAt() == null ? e.publishedAt() : e.firstPublishedAt()).toInstant(),
        e.publishedAt().toInstant(),
        e.publishedVersion() == null ? e.version() : e.publishedVersion(),
        authors,
        tags,
        media,
        f);
  }

  /** The newest update time of the items, for Last-Modified and the feeds' own dates. */
  static java.time.Instant newest(List<FeedItem> items) {
    return items.stream()
        .map(FeedItem::updated)
        .max(Comparator.naturalOrder())
        .orElse(java.time.Instant.EPOCH);
  }

  private static String text(JsonObject f, String id) {
    return f.getValue(id) instanceof String s && !s.isBlank() ? s : null;
  }

  static String mediaType(String url) {
    String path = url.toLowerCase(Locale.ROOT).replaceAll("[?#].*$", "");
    String ext = path.substring(path.lastIndexOf('.') + 1);
    return switch (ext) {
      case "jpg", "jpeg" -> "image/jpeg";
      case "png" -> "image/png";
      case "gif" -> "image/gif";
      case "webp" -> "image/webp";
      case "svg" -> "image/svg+xml";
      case "pdf" -> "application/pdf";
      case "mp3" -> "audio/mpeg";
      case "mp4" -> "video/mp4";
      case "webm" -> "video/webm";
      default -> "application/octet-stream";
    };
  }

  static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
