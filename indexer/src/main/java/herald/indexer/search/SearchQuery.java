package herald.indexer.search;

import herald.indexer.http.ProblemException;
import java.util.Optional;

/**
 * A validated search request: free text, optional type and locale filters, page size.
 *
 * <p>The text is never parsed as Lucene syntax; {@link ContentSearcher} analyzes it into words.
 */
public record SearchQuery(String text, Optional<String> type, Optional<String> locale, int limit) {
  public static final int DEFAULT_LIMIT = 10;
  public static final int MAX_LIMIT = 100;

  /** Longer texts are not searches a person types; refusing them bounds the work per request. */
  public static final int MAX_TEXT_LENGTH = 500;

  /** Bounds the filters for the same reason; type ids and locale tags are short. */
  public static final int MAX_FILTER_LENGTH = 100;

  public SearchQuery {
    if (text == null || text.isBlank()) {
      throw ProblemException.badRequest("Query parameter 'q' is required and must not be blank.");
    }
    if (text.length() > MAX_TEXT_LENGTH) {
      throw ProblemException.badRequest(
          "Query parameter 'q' must be at most " + MAX_TEXT_LENGTH + " characters.");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw ProblemException.badRequest(
          "Query parameter 'limit' must be an integer from 1 to " + MAX_LIMIT + ".");
    }
    type = filter(type, "type");
    locale = filter(locale, "locale");
  }

  /** Reads the raw query parameters ({@code null} when absent). */
  public static SearchQuery of(String q, String type, String locale, String limit) {
    return new SearchQuery(q, Optional.ofNullable(type), Optional.ofNullable(locale), limit(limit));
  }

  private static int limit(String raw) {
    if (raw == null) {
      return DEFAULT_LIMIT;
    }
    try {
      return Integer.parseInt(raw.strip());
    } catch (NumberFormatException e) {
      throw ProblemException.badRequest(
          "Query parameter 'limit' must be an integer from 1 to " + MAX_LIMIT + ".");
    }
  }

  // A blank filter means no filter, as in a form whose select was left empty.
  private static Optional<String> filter(Optional<String> value, String name) {
    Optional<String> v = value.map(String::strip).filter(s -> !s.isEmpty());
    if (v.isPresent() && v.get().length() > MAX_FILTER_LENGTH) {
      throw ProblemException.badRequest(
          "Query parameter '" + name + "' must be at most " + MAX_FILTER_LENGTH + " characters.");
    }
    return v;
  }
}
