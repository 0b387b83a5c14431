package herald.api.content;

import herald.api.http.Problem;
import herald.api.http.ProblemException;

/**
 * The HTTP preconditions of changing an entry: {@code If-Match} with the ETag of the version the
 * client changed, so that no one's change is overwritten.
 */
final class IfMatch {
  private IfMatch() {}

  /** A change to an entry must name the version it was made on (428 otherwise). */
  static void require(String ifMatch) {
    if (ifMatch == null) {
      throw new ProblemException(
          Problem.of(
              428,
              "precondition-required",
              "Precondition required",
              "Send If-Match with the entry's ETag, so that no one's change is overwritten."));
    }
    if ("*".equals(ifMatch.trim())) {
      // '*' matches any version, so it would overwrite a change made since the client read.
      throw new ProblemException(
          Problem.of(
              428,
              "precondition-required",
              "Precondition required",
              "If-Match: * matches any version and so protects nothing here; send the ETag of"
                  + " the version you changed."));
    }
  }

  /** The version named must still be the current one (412 otherwise). */
  static void check(String ifMatch, Entry current) {
    if (!ifMatch.equals(current.etag()) && !"*".equals(ifMatch.trim())) {
      throw new ProblemException(
          Problem.of(
              412,
              "precondition-failed",
              "The entry changed meanwhile",
              "Your If-Match "
                  + ifMatch
                  + " is stale; the entry is now at "
                  + current.etag()
                  + ". Fetch it, merge, and try again."));
    }
  }
}
