package herald.indexer.search;

import herald.indexer.http.ProblemException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.apache.lucene.search.FieldDoc;
import org.apache.lucene.search.ScoreDoc;

/**
 * The opaque position after a page: the last hit's sort values (score and document number, or date
 * and key), and a fingerprint of the search it belongs to, so a cursor used with another search is
 * refused rather than silently skipping results.
 */
final class Cursor {
  private Cursor() {}

  static String encode(SearchQuery q, ScoreDoc last) {
    JsonObject o = new JsonObject().put("f", fingerprint(q));
    if (last instanceof FieldDoc fd) {
      o.put("d", (Long) fd.fields[0]).put("k", (Long) fd.fields[1]);
    } else {
      // The exact bits: a decimal round trip could land before or after the hit. Equal scores
      // are ordered by document number, which a merge between two pages may change.
      o.put("s", Float.floatToIntBits(last.score)).put("n", last.doc);
    }
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(o.encode().getBytes(StandardCharsets.UTF_8));
  }

  /** The position to search after; a 400 problem when the cursor is not one of this search's. */
  static ScoreDoc decode(SearchQuery q, String cursor) {
    JsonObject o;
    try {
      o = new JsonObject(new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8));
    } catch (IllegalArgumentException | DecodeException e) {
      throw invalid();
    }
    try {
      if (!fingerprint(q).equals(o.getString("f"))) {
        throw invalid();
      }
      if (q.order() == SearchQuery.Order.RELEVANCE) {
        return new ScoreDoc(intValue(o, "n"), Float.intBitsToFloat(intValue(o, "s")));
      }
      // NOTE: a missing sort value would reach Lucene as null (a 500), so every one is checked.
      return new FieldDoc(
          Integer.MAX_VALUE, Float.NaN, new Object[] {longValue(o, "d"), longValue(o, "k")});
    } catch (ClassCastException | NullPointerException e) {
      throw invalid();
    }
  }

  private static int intValue(JsonObject o, String name) {
    if (o.getValue(name) instanceof Integer i) {
      return i;
    }
    throw invalid();
  }

  private static long longValue(JsonObject o, String name) {
    Object v = o.getValue(name);
    if (v instanceof Integer || v instanceof Long) {
      return ((Number) v).longValue();
    }
    throw invalid();
  }

  private static ProblemException invalid() {
    return ProblemException.badRequest(
        "Query parameter 'cursor' is not a cursor of this search; take 'nextCursor' from the"
            + " previous page of the same search.");
  }

  private static String fingerprint(SearchQuery q) {
    String canonical =
        String.join(
            "\u0000",
            List.of(
                q.text().strip(),
                q.types().toString(),
                q.locales().toString(),
                q.tags().toString(),
                q.channels().toString(),
                q.refs().toString(),
                q.publishedFrom().toString(),
                q.publishedTo().toString(),
                q.startsFrom().toString(),
                q.startsTo().toString(),
                q.order().param()));
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
