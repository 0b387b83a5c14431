package herald.publisher.channel.social;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A kind of social account and how it measures a post. */
public enum Network {
  /** Mastodon: 500 grapheme clusters, every URL counted as 23 whatever its length. */
  MASTODON("mastodon", 500),
  /** Bluesky: 300 grapheme clusters, URLs counted in full; links are facets. */
  BLUESKY("bluesky", 300),
  /** A signed webhook to a tool of the organisation's own (Buffer, Zapier): a generous limit. */
  WEBHOOK("webhook", 2000);

  /** What Mastodon counts for any URL (its t.co-like rule). */
  public static final int MASTODON_URL_LENGTH = 23;

  /** An http(s) URL as Mastodon and Bluesky detect it in a post. */
  static final Pattern URL = Pattern.compile("https?://[^\\s<>\"]+[^\\s<>\".,;:!?)\\]'’”]");

  private final String id;
  private final int limit;

  Network(String id, int limit) {
    this.id = id;
    this.limit = limit;
  }

  /** The name used in configuration and previews. */
  public String id() {
    return id;
  }

  /** The most a post may measure on this network. */
  public int limit() {
    return limit;
  }

  /** How long the network considers the text to be. */
  public int length(String text) {
    if (this != MASTODON) {
      return Graphemes.count(text);
    }
    Matcher m = URL.matcher(text);
    StringBuilder rest = new StringBuilder();
    int urls = 0;
    int last = 0;
    while (m.find()) {
      rest.append(text, last, m.start());
      last = m.end();
      urls++;
    }
    rest.append(text, last, text.length());
    return Graphemes.count(rest.toString()) + urls * MASTODON_URL_LENGTH;
  }

  /** The network of a configuration name such as {@code mastodon}. */
  public static Network of(String id) {
    for (Network n : values()) {
      if (n.id.equalsIgnoreCase(id)) {
        return n;
      }
    }
    throw new IllegalArgumentException("unknown social network '" + id + "'");
  }
}
