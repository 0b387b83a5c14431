package herald.publisher.channel.social;

import com.fasterxml.jackson.databind.JsonNode;
import herald.events.ContentPublished;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes an entry's post for a network: the editor's {@code socialText} when the entry has one,
 * else title, summary, link and hashtags from {@code tags}, fitted to the network's length rule.
 *
 * <p>When the whole does not fit, the summary is shortened first (down to {@value #MIN_SUMMARY}
 * graphemes), then hashtags are dropped from the end, then the summary, and the title is shortened
 * last; the link is always kept. Cuts fall on word boundaries and end with an ellipsis.
 */
public final class SocialText {

  /** The entry field with an editor's own post text, localized or not. */
  public static final String OVERRIDE_FIELD = "socialText";

  static final int MIN_SUMMARY = 40;
  private static final String SEP = "\n\n";
  private static final Pattern SAFE_SEGMENT = Pattern.compile("[A-Za-z0-9._~-]+");
  private static final Pattern HASHTAG =
      Pattern.compile("(?<![\\p{L}\\p{N}_&/])#([\\p{L}\\p{N}_]+)");

  private SocialText() {}

  /**
   * The entry's public URL in a locale: {@code <site>/<locale>/<type>/<slug>/}.
   *
   * @param siteUrl the site's base URL, such as {@code https://example.org}
   */
  public static String url(String siteUrl, String locale, String type, String slug) {
    String base = siteUrl.endsWith("/") ? siteUrl.substring(0, siteUrl.length() - 1) : siteUrl;
    return base + "/" + segment(locale) + "/" + segment(type) + "/" + segment(slug) + "/";
  }

  /** The post for one network in one locale. */
  public static SocialPost compose(
      ContentPublished entry, String locale, Network network, String siteUrl) {
    String url = url(siteUrl, locale, entry.contentType(), entry.slug());
    String text;
    String override = entry.text(OVERRIDE_FIELD, locale).map(String::strip).orElse("");
    if (!override.isEmpty()) {
      text = fitOverride(override, url, network);
    } else {
      String title = oneLine(entry.title(locale));
      String summary = entry.text("summary", locale).map(SocialText::oneLine).orElse("");
      text = fit(title, summary, url, hashtags(entry), network);
    }
    JsonArray facets = network == Network.BLUESKY ? facets(text) : new JsonArray();
    return new SocialPost(network, locale, text, url, facets, network.length(text));
  }

  /**
   * Hashtags from the entry's {@code tags}: {@code harm reduction} becomes {@code #HarmReduction}.
   */
  public static List<String> hashtags(ContentPublished entry) {
    JsonNode tags = entry.fields().get("tags");
    Map<String, String> out = new LinkedHashMap<>();
    if (tags == null || !tags.isArray()) {
      return List.of();
    }
    for (JsonNode t : tags) {
      String tag = hashtag(t.asText(""));
      if (!tag.isEmpty()) {
        out.putIfAbsent(tag.toLowerCase(Locale.ROOT), tag);
      }
    }
    return List.copyOf(out.values());
  }

  static String hashtag(String tag) {
    String[] words = tag.strip().split("[^\\p{L}\\p{N}_]+");
    StringBuilder b = new StringBuilder();
    boolean several = words.length > 1;
    for (String w : words) {
      if (w.isEmpty()) {
        continue;
      }
      if (several) {
        b.appendCodePoint(Character.toUpperCase(w.codePointAt(0)));
        b.append(w, Character.charCount(w.codePointAt(0)), w.length());
      } else {
        b.append(w);
      }
    }
    // A tag of digits only is not a hashtag on either network.
    if (b.length() == 0 || b.chars().allMatch(Character::isDigit)) {
      return "";
    }
    return "#" + b;
  }

  private static String fit(
      String title, String summary, String url, List<String> tags, Network network) {
    int limit = network.limit();
    String full = join(title, summary, url, tags, tags.size());
    if (network.length(full) <= limit) {
      return full;
    }
    // Shorten the summary, keeping as many hashtags as possible.
    if (!summary.isEmpty()) {
      for (int k = tags.size(); k >= 0; k--) {
        int n = k;
        String s =
            longest(
                summary,
                len -> join(title, Graphemes.truncate(summary, len), url, tags, n),
                network);
        if (s != null && Graphemes.count(s) >= Math.min(MIN_SUMMARY, Graphemes.count(summary))) {
          return join(title, s, url, tags, n);
        }
      }
    }
    // No summary: as many hashtags as fit.
    for (int k = tags.size(); k >= 0; k--) {
      String t = join(title, "", url, tags, k);
      if (network.length(t) <= limit) {
        return t;
      }
    }
    // Even the title does not fit beside the link.
    String shortTitle =
        longest(title, len -> join(Graphemes.truncate(title, len), "", url, tags, 0), network);
    return join(shortTitle == null ? "" : shortTitle, "", url, tags, 0);
  }

  private static String fitOverride(String override, String url, Network network) {
    String withLink = override.contains(url) ? override : override + SEP + url;
    if (network.length(withLink) <= network.limit()) {
      return withLink;
    }
    String body = override.replace(url, "").strip();
    String cut = longest(body, len -> Graphemes.truncate(body, len) + SEP + url, network);
    return (cut == null ? "" : cut) + SEP + url;
  }

  /**
   * The longest cut of {@code part} (in graphemes) whose whole text, as {@code whole} builds it,
   * fits the network; null when not even an empty part fits.
   */
  private static String longest(String part, IntFunction<String> whole, Network network) {
    int lo = 0;
    int hi = Graphemes.count(part);
    if (network.length(whole.apply(0)) > network.limit()) {
      return null;
    }
    // Binary search: the text's length grows with the cut's length.
    while (lo < hi) {
      int mid = (lo + hi + 1) / 2;
      if (network.length(whole.apply(mid)) <= network.limit()) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return Graphemes.truncate(part, lo);
  }

  private static String join(String title, String summary, String url, List<String> tags, int k) {
    StringBuilder b = new StringBuilder(title);
    if (!summary.isEmpty()) {
      b.append(SEP).append(summary);
    }
    b.append(SEP).append(url);
    if (k > 0) {
      b.append(SEP).append(String.join(" ", tags.subList(0, k)));
    }
    return b.toString().strip();
  }

  /**
   * Bluesky facets for the links and hashtags in the text, with byte offsets into its UTF-8 form.
   */
  public static JsonArray facets(String text) {
    List<JsonObject> out = new ArrayList<>();
    Matcher links = Network.URL.matcher(text);
    while (links.find()) {
      out.add(
          facet(
              text,
              links.start(),
              links.end(),
              new JsonObject()
                  .put("$type", "app.bsky.richtext.facet#link")
                  .put("uri", links.group())));
    }
    Matcher tags = HASHTAG.matcher(text);
    while (tags.find()) {
      if (insideLink(text, tags.start())) {
        continue;
      }
      out.add(
          facet(
              text,
              tags.start(),
              tags.end(),
              new JsonObject()
                  .put("$type", "app.bsky.richtext.facet#tag")
                  .put("tag", tags.group(1))));
    }
    out.sort((a, b) -> Integer.compare(byteStart(a), byteStart(b)));
    return new JsonArray(new ArrayList<>(out));
  }

  private static boolean insideLink(String text, int at) {
    Matcher links = Network.URL.matcher(text);
    while (links.find()) {
      if (at >= links.start() && at < links.end()) {
        return true;
      }
    }
    return false;
  }

  private static int byteStart(JsonObject facet) {
    return facet.getJsonObject("index").getInteger("byteStart");
  }

  private static JsonObject facet(String text, int start, int end, JsonObject feature) {
    int byteStart = Graphemes.utf8Length(text.substring(0, start));
    int byteEnd = byteStart + Graphemes.utf8Length(text.substring(start, end));
    return new JsonObject()
        .put("index", new JsonObject().put("byteStart", byteStart).put("byteEnd", byteEnd))
        .put("features", new JsonArray().add(feature));
  }

  private static String oneLine(String s) {
    return s.replaceAll("\\s+", " ").strip();
  }

  private static String segment(String s) {
    return SAFE_SEGMENT.matcher(s).matches()
        ? s
        : URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
