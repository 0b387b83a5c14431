package herald.publisher.channel.website;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.events.ContentPublished;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The schema.org JSON-LD of an entry's page (an Event, an Article or a CreativeWork). */
final class JsonLd {

  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonLd() {}

  /** JSON-LD for the page, escaped so that it cannot close its script element. */
  static String of(
      ContentPublished entry,
      String locale,
      String title,
      String summary,
      String url,
      ZoneId zone,
      Views.Event event,
      Map<UUID, List<PageRow>> known,
      Map<UUID, ContentPublished> named) {
    ObjectNode n = JSON.createObjectNode();
    n.put("@context", "https://schema.org");
    if (event != null) {
      n.put("@type", "Event");
      n.put("name", title);
      if (summary != null) {
        n.put("description", summary);
      }
      WebsiteRenderer.dateTime(entry, "startsAt", locale)
          .ifPresent(
              s -> n.put("startDate", s.atZoneSameInstant(zone).toOffsetDateTime().toString()));
      WebsiteRenderer.dateTime(entry, "endsAt", locale)
          .ifPresent(
              s -> n.put("endDate", s.atZoneSameInstant(zone).toOffsetDateTime().toString()));
      n.put("eventStatus", "https://schema.org/EventScheduled");
      n.put(
          "eventAttendanceMode",
          event.online()
              ? "https://schema.org/OnlineEventAttendanceMode"
              : "https://schema.org/OfflineEventAttendanceMode");
      ObjectNode location = n.putObject("location");
      if (event.online()) {
        location.put("@type", "VirtualLocation");
        location.put("url", event.registration() != null ? event.registration().href() : url);
      } else {
        location.put("@type", "Place");
        location.put("name", event.venue() != null ? event.venue() : title);
        entry
            .value("venue", locale)
            .filter(v -> v.has("lat") && v.has("lon"))
            .ifPresent(
                v -> {
                  ObjectNode geo = location.putObject("geo");
                  geo.put("@type", "GeoCoordinates");
                  geo.put("latitude", v.get("lat").asDouble());
                  geo.put("longitude", v.get("lon").asDouble());
                });
      }
      if (event.registration() != null) {
        ObjectNode offer = n.putObject("offers");
        offer.put("@type", "Offer");
        offer.put("url", event.registration().href());
        offer.put("price", 0);
        offer.put("availability", "https://schema.org/InStock");
      }
      ArrayNode organisers = JSON.createArrayNode();
      for (Views.Link o :
          EntryLinks.resolve(
              EntryLinks.ids(entry.value("organisers", locale).orElse(null)),
              locale,
              "",
              known,
              named)) {
        organisers.addObject().put("@type", "Organization").put("name", o.label());
      }
      if (!organisers.isEmpty()) {
        n.set("organizer", organisers);
      }
    } else {
      n.put(
          "@type",
          WebsiteRenderer.layout(entry.contentType()).equals("article")
              ? "Article"
              : "CreativeWork");
      n.put("headline", title);
      if (summary != null) {
        n.put("description", summary);
      }
      n.put("datePublished", entry.occurredAt().toString());
    }
    entry.text("image", locale).filter(Html::isWebUrl).ifPresent(i -> n.put("image", i));
    n.put("inLanguage", locale);
    n.put("url", url);
    return n.toString().replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
  }
}
