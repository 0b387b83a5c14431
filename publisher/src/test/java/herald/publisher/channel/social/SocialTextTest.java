package herald.publisher.channel.social;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import herald.events.ContentEvent;
import herald.events.ContentEventCodec;
import herald.events.ContentPublished;
import herald.events.GoldenSamples;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Social post text")
class SocialTextTest {

  static final String SITE = "https://dpnsee.example.org";
  static final String FAMILY = "👨‍👩‍👧‍👦";
  static final String THUMB = "👍🏽";

  /** The full golden webinar, edited. */
  static ContentPublished entry(Consumer<ObjectNode> edit) {
    ObjectNode value = (ObjectNode) GoldenSamples.json(GoldenSamples.PUBLISHED_FULL).get("value");
    edit.accept(value);
    return (ContentPublished)
        ContentEventCodec.fromData(
            ContentEvent.PUBLISHED, value.toString().getBytes(StandardCharsets.UTF_8));
  }

  static ContentPublished withTitle(String locale, String title) {
    return entry(v -> ((ObjectNode) v.get("fields").get("title")).put(locale, title));
  }

  @Test
  @DisplayName("emoji with modifiers and joiners and letters with combining marks count as one")
  void graphemeClusters() {
    assertEquals(1, Graphemes.count(FAMILY));
    assertEquals(1, Graphemes.count(THUMB));
    assertEquals(1, Graphemes.count("e\u0301"));
    assertEquals(5, Graphemes.count("Ниш 🇷🇸"));
    assertEquals(11, FAMILY.length(), "eleven chars in Java");
  }

  @Test
  @DisplayName("cutting never splits a grapheme and ends with an ellipsis")
  void truncateKeepsClusters() {
    String emoji = FAMILY.repeat(20);
    String cut = Graphemes.truncate(emoji, 10);
    assertEquals(10, Graphemes.count(cut));
    assertEquals(FAMILY.repeat(9) + "…", cut);

    String accents = "e\u0301".repeat(20);
    assertEquals("e\u0301".repeat(4) + "…", Graphemes.truncate(accents, 5));
    assertEquals("short", Graphemes.truncate("short", 5));
  }

  @Test
  @DisplayName("cutting prefers a word boundary")
  void truncateAtWord() {
    String cut = Graphemes.truncate("Смањење штете у Нишу и Београду", 20);
    assertEquals("Смањење штете у…", cut);
    assertTrue(Graphemes.count(cut) <= 20);
  }

  @Test
  @DisplayName("Mastodon counts every URL as 23 characters")
  void mastodonUrlRule() {
    String url = "https://example.org/" + "x".repeat(200);
    assertEquals(4 + 23, Network.MASTODON.length("see " + url));
    assertEquals(4 + Graphemes.count(url), Network.BLUESKY.length("see " + url));
  }

  @Test
  @DisplayName("the post has title, summary, link and hashtags from the tags")
  void fullPost() {
    ContentPublished e = entry(v -> {});
    SocialPost post = SocialText.compose(e, "en", Network.MASTODON, SITE);
    assertEquals(
        "Webinar on decriminalisation\n\nPolicy Webinar under the BOOST Project.\n\n"
            + SITE
            + "/en/event/webinar-on-decriminalisation/\n\n#decriminalisation #BOOST #webinar",
        post.text());
    assertEquals(SITE + "/en/event/webinar-on-decriminalisation/", post.url());
  }

  @Test
  @DisplayName("tags become hashtags: words joined and capitalised, digits alone dropped")
  void hashtags() {
    assertEquals("#HarmReduction", SocialText.hashtag("harm reduction"));
    assertEquals("#BOOST", SocialText.hashtag("BOOST"));
    assertEquals("#ДругаПолитика", SocialText.hashtag("друга политика"));
    assertEquals("", SocialText.hashtag("2026"));
    assertEquals("#HIV_AIDS", SocialText.hashtag("HIV_AIDS"));
  }

  @Test
  @DisplayName("a long Cyrillic title fits every network, cut at a word, with the link kept")
  void longCyrillicTitle() {
    String title =
        "Програми размене игала и шприцева за људе који убризгавају дроге у Србији, Црној Гори"
            + " и Босни и Херцеговини: ревидирани оперативни водич Светске здравствене"
            + " организације ";
    String longTitle = title.repeat(5).strip();
    ContentPublished e = withTitle("sr-Cyrl", longTitle);
    for (Network n : Network.values()) {
      SocialPost post = SocialText.compose(e, "sr-Cyrl", n, SITE);
      assertTrue(post.length() <= n.limit(), n + ": " + post.length());
      assertEquals(n.length(post.text()), post.length());
      assertTrue(post.text().contains(post.url()), "the link is kept");
    }
    SocialPost bsky = SocialText.compose(e, "sr-Cyrl", Network.BLUESKY, SITE);
    String firstLine = bsky.text().split("\n")[0];
    assertTrue(firstLine.endsWith("…"), firstLine);
    String kept = firstLine.substring(0, firstLine.length() - 1);
    assertTrue(longTitle.startsWith(kept), "cut inside the title");
    char after = longTitle.charAt(kept.length());
    assertTrue(Character.isWhitespace(after) || after == ',' || after == ':', "cut at a word");
    assertFalse(firstLine.endsWith(" …"));
    assertTrue(bsky.length() > 250, "the room is used: " + bsky.length());
  }

  @Test
  @DisplayName("emoji in a long title are counted as graphemes and never split")
  void emojiTitle() {
    ContentPublished e = withTitle("en", (FAMILY + " " + THUMB + " Harm reduction ").repeat(60));
    for (Network n : List.of(Network.MASTODON, Network.BLUESKY)) {
      SocialPost post = SocialText.compose(e, "en", n, SITE);
      assertTrue(post.length() <= n.limit(), n + ": " + post.length());
      // Every family emoji that is there is whole: no lone joiners or orphan pieces.
      String noFamilies = post.text().replace(FAMILY, "").replace(THUMB, "");
      assertFalse(noFamilies.contains("\u200d"), "a zero-width joiner was left alone");
      assertFalse(
          noFamilies.codePoints().anyMatch(c -> c >= 0x1F3FB && c <= 0x1F3FF), "a lone modifier");
    }
    SocialPost bsky = SocialText.compose(e, "en", Network.BLUESKY, SITE);
    assertTrue(bsky.length() > 200, "mastodon-style counting would give far fewer");
  }

  @Test
  @DisplayName("the summary is shortened before the hashtags go, and the hashtags before the title")
  void degradationOrder() {
    ContentPublished e =
        entry(
            v ->
                ((ObjectNode) v.get("fields").get("summary"))
                    .put("en", "A summary that goes on. ".repeat(30)));
    SocialPost post = SocialText.compose(e, "en", Network.BLUESKY, SITE);
    assertTrue(post.text().startsWith("Webinar on decriminalisation\n\nA summary that goes on."));
    assertTrue(post.text().contains("…\n\n" + post.url()));
    assertTrue(post.text().endsWith("#decriminalisation #BOOST #webinar"), post.text());
    assertTrue(post.length() <= 300);
  }

  @Test
  @DisplayName("an editor's socialText (localized) replaces the text, and the link is added")
  void overrideText() {
    ContentPublished e =
        entry(
            v -> {
              ((ObjectNode) v.get("fields"))
                  .putObject("socialText")
                  .put("en", "Join us on 4 December! " + THUMB)
                  .put("ru", "Присоединяйтесь 4 декабря!");
              ((com.fasterxml.jackson.databind.node.ArrayNode) v.get("schema"))
                  .addObject()
                  .put("id", "socialText")
                  .put("type", "text")
                  .put("localized", true);
            });
    SocialPost post = SocialText.compose(e, "ru", Network.MASTODON, SITE);
    assertEquals(
        "Присоединяйтесь 4 декабря!\n\n" + SITE + "/ru/event/webinar-on-decriminalisation/",
        post.text());
    assertEquals(
        "Join us on 4 December! "
            + THUMB
            + "\n\n"
            + SITE
            + "/en/event/webinar-on-decriminalisation/",
        SocialText.compose(e, "en", Network.BLUESKY, SITE).text());
  }

  @Test
  @DisplayName("Bluesky facets give UTF-8 byte offsets of the link and the hashtags")
  void facetsInBytes() {
    ContentPublished e = entry(v -> {});
    SocialPost post = SocialText.compose(e, "sr-Cyrl", Network.BLUESKY, SITE);
    byte[] bytes = post.text().getBytes(StandardCharsets.UTF_8);
    JsonArray facets = post.facets();
    assertEquals(4, facets.size(), facets.encode());
    JsonObject link = facets.getJsonObject(0);
    assertEquals(post.url(), slice(bytes, link.getJsonObject("index")));
    assertEquals(
        "app.bsky.richtext.facet#link",
        link.getJsonArray("features").getJsonObject(0).getString("$type"));
    assertEquals(post.url(), link.getJsonArray("features").getJsonObject(0).getString("uri"));
    JsonObject tag = facets.getJsonObject(2);
    assertEquals("#BOOST", slice(bytes, tag.getJsonObject("index")));
    assertEquals("BOOST", tag.getJsonArray("features").getJsonObject(0).getString("tag"));
    // Cyrillic letters are two bytes each: char offsets would be wrong.
    assertTrue(link.getJsonObject("index").getInteger("byteStart") > post.text().indexOf(SITE));
  }

  @Test
  @DisplayName("the link is the site URL with locale, type and slug")
  void link() {
    assertEquals(
        "https://x.org/sr-Cyrl/article/harm-reduction/",
        SocialText.url("https://x.org/", "sr-Cyrl", "article", "harm-reduction"));
    assertEquals(
        "https://x.org/en/article/%D0%BD%D0%B8%D1%88/",
        SocialText.url("https://x.org", "en", "article", "ниш"));
  }

  private static String slice(byte[] bytes, JsonObject index) {
    return new String(
        Arrays.copyOfRange(bytes, index.getInteger("byteStart"), index.getInteger("byteEnd")),
        StandardCharsets.UTF_8);
  }
}
