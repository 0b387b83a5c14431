package herald.api.content;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The locales content is written in, and how it is delivered.
 *
 * @param locales the configured locales, the default first
 * @param localeFallbacks per locale, the others to try before the default one
 * @param publicDelivery whether the delivery API answers without a key
 * @param responseCacheSize how many delivery responses the cache keeps
 */
public record ContentConfig(
    List<String> locales,
    Map<String, List<String>> localeFallbacks,
    boolean publicDelivery,
    int responseCacheSize) {

  public ContentConfig {
    locales = List.copyOf(locales);
    if (locales.isEmpty()) {
      throw new IllegalArgumentException("HERALD_LOCALES must name at least one locale");
    }
    // Chains may only name configured locales; others are dropped from them.
    Map<String, List<String>> kept = new java.util.HashMap<>();
    for (Map.Entry<String, List<String>> f : localeFallbacks.entrySet()) {
      if (locales.contains(f.getKey())) {
        kept.put(f.getKey(), f.getValue().stream().filter(locales::contains).toList());
      }
    }
    localeFallbacks = Map.copyOf(kept);
  }

  /**
   * The locales to try for a requested one: itself, its configured fallbacks, then the default
   * locale.
   */
  public List<String> fallbackChain(String locale) {
    LinkedHashSet<String> chain = new LinkedHashSet<>();
    chain.add(locale);
    chain.addAll(localeFallbacks.getOrDefault(locale, List.of()));
    chain.add(defaultLocale());
    return List.copyOf(chain);
  }

  /** The default locale: the first configured one. */
  public String defaultLocale() {
    return locales.get(0);
  }
}
