package herald.api.search;

import herald.api.http.ProblemException;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks the parameters of {@code GET /v1/search} around the text before the api forwards it to the
 * indexer: a parameter search does not take, or a locale this installation does not have, is a 400.
 * The text itself ({@code q}) is never judged here: whatever a person types (phrases with other
 * words, an unbalanced quote, a backslash, a percent sign) is the indexer's to read as text.
 */
public final class SearchFrontDoor implements Handler<RoutingContext> {
  /** The indexer's search parameters (indexer/README.md). */
  public static final Set<String> PARAMETERS =
      Set.of(
          "q",
          "type",
          "locale",
          "tag",
          "channel",
          "ref",
          "publishedFrom",
          "publishedTo",
          "startsFrom",
          "startsTo",
          "sort",
          "limit",
          "cursor",
          "facets");

  private final List<String> locales;

  public SearchFrontDoor(List<String> locales) {
    this.locales = List.copyOf(locales);
  }

  @Override
  public void handle(RoutingContext ctx) {
    for (String name : ctx.queryParams().names()) {
      if (!PARAMETERS.contains(name)) {
        throw ProblemException.badRequest(
            "Unknown query parameter '"
                + name
                + "'; search takes "
                + new TreeSet<>(PARAMETERS)
                + ".");
      }
    }
    for (String value : ctx.queryParams().getAll("locale")) {
      for (String locale : value.split(",")) {
        String l = locale.strip();
        if (!l.isEmpty() && !locales.contains(l)) {
          throw ProblemException.badRequest(
              "Unknown locale '" + l + "'; configured locales: " + locales + ".");
        }
      }
    }
    ctx.next();
  }
}
