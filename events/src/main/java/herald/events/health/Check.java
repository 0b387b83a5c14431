package herald.events.health;

import herald.events.ConsumerLoop;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of a readiness report: whether a dependency or a worker of the service is doing its job,
 * its state in a word ({@code UP}, {@code DOWN}, a consumer's {@code RETRYING}…), why when it is
 * not, and since when it has been in that state.
 */
public record Check(boolean up, String state, String detail, Instant since) {

  /** Up, in the given state. */
  public static Check up(String state) {
    return new Check(true, state, null, null);
  }

  /** Down, in the given state, for the given reason. */
  public static Check down(String state, String detail) {
    return new Check(false, state, detail, null);
  }

  /** A consumer's status as a check, with its lag when it has one. */
  public static Check of(ConsumerLoop.Status s) {
    String detail = s.detail();
    if (s.lag() > 0) {
      detail = (detail == null ? "" : detail + "; ") + "lag " + s.lag();
    }
    return new Check(s.ready(), s.state().name(), detail, s.since());
  }

  /** As a JSON-ready map: {@code status}, and {@code detail} and {@code since} when known. */
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("status", state);
    if (detail != null) {
      out.put("detail", detail);
    }
    if (since != null) {
      out.put("since", since.toString());
    }
    return out;
  }
}
