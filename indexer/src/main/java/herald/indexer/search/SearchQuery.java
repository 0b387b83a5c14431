package herald.indexer.search;

import herald.indexer.http.ProblemException;
import io.vertx.core.MultiMap;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A validated search request: free text, filters, order, page size and the cursor of the page.
 *
 * <p>The text is never parsed as Lucene syntax: {@link QueryText} only knows words, {@code
 * "phrases"} and {@code -exclusions}. It may be empty only when a filter is given (browsing).
 *
 * @param tags every one must be present (tags narrow down)
 * @param refs every one must be referenced: an entry id, or {@code field:id} ({@code speakers:…})
 * @param types any one (likewise {@code locales}, {@code channels})
 */
public record SearchQuery(
    String text,
    List<String> types,
    List<String> locales,
    List<String> tags,
    List<String> channels,
    List<String> refs,
    Optional<Instant> publishedFrom,
    Optional<Instant> publishedTo,
    Optional<Instant> startsFrom,
    Optional<Instant> startsTo,
    Order order,
    int limit,
    Optional<String> cursor,
    Set<String> facets) {

  public static final int DEFAULT_LIMIT = 10;
  public static final int MAX_LIMIT = 100;

  /** Longer texts are not searches a person types; refusing them bounds the work per request. */
  public static final int MAX_TEXT_LENGTH = 500;

  /** Bounds the filters for the same reason; type ids, locale tags and tags are short. */
  public static final int MAX_FILTER_LENGTH = 200;

  /** At most this many values per filter parameter. */
  public static final int MAX_FILTER_VALUES = 20;

  /** The order of results. */
  public enum Order {
    /** Best match first (the default when there is text). */
    RELEVANCE("relevance"),
    /** Newest first (the default when browsing): event start for events, else publish date. */
    DATE_DESC("date"),
    /** Oldest first, e.g. upcoming events from a start date on. */
    DATE_ASC("date:asc");

    private final String param;

    Order(String param) {
      this.param = param;
    }

    public String param() {
      return param;
    }

    static Optional<Order> of(String param) {
      for (Order o : values()) {
        if (o.param.equals(param)) {
          return Optional.of(o);
        }
      }
      return param.equals("date:desc") ? Optional.of(DATE_DESC) : Optional.empty();
    }
  }

  public SearchQuery {
    // Kept as typed: a trailing space tells that the last word is complete (no prefix search).
    text = text == null || text.isBlank() ? "" : text;
    if (text.length() > MAX_TEXT_LENGTH) {
      throw ProblemException.badRequest(
          "Query parameter 'q' must be at most " + MAX_TEXT_LENGTH + " characters.");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
        throw ProblemException.badRequest(
            "Query parameter 'q' must not contain control characters.");
      }
    }
    facets = Set.copyOf(facets);
    types = List.copyOf(types);
    locales = List.copyOf(locales);
    tags = List.copyOf(tags);
    channels = List.copyOf(channels);
    refs = List.copyOf(refs);
    if (text.isEmpty()
        && !hasFilter(types, locales, tags, channels, refs)
        && publishedFrom.isEmpty()
        && publishedTo.isEmpty()
        && startsFrom.isEmpty()
        && startsTo.isEmpty()) {
      throw ProblemException.badRequest(
          "Query parameter 'q' is required and must not be blank, unless a filter is given.");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw ProblemException.badRequest(
          "Query parameter 'limit' must be an integer from 1 to " + MAX_LIMIT + ".");
    }
    if (order == null) {
      order = text.isEmpty() ? Order.DATE_DESC : Order.RELEVANCE;
    }
    if (order == Order.RELEVANCE && text.isEmpty()) {
      // Nothing to be relevant to: browsing lists the newest first.
      order = Order.DATE_DESC;
    }
    inIndexRange(publishedFrom, "publishedFrom");
    inIndexRange(publishedTo, "publishedTo");
    inIndexRange(startsFrom, "startsFrom");
    inIndexRange(startsTo, "startsTo");
    range(publishedFrom, publishedTo, "publishedFrom", "publishedTo");
    range(startsFrom, startsTo, "startsFrom", "startsTo");
  }

  /**
   * The index holds dates as epoch milliseconds in a long; RFC 3339 parses far beyond (the year
   * 999,999,999), which would fail the search rather than the request.
   */
  private static void inIndexRange(Optional<Instant> instant, String name) {
    if (instant.isEmpty()) {
      return;
    }
    try {
      instant.get().toEpochMilli();
    } catch (ArithmeticException e) {
      throw ProblemException.badRequest(
          "Query parameter '" + name + "' is out of range (the years 1 to 9999 are fine).");
    }
  }

  private static boolean hasFilter(List<?>... lists) {
    for (List<?> l : lists) {
      if (!l.isEmpty()) {
        return true;
      }
    }
    return false;
  }

  private static void range(Optional<Instant> from, Optional<Instant> to, String f, String t) {
    if (from.isPresent() && to.isPresent() && from.get().isAfter(to.get())) {
      throw ProblemException.badRequest("'" + f + "' must not be after '" + t + "'.");
    }
  }

  /** A plain text search with optional type and locale, as the first version of the API had. */
  public static SearchQuery of(String q, String type, String locale, String limit) {
    MultiMap params = MultiMap.caseInsensitiveMultiMap();
    putIfPresent(params, "q", q);
    putIfPresent(params, "type", type);
    putIfPresent(params, "locale", locale);
    putIfPresent(params, "limit", limit);
    return of(params);
  }

  private static void putIfPresent(MultiMap params, String name, String value) {
    if (value != null) {
      params.add(name, value);
    }
  }

  /** Reads the query parameters of {@code GET /v1/search}. */
  public static SearchQuery of(MultiMap params) {
    return new SearchQuery(
        text(params),
        values(params, "type", true),
        values(params, "locale", true),
        values(params, "tag", false),
        values(params, "channel", true),
        values(params, "ref", true),
        instant(params, "publishedFrom", false),
        instant(params, "publishedTo", true),
        instant(params, "startsFrom", false),
        instant(params, "startsTo", true),
        single(params, "sort", MAX_FILTER_LENGTH)
            .map(
                s ->
                    Order.of(s)
                        .orElseThrow(
                            () ->
                                ProblemException.badRequest(
                                    "Query parameter 'sort' must be relevance, date or date:asc.")))
            .orElse(null),
        limit(single(params, "limit", MAX_FILTER_LENGTH).orElse(null)),
        single(params, "cursor", 1_000),
        facets(params));
  }

  /** {@code facets=true} (all), or some of {@code type,locale,tags,year}; none by default. */
  private static Set<String> facets(MultiMap params) {
    Set<String> out = new LinkedHashSet<>();
    for (String v : values(params, "facets", true)) {
      switch (v) {
        case "true", "all" -> out.addAll(FacetCounts.NAMES);
        case "false", "none" -> {}
        default -> {
          if (!FacetCounts.NAMES.contains(v)) {
            throw ProblemException.badRequest(
                "Query parameter 'facets' takes true or some of type, locale, tags, year.");
          }
          out.add(v);
        }
      }
    }
    return out;
  }

  private static String text(MultiMap params) {
    List<String> all = params.getAll("q");
    if (all.size() > 1) {
      throw ProblemException.badRequest("Query parameter 'q' must be given once.");
    }
    return all.isEmpty() ? "" : all.get(0);
  }

  private static Optional<String> single(MultiMap params, String name, int maxLength) {
    List<String> all = params.getAll(name);
    if (all.size() > 1) {
      throw ProblemException.badRequest("Query parameter '" + name + "' must be given once.");
    }
    Optional<String> v = all.stream().findFirst().map(String::strip).filter(s -> !s.isEmpty());
    if (v.isPresent() && v.get().length() > maxLength) {
      throw ProblemException.badRequest(
          "Query parameter '" + name + "' must be at most " + maxLength + " characters.");
    }
    return v;
  }

  // A blank value means no filter, as in a form whose select was left empty.
  private static List<String> values(MultiMap params, String name, boolean commaSeparated) {
    Set<String> out = new LinkedHashSet<>();
    for (String raw : params.getAll(name)) {
      List<String> parts = commaSeparated ? List.of(raw.split(",")) : List.of(raw);
      for (String p : parts) {
        String v = p.strip();
        if (v.isEmpty()) {
          continue;
        }
        if (v.length() > MAX_FILTER_LENGTH) {
          throw ProblemException.badRequest(
              "Query parameter '"
                  + name
                  + "' values must be at most "
                  + MAX_FILTER_LENGTH
                  + " characters.");
        }
        out.add(v);
      }
    }
    if (out.size() > MAX_FILTER_VALUES) {
      throw ProblemException.badRequest(
          "Query parameter '" + name + "' takes at most " + MAX_FILTER_VALUES + " values.");
    }
    return new ArrayList<>(out);
  }

  /** A date ({@code 2025-12-04}, the whole day) or an RFC 3339 date-time with offset. */
  private static Optional<Instant> instant(MultiMap params, String name, boolean endOfDay) {
    return single(params, name, 64)
        .map(
            v -> {
              try {
                if (v.length() == 10) {
                  LocalDate d = LocalDate.parse(v);
                  return endOfDay
                      ? d.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant().minusMillis(1)
                      : d.atStartOfDay(ZoneOffset.UTC).toInstant();
                }
                return OffsetDateTime.parse(v).toInstant();
              } catch (DateTimeParseException e) {
                throw ProblemException.badRequest(
                    "Query parameter '"
                        + name
                        + "' must be a date (2025-12-04) or an RFC 3339 date-time"
                        + " (2025-12-04T14:30:00Z).");
              }
            });
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
}
