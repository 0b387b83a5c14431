package herald.publisher.channel.website;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import herald.events.ContentUnpublished;
import herald.events.GoldenSamples;
import herald.publisher.PublisherConfig;
import herald.publisher.channel.UndeliverableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The website channel")
class WebsiteChannelTest {

  static final String SLUG = "needle-and-syringe-programmes-nsp-for-people-who-inject-drugs";

  @TempDir Path site;
  WebsiteChannel channel;

  @BeforeEach
  void setUp() {
    channel = new WebsiteChannel(site);
  }

  static ContentEvent golden(String name) {
    return ContentEventCodec.fromRecord(GoldenSamples.consumerRecord(name, "content", 0, 0));
  }

  static ContentPublished published() {
    return (ContentPublished) golden(GoldenSamples.PUBLISHED);
  }

  static ContentEvent variant(String name, Consumer<ObjectNode> edit) {
    return ContentEventCodec.fromRecord(
        toConsumerRecord(GoldenSamples.producerRecord(name, "content", edit)));
  }

  static org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]> toConsumerRecord(
      org.apache.kafka.clients.producer.ProducerRecord<String, byte[]> p) {
    return new org.apache.kafka.clients.consumer.ConsumerRecord<>(
        p.topic(),
        0,
        0L,
        0L,
        org.apache.kafka.common.record.TimestampType.CREATE_TIME,
        -1,
        p.value().length,
        p.key(),
        p.value(),
        p.headers(),
        java.util.Optional.empty());
  }

  String page(String locale) throws IOException {
    return Files.readString(
        site.resolve(locale).resolve("event").resolve(SLUG).resolve("index.html"));
  }

  @Test
  @DisplayName("publishing the golden webinar writes one page per locale at locale/type/slug")
  void writesAPagePerLocale() throws IOException {
    channel.publish(published());

    assertTrue(Files.isRegularFile(site.resolve("en/event/" + SLUG + "/index.html")));
    assertTrue(Files.isRegularFile(site.resolve("sr-Cyrl/event/" + SLUG + "/index.html")));
    assertEquals(
        site.resolve("en/event/" + SLUG + "/index.html"), channel.pagePath("en", "event", SLUG));
  }

  @Test
  @DisplayName(
      "a preview is the page publishing would write, written nowhere, linking what is published")
  void previewWritesNothing() throws IOException {
    String preview = channel.preview(published(), "sr-Cyrl");
    assertTrue(preview.startsWith("<!DOCTYPE html>\n<html lang=\"sr-Cyrl\">"), preview);
    try (var files = Files.list(site)) {
      assertEquals(0, files.count(), "the preview wrote nothing");
    }
    channel.publish(published());
    assertEquals(page("sr-Cyrl"), channel.preview(published(), "sr-Cyrl"));
  }

  @Test
  @DisplayName(
      "an entry's permanent link leads to its page, and a link to it in rich text is made a"
          + " direct link to that page in the same locale")
  void entryLinks() throws IOException {
    ContentPublished webinar = published();
    channel.publish(webinar);
    Path go = site.resolve("go/" + webinar.entryId() + "/index.html");
    String redirect = Files.readString(go);
    assertTrue(
        redirect.contains("url=../../en/event/" + SLUG + "/\""),
        "to the first locale: " + redirect);
    assertEquals(go, channel.goPath(webinar.entryId()));

    String link = PublisherConfig.siteUrl(java.util.Map.of()) + "/go/" + webinar.entryId() + "/";
    ContentPublished article =
        (ContentPublished)
            variant(
                GoldenSamples.PUBLISHED,
                v -> {
                  v.put("entryId", "0b3a6c1e-2d1a-4a57-9b7e-0f6a3c9d2e12");
                  v.put("slug", "a-guide-to-the-guide");
                  ObjectNode body = (ObjectNode) v.get("fields").get("body");
                  body.put("en", "Read [the webinar](" + link + ") first.");
                  body.put("sr-Cyrl", "Прочитајте [вебинар](" + link + ").");
                });
    channel.publish(article);
    String en = Files.readString(site.resolve("en/event/a-guide-to-the-guide/index.html"));
    assertTrue(en.contains("<a href=\"../../../en/event/" + SLUG + "/\""), en);
    String sr = Files.readString(site.resolve("sr-Cyrl/event/a-guide-to-the-guide/index.html"));
    assertTrue(sr.contains("<a href=\"../../../sr-Cyrl/event/" + SLUG + "/\""), sr);

    channel.unpublish(
        new herald.events.ContentUnpublished(
            webinar.entryId(),
            webinar.version() + 1,
            webinar.contentType(),
            webinar.slug(),
            webinar.locales(),
            webinar.channels(),
            java.time.Instant.now()));
    assertTrue(!Files.exists(go), "the permanent link goes with the entry");
  }

  @Test
  @DisplayName("each page is a complete HTML5 document in its own language")
  void pagesAreCompleteDocumentsInTheirLanguage() throws IOException {
    channel.publish(published());

    String en = page("en");
    assertTrue(en.startsWith("<!DOCTYPE html>\n<html lang=\"en\">"), en);
    assertTrue(en.contains("<meta charset=\"utf-8\">"));
    assertTrue(
        en.contains(
            "<title>Needle and Syringe Programmes (NSP) for People Who Inject Drugs</title>"));
    assertTrue(
        en.contains("<h1>Needle and Syringe Programmes (NSP) for People Who Inject Drugs</h1>"));
    assertTrue(
        en.contains(
            "WHO, Médecins du Monde and INHSU launch WHO’s revised NSP operational guide."));
    assertTrue(en.contains("<p>Needle and syringe programmes (NSPs) are highly effective"));
    assertTrue(en.trim().endsWith("</html>"));

    String sr = page("sr-Cyrl");
    assertTrue(sr.startsWith("<!DOCTYPE html>\n<html lang=\"sr-Cyrl\">"), sr);
    assertTrue(
        sr.contains("<h1>Програми размене игала и шприцева за људе који убризгавају дроге</h1>"));
    assertTrue(sr.contains("СЗО, Лекари света и INHSU представљају ревидирани водич."));
  }

  @Test
  @DisplayName("markup in the content is escaped and cannot run")
  void contentMarkupIsEscaped() throws IOException {
    channel.publish(published());

    String en = page("en");
    assertFalse(en.contains("<script>"), "a script element came through");
    assertTrue(en.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
  }

  @Test
  @DisplayName(
      "an event shows its time in its own zone, a registration button, a calendar file, and its"
          + " other fields as a definition list")
  void eventLayout() throws IOException {
    channel.publish(published());

    String en = page("en");
    assertTrue(en.contains("layout-event"));
    // 14:00 UTC is 15:00 in Belgrade in February.
    assertTrue(
        en.contains(
            "<time datetime=\"2026-02-10T14:00Z\">Tuesday, February 10, 2026, 3:00 PM"
                + " (Europe/Belgrade)</time>"),
        en);
    assertTrue(en.contains("<dt>Organisers</dt>\n<dd>WHO, MdM, INHSU</dd>"));
    assertTrue(
        en.contains(
            "<a class=\"button register\" href=\"https://example.org/register/nsp-webinar\""
                + " rel=\"noopener\">Register</a>"));
    assertTrue(en.contains("<a class=\"button secondary\" href=\"event.ics\" download>"));
    assertTrue(en.contains("hreflang=\"sr-Cyrl\""), "links to the other language");
    String ics = Files.readString(site.resolve("en/event/" + SLUG + "/event.ics"));
    assertTrue(ics.contains("\r\nDTSTART:20260210T140000Z\r\n"), ics);
  }

  @Test
  @DisplayName("a url field that is not a web address never becomes a link")
  void scriptUrlIsNotALink() throws IOException {
    channel.publish(
        (ContentPublished)
            variant(
                GoldenSamples.PUBLISHED,
                v -> ((ObjectNode) v.get("fields")).put("registrationUrl", "javascript:alert(1)")));

    String en = page("en");
    assertFalse(en.contains("javascript:"), en);
    assertFalse(en.contains(">Register</a>"));
  }

  @Test
  @DisplayName("writing a page leaves no temporary files behind")
  void atomicWriteLeavesNoTemporaryFiles() throws IOException {
    channel.publish(published());
    channel.publish(published());

    for (String locale : List.of("en", "sr-Cyrl")) {
      try (Stream<Path> files = Files.list(site.resolve(locale).resolve("event").resolve(SLUG))) {
        assertEquals(
            List.of("event.ics", "index.html"),
            files.map(f -> f.getFileName().toString()).sorted().toList());
      }
    }
  }

  @Test
  @DisplayName("an atomic write replaces the whole file")
  void atomicWriteReplacesContent() throws IOException {
    Path target = site.resolve("a").resolve("index.html");
    WebsiteChannel.writeAtomically(target, "first version".getBytes(StandardCharsets.UTF_8));
    WebsiteChannel.writeAtomically(target, "second".getBytes(StandardCharsets.UTF_8));

    assertEquals("second", Files.readString(target));
    try (Stream<Path> files = Files.list(target.getParent())) {
      assertEquals(1, files.count());
    }
  }

  @Test
  @DisplayName("publishing the same version twice gives the same pages")
  void publishingIsIdempotent() throws IOException {
    channel.publish(published());
    String first = page("en");
    channel.publish(published());

    assertEquals(first, page("en"));
  }

  @Test
  @DisplayName("unpublishing removes every locale's page and the directories left empty")
  void unpublishRemovesPages() throws IOException {
    channel.publish(published());

    channel.unpublish((ContentUnpublished) golden(GoldenSamples.UNPUBLISHED));

    assertFalse(Files.exists(site.resolve("en")));
    assertFalse(Files.exists(site.resolve("sr-Cyrl")));
    assertTrue(Files.isDirectory(site), "the site root stays");
  }

  @Test
  @DisplayName("unpublishing leaves other entries' pages alone, and twice is not an error")
  void unpublishLeavesOthers() throws IOException {
    channel.publish(published());
    channel.publish(
        (ContentPublished)
            variant(
                GoldenSamples.PUBLISHED,
                v -> {
                  v.put("slug", "another-webinar");
                  v.put("entryId", "7f1d2c3b-4a59-4867-9e8d-1c2b3a4d5e6f");
                }));

    ContentUnpublished unpublished = (ContentUnpublished) golden(GoldenSamples.UNPUBLISHED);
    channel.unpublish(unpublished);
    channel.unpublish(unpublished);

    assertFalse(Files.exists(site.resolve("en/event/" + SLUG)));
    assertTrue(Files.isRegularFile(site.resolve("en/event/another-webinar/index.html")));
  }

  @Test
  @DisplayName("a locale dropped by a later version goes offline")
  void droppedLocaleIsRemoved() throws IOException {
    channel.publish(published());

    channel.publish(
        (ContentPublished)
            variant(
                GoldenSamples.PUBLISHED,
                v -> {
                  v.put("version", 5);
                  v.putArray("locales").add("en");
                }));

    assertTrue(Files.isRegularFile(site.resolve("en/event/" + SLUG + "/index.html")));
    assertFalse(Files.exists(site.resolve("sr-Cyrl")));
  }

  @Test
  @DisplayName("a slug that would leave the site directory is undeliverable and writes nothing")
  void unsafeSlugIsUndeliverable() throws IOException {
    ContentPublished evil =
        (ContentPublished) variant(GoldenSamples.PUBLISHED, v -> v.put("slug", "../../etc"));

    assertThrows(UndeliverableException.class, () -> channel.publish(evil));
    try (Stream<Path> files = Files.list(site)) {
      assertEquals(0, files.count());
    }
  }
}
