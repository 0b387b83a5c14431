package herald.publisher.channel.social;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One of the organisation's social accounts.
 *
 * @param id a stable name of the account, part of the idempotency keys and of the post table's key:
 *     renaming it makes Herald forget what it posted there
 * @param url Mastodon: the instance ({@code https://mastodon.social}); Bluesky: the PDS ({@code
 *     https://bsky.social}); webhook: the URL posted to
 * @param handle Bluesky: the handle or DID to log in with; null elsewhere
 * @param secret Mastodon: the access token; Bluesky: an app password; webhook: the signing secret
 *     ({@code whsec_<base64>} as Standard Webhooks writes it, or any string)
 * @param locale the locale to post in when the entry has it; null: the entry's first locale
 */
public record SocialAccount(
    String id, Network network, String url, String handle, String secret, String locale) {

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  public SocialAccount {
    Objects.requireNonNull(network, "network");
    if (id == null || !ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "a social account id must be 1-64 letters, digits, '.', '_' or '-', was '" + id + "'");
    }
    if (url == null || !(url.startsWith("https://") || url.startsWith("http://"))) {
      throw new IllegalArgumentException("social account " + id + " needs an http(s) url");
    }
    URI.create(url); // rejects what is not a URI at start-up rather than at the first post
    url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    if (secret == null || secret.isBlank()) {
      throw new IllegalArgumentException(
          "social account " + id + " needs its " + secretName(network));
    }
    if (network == Network.BLUESKY && (handle == null || handle.isBlank())) {
      throw new IllegalArgumentException("bluesky account " + id + " needs its handle");
    }
  }

  /**
   * An account from its JSON configuration: {@code {"id", "network", "url", "token" | "password" |
   * "secret", "handle"?, "locale"?}}.
   */
  public static SocialAccount fromJson(JsonObject json) {
    Network network = Network.of(json.getString("network", ""));
    return new SocialAccount(
        json.getString("id"),
        network,
        json.getString("url"),
        json.getString("handle"),
        json.getString(secretName(network)),
        json.getString("locale"));
  }

  /** The locale to post in, if the account has one set. */
  public Optional<String> preferredLocale() {
    return Optional.ofNullable(locale).filter(l -> !l.isBlank());
  }

  private static String secretName(Network network) {
    return switch (network) {
      case MASTODON -> "token";
      case BLUESKY -> "password";
      case WEBHOOK -> "secret";
    };
  }

  @Override
  public String toString() {
    // Accounts are logged; their secrets must not be.
    return "SocialAccount[" + id + ", " + network.id() + ", " + url + "]";
  }
}
