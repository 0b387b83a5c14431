package herald.publisher.channel.website;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.events.ContentPublished;
import herald.publisher.channel.newsletter.NewsletterConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("The website's labels")
class SiteLabelsTest {

  @TempDir Path site;

  /** Every locale HERALD_LOCALES allows by default. */
  static List<String> configuredLocales() {
    return List.of(NewsletterConfig.DEFAULT_LOCALES.split(","));
  }

  static Properties file(String resource) throws IOException {
    try (InputStream in = SiteLabels.class.getClassLoader().getResourceAsStream(resource)) {
      Properties p = new Properties();
      if (in != null) {
        p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
      }
      return p;
    }
  }

  /** The bundle file of a locale tag as Java names it: sr-Cyrl → site_sr_Cyrl.properties. */
  static String fileOf(String base, String tag) {
    Locale l = Locale.forLanguageTag(tag);
    String suffix =
        tag.equals("en")
            ? ""
            : "_" + l.getLanguage() + (l.getScript().isEmpty() ? "" : "_" + l.getScript());
    return base.replace('.', '/') + suffix + ".properties";
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configuredLocales")
  @DisplayName("every configured locale has its own word for every label of the site")
  void everyLabelInEveryLocale(String tag) throws IOException {
    Properties english = file(fileOf(SiteLabels.BUNDLE, "en"));
    Properties own = file(fileOf(SiteLabels.BUNDLE, tag));
    List<String> missing = new ArrayList<>();
    for (String key : english.stringPropertyNames()) {
      if (own.getProperty(key, "").isBlank()) {
        missing.add(key);
      }
    }
    assertEquals(List.of(), missing, "labels missing in " + fileOf(SiteLabels.BUNDLE, tag));
    // And the page's locale finds that file, not English nor the machine's locale.
    SiteLabels labels = SiteLabels.of(tag);
    for (String key : english.stringPropertyNames()) {
      assertEquals(own.getProperty(key), labels.get(key), tag + " " + key);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configuredLocales")
  @DisplayName("the webinar's page shows the site's words in the page's locale")
  void webinarPageInEveryLocale(String tag) throws IOException {
    WebsiteChannel channel =
        new WebsiteChannel(
            site, new InMemoryWebsiteIndex(), WebsiteRenderingTest.settings(2, Optional.empty()));
    channel.publish(
        (ContentPublished)
            WebsiteRenderingTest.event(
                herald.events.GoldenSamples.PUBLISHED_FULL,
                v -> {
                  v.putArray("locales").add(tag);
                  ((ObjectNode) v.get("fields").get("title")).put(tag, "Webinar " + tag);
                }));
    String page =
        Files.readString(site.resolve(tag + "/event/webinar-on-decriminalisation/index.html"));
    SiteLabels labels = SiteLabels.of(tag);
    for (String shown :
        List.of(
            "<h2>" + labels.get("programme") + "</h2>",
            "<th scope=\"col\">" + labels.get("time", "Europe/Belgrade") + "</th>",
            "<th scope=\"col\">" + labels.get("session") + "</th>",
            "<th scope=\"col\">" + labels.get("speakers") + "</th>",
            "rel=\"noopener\">" + labels.get("register") + "</a>",
            "download>" + labels.get("addToCalendar") + "</a>",
            "<p class=\"kind\">" + labels.get("type.event") + "</p>",
            ">" + labels.get("home") + "</a>",
            "<p>" + labels.get("footer") + "</p>")) {
      assertTrue(page.contains(shown), tag + ": no " + shown + " in\n" + page);
    }
  }

  @Test
  @DisplayName("Serbian pages use their own script, and no English label is left on them")
  void serbianInBothScripts() throws IOException {
    WebsiteChannel channel =
        new WebsiteChannel(
            site, new InMemoryWebsiteIndex(), WebsiteRenderingTest.settings(2, Optional.empty()));
    channel.publish(
        (ContentPublished)
            WebsiteRenderingTest.event(
                herald.events.GoldenSamples.PUBLISHED_FULL,
                v -> v.putArray("locales").add("sr-Cyrl").add("sr-Latn")));
    String cyrillic =
        Files.readString(site.resolve("sr-Cyrl/event/webinar-on-decriminalisation/index.html"));
    String latin =
        Files.readString(site.resolve("sr-Latn/event/webinar-on-decriminalisation/index.html"));
    for (String w : List.of("Програм", "Говорници", "Сесија", "Пријавите се", "Догађај")) {
      assertTrue(cyrillic.contains(w), w);
    }
    for (String w : List.of("Program", "Govornici", "Sesija", "Prijavite se", "Događaj")) {
      assertTrue(latin.contains(w), w);
    }
    for (String english :
        List.of(">Programme<", ">Speakers<", ">Session<", ">Register<", "Add to calendar")) {
      assertTrue(!cyrillic.contains(english) && !latin.contains(english), english);
    }
    // The root page has no one language: its heading is the word in each of the site's.
    String root = Files.readString(site.resolve("index.html"));
    assertTrue(
        root.contains(
            "<h1><span lang=\"sr-Cyrl\">Језици</span> · <span lang=\"sr-Latn\">Jezici</span>"),
        root);
    assertTrue(!root.contains("Languages"), root);
  }

  @Test
  @DisplayName("a speaker without a page of their own is shown by name, unlinked")
  void speakerWithoutPage() throws IOException {
    UUID speaker = UUID.fromString(WebsiteRenderingTest.SPEAKER);
    ContentPublished person =
        (ContentPublished)
            WebsiteRenderingTest.event(
                herald.events.GoldenSamples.PUBLISHED,
                v -> {
                  v.put("entryId", speaker.toString());
                  v.put("type", "person");
                  v.put("slug", "milutin-milosevic");
                  v.putArray("channels").add("partners");
                  ((ObjectNode) v.get("fields").get("title")).put("en", "Milutin Milošević");
                });
    WebsiteChannel channel =
        new WebsiteChannel(
            site,
            new InMemoryWebsiteIndex(),
            WebsiteRenderingTest.settings(2, Optional.empty()),
            ids -> ids.contains(speaker) ? Map.of(speaker, person) : Map.of());
    channel.publish(WebsiteRenderingTest.full());
    String en = Files.readString(site.resolve(WebsiteRenderingTest.WEBINAR + "index.html"));
    assertTrue(en.contains("<span class=\"speaker\">Milutin Milošević</span>"), en);
    assertTrue(!en.contains("person/milutin-milosevic"), "no link to a page that does not exist");
  }
}
