package herald.publisher.channel.website;

import com.fasterxml.jackson.databind.JsonNode;
import herald.events.ContentPublished;
import herald.events.FieldSchema;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The links between entries on the website: which entries an entry refers to (reference fields,
 * programme speakers, permanent links in rich text), and how each becomes a link to its page or a
 * name.
 */
final class EntryLinks {

  private EntryLinks() {}

  /** A link to an entry's permanent link, {@code …/go/<entry id>/}. */
  private static final java.util.regex.Pattern GO_LINK =
      java.util.regex.Pattern.compile(
          "/"
              + WebsiteChannel.GO
              + "/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/");

  /**
   * Rich text's links to another entry's permanent link on this site ({@code <site>/go/<id>/}, as
   * Studio's toolbar inserts them) made direct links to that entry's page, in this page's locale
   * when it has one; a link to an entry without a page stays as it is.
   */
  static String linkEntries(
      String siteUrl, String html, String locale, String root, Map<UUID, List<PageRow>> known) {
    if (html == null || !html.contains("/" + WebsiteChannel.GO + "/")) {
      return html;
    }
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "href=\""
                    + java.util.regex.Pattern.quote(
                        Html.escape(siteUrl) + "/" + WebsiteChannel.GO + "/")
                    + "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/?\"")
            .matcher(html);
    StringBuilder out = new StringBuilder(html.length());
    while (m.find()) {
      List<PageRow> pages = known.getOrDefault(UUID.fromString(m.group(1)), List.of());
      PageRow page =
          pages.stream()
              .filter(p -> p.locale().equals(locale))
              .findFirst()
              .orElse(pages.isEmpty() ? null : pages.get(0));
      m.appendReplacement(
          out,
          java.util.regex.Matcher.quoteReplacement(
              page == null ? m.group() : "href=\"" + Html.escape(root + page.path()) + "\""));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The entry ids referenced anywhere in the entry (reference fields, programme speakers). */
  static Set<UUID> references(ContentPublished entry) {
    Set<UUID> out = new LinkedHashSet<>();
    for (FieldSchema f : entry.schema()) {
      JsonNode v = entry.fields().get(f.id());
      if (v == null) {
        continue;
      }
      if (f.type().equals("reference") || f.type().equals("references")) {
        collect(v, out);
      } else if (f.type().equals("richtext")) {
        // Links to other entries' permanent links (go/<id>/), to be made direct page links.
        v.forEach(
            text -> {
              java.util.regex.Matcher m = GO_LINK.matcher(text.asText(""));
              while (m.find()) {
                out.add(UUID.fromString(m.group(1)));
              }
            });
        if (v.isTextual()) {
          java.util.regex.Matcher m = GO_LINK.matcher(v.asText());
          while (m.find()) {
            out.add(UUID.fromString(m.group(1)));
          }
        }
      } else if (f.type().equals("group") && v.isArray()) {
        for (FieldSchema sub : f.fields()) {
          if (sub.type().equals("reference") || sub.type().equals("references")) {
            v.forEach(row -> collect(row.get(sub.id()), out));
          }
        }
      }
    }
    return out;
  }

  private static void collect(JsonNode v, Set<UUID> out) {
    if (v == null) {
      return;
    }
    if (v.isObject()) {
      // A localized reference field: every locale's value.
      v.forEach(x -> collect(x, out));
      return;
    }
    out.addAll(ids(v));
  }

  static List<UUID> ids(JsonNode v) {
    List<UUID> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    List<JsonNode> nodes = new ArrayList<>();
    if (v.isArray()) {
      v.forEach(nodes::add);
    } else {
      nodes.add(v);
    }
    for (JsonNode n : nodes) {
      if (n.isTextual()) {
        try {
          out.add(UUID.fromString(n.asText()));
        } catch (IllegalArgumentException e) {
          // Not an entry id: nothing to link.
        }
      }
    }
    return out;
  }

  /**
   * The referenced entries in their order: linked to their page where they are on the website (in
   * the locale if they have it, else in any), named where they are published elsewhere only;
   * references that are not published are left out.
   */
  static List<Views.Link> resolve(
      List<UUID> ids,
      String locale,
      String root,
      Map<UUID, List<PageRow>> known,
      Map<UUID, ContentPublished> named) {
    List<Views.Link> out = new ArrayList<>();
    for (UUID id : ids) {
      List<PageRow> rows = known.getOrDefault(id, List.of());
      Optional<PageRow> page =
          rows.stream()
              .filter(r -> r.locale().equals(locale))
              .findFirst()
              .or(() -> rows.stream().findFirst());
      if (page.isPresent()) {
        out.add(Views.Link.of(root + page.get().path(), page.get().title()));
      } else if (named.containsKey(id)) {
        out.add(Views.Link.unlinked(named.get(id).title(locale)));
      }
    }
    return out;
  }

  /** Rows by entry id. */
  static Map<UUID, List<PageRow>> byEntry(List<PageRow> rows) {
    Map<UUID, List<PageRow>> out = new HashMap<>();
    rows.forEach(r -> out.computeIfAbsent(r.entryId(), k -> new ArrayList<>()).add(r));
    return out;
  }
}
