package herald.api.studio;

import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.List;

/**
 * Which newsletter issue is "the next one": being sent, else the soonest scheduled, else a draft.
 */
final class NextIssue {
  private NextIssue() {}

  /** The next issue among all issues, or null when every issue was sent. */
  static JsonObject of(List<JsonObject> issues) {
    return issues.stream()
        .filter(i -> !"sent".equals(i.getString("status")))
        .min(
            Comparator.comparingInt((JsonObject i) -> rank(i.getString("status")))
                .thenComparing(i -> i.getString("scheduledAt", "~"))
                .thenComparing(i -> -i.getLong("number", 0L)))
        .orElse(null);
  }

  private static int rank(String status) {
    return switch (status) {
      case "sending" -> 0;
      case "scheduled" -> 1;
      default -> 2;
    };
  }
}
