package herald.publisher.channel.newsletter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import herald.events.GoldenSamples;
import herald.publisher.channel.newsletter.IssueRenderer.Rendered;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Rendering an issue")
class IssueRendererTest {

  static final String SITE = "https://dpnsee.example.org";
  static final String UNSUB = "https://news.example.org/v1/newsletter/unsubscribe?token=abc";
  final IssueRenderer renderer = new IssueRenderer("DPNSEE Newsletter", SITE);

  @Test
  @DisplayName("the seed newsletter renders as one issue: every item, in order, in both parts")
  void seedIssue() {
    List<ContentPublished> items = SeedIssue.entries();
    assertEquals(9, items.size());
    Rendered r = renderer.render(42, "DPNSEE Newsletter – January 2026", items, "en", UNSUB);

    String html = r.html();
    assertTrue(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">"));
    assertTrue(
        html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"));
    assertTrue(html.contains("max-width:600px"), "one responsive column");
    int last = -1;
    for (ContentPublished item : items) {
      String title = IssueRenderer.escape(item.title("en"));
      int at = html.indexOf(">" + title + "</a></h2>");
      assertTrue(at > last, "item in order: " + title);
      last = at;
      assertTrue(r.text().contains("== " + item.title("en") + " =="), item.title("en"));
      assertTrue(
          html.contains(
              "href=\"" + SITE + "/en/" + item.contentType() + "/" + item.slug() + "/\""));
    }
    // The webinar: its time in its own zone, the programme table and the registration button.
    assertTrue(html.contains("Event · 4 December 2025, 14:30 (Europe/Belgrade)"), "event time");
    assertTrue(html.contains(">14:30–14:37</td>"), "programme time");
    assertTrue(html.contains(">Opening &amp; overview</td>"), "programme row");
    assertTrue(
        html.contains(
            "<a href=\"https://us02web.zoom.us/j/89055986872\" style=\"display:inline-block;"),
        "registration button");
    assertTrue(r.text().contains("Register: https://us02web.zoom.us/j/89055986872"));
    // Rich text: lists from the body, styled inline.
    assertTrue(html.contains("<li style=\"margin:0 0 6px;"));
    assertTrue(
        html.contains(
            "<h2 style=\"margin:16px 0 8px;font-size:18px;\">Purpose and Objectives</h2>"));
    // The footer: the recipient's unsubscribe link in both parts.
    assertTrue(html.contains("href=\"" + IssueRenderer.escape(UNSUB) + "\""));
    assertTrue(r.text().contains("Unsubscribe: " + UNSUB));
    assertFalse(html.contains("<style"), "no style sheet: mail clients drop them");
  }

  @Test
  @DisplayName(
      "hostile rich text comes out inert: no script, event handler, javascript: link or svg")
  void hostileRichText() {
    ContentPublished evil =
        entry(
            v ->
                ((ObjectNode) v.get("fields").get("body"))
                    .put(
                        "en",
                        "Hello <script>alert(1)</script>\n\n"
                            + "<img src=x onerror=alert(2)>\n\n"
                            + "[click](javascript:alert(3)) and [ok](https://example.org/ok)\n\n"
                            + "<svg onload=alert(4)><circle r=1></circle></svg>\n\n"
                            + "<a href=\"javascript:alert(5)\">raw</a>"));
    Rendered r = renderer.render(1, "Subject <b>bold</b>", List.of(evil), "en", UNSUB);
    String html = r.html().toLowerCase(Locale.ROOT);
    assertFalse(html.contains("<script"), "script element");
    assertFalse(html.contains("<svg"), "svg element");
    assertFalse(html.contains("<img"), "img element");
    assertFalse(html.contains("javascript:alert(3)\""), "javascript link");
    assertFalse(html.contains("href=\"javascript"), "javascript href");
    assertFalse(html.matches("(?s).*<[^>]* onerror=.*"), "event handler attribute");
    assertFalse(html.matches("(?s).*<[^>]* onload=.*"), "event handler attribute");
    assertTrue(html.contains("href=\"https://example.org/ok\""), "safe links stay");
    assertTrue(
        r.html().contains("<title>Subject &lt;b&gt;bold&lt;/b&gt;</title>"), "subject escaped");
  }

  @Test
  @DisplayName("a programme given as a group is a table of times in the event's time zone")
  void programmeGroup() {
    ContentPublished full =
        (ContentPublished)
            ContentEventCodec.fromData(
                ContentEvent.PUBLISHED,
                GoldenSamples.json(GoldenSamples.PUBLISHED_FULL)
                    .get("value")
                    .toString()
                    .getBytes(StandardCharsets.UTF_8));
    Rendered r = renderer.render(3, "Webinars", List.of(full), "ru", UNSUB);
    assertTrue(r.html().contains("<html lang=\"ru\">"));
    assertTrue(r.html().contains("Вебинар о декриминализации"));
    assertTrue(r.html().contains(">14:30–14:37</td>"), r.html());
    assertTrue(r.html().contains("The BOOST policy paper “Decriminalize!”"));
    assertTrue(r.text().contains("14:30–14:37  Opening & overview"));
    assertTrue(
        r.html().contains("4 декабря 2025, 14:30 (Europe/Belgrade)"),
        "date in the reader's language");
  }

  @Test
  @DisplayName("an item without the reader's locale comes in its first locale")
  void localeFallback() {
    List<ContentPublished> items = SeedIssue.entries();
    Rendered r = renderer.render(1, "S", items.subList(0, 1), "sr-Cyrl", UNSUB);
    assertTrue(
        r.html().contains("Needle and Syringe Programmes (NSP) for People Who Inject Drugs"));
    assertTrue(r.html().contains(SITE + "/en/event/"));
  }

  static ContentPublished entry(java.util.function.Consumer<ObjectNode> edit) {
    ObjectNode value = (ObjectNode) GoldenSamples.json(GoldenSamples.PUBLISHED).get("value");
    edit.accept(value);
    return (ContentPublished)
        ContentEventCodec.fromData(
            ContentEvent.PUBLISHED, value.toString().getBytes(StandardCharsets.UTF_8));
  }
}
