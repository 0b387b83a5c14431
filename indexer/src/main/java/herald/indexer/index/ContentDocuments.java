package herald.indexer.index;

import com.fasterxml.jackson.databind.JsonNode;
import herald.events.ContentPublished;
import herald.events.FieldSchema;
import herald.indexer.analysis.ContentAnalysis;
import herald.indexer.analysis.RichText;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.SortedSetDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.util.BytesRef;

/**
 * Turns events into Lucene documents: one per locale of a published entry, or a tombstone.
 *
 * <p>By the convention of the content model, {@code title}, {@code summary}, {@code body}, {@code
 * tags} and {@code startsAt} have those meanings; every other text, rich-text, tags and location
 * value (also inside groups) is searched as part of the body.
 */
final class ContentDocuments {
  static final String TITLE_FIELD = "title";
  static final String SUMMARY_FIELD = "summary";
  static final String TAGS_FIELD = "tags";
  static final String STARTS_AT_FIELD = "startsAt";

  /** Terms longer than this are not words (Lucene refuses terms over 32 KB outright). */
  private static final int MAX_KEYWORD_CHARS = 200;

  /**
   * The catch-all fields only answer whether a document has a term: no frequencies, positions or
   * norms, which makes indexing them much cheaper.
   */
  private static final FieldType ALL_TYPE = new FieldType();

  static {
    ALL_TYPE.setTokenized(true);
    ALL_TYPE.setIndexOptions(org.apache.lucene.index.IndexOptions.DOCS);
    ALL_TYPE.setOmitNorms(true);
    ALL_TYPE.freeze();
  }

  /** {@link IndexFields#PAIRS}: term frequencies and norms for ranking, no positions. */
  private static final FieldType PAIRS_TYPE = new FieldType();

  static {
    PAIRS_TYPE.setTokenized(true);
    PAIRS_TYPE.setIndexOptions(org.apache.lucene.index.IndexOptions.DOCS_AND_FREQS);
    PAIRS_TYPE.freeze();
  }

  /**
   * How many times title and summary count in {@link IndexFields#MATCH} (body and tags count once):
   * a field's weight in BM25F is a multiplier of its term frequencies and of its length.
   */
  static final int TITLE_WEIGHT = 3;

  static final int SUMMARY_WEIGHT = 2;

  private ContentDocuments() {}

  /**
   * One document per locale of the entry; empty when the entry has no locales.
   *
   * @throws IllegalArgumentException when the publish time is beyond what the index can hold (epoch
   *     milliseconds in a long, years −292 million to 292 million): the consumer skips the event as
   *     a poison record
   */
  static List<Document> of(ContentPublished event) {
    String id = event.entryId().toString();
    long publishedAt;
    try {
      publishedAt = event.occurredAt().toEpochMilli();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("publish time out of range: " + event.occurredAt(), e);
    }
    Optional<Instant> startsAt = startsAt(event);
    long date = startsAt.map(Instant::toEpochMilli).orElse(publishedAt);
    List<String> tags = tags(event);
    List<String> refs = references(event);
    List<Document> docs = new ArrayList<>();
    for (String locale : new LinkedHashSet<>(event.locales())) {
      Analyzer analyzer = ContentAnalysis.forLocale(locale);
      String title = event.title(locale);
      String summary = event.text(SUMMARY_FIELD, locale).map(String::strip).orElse("");
      String body = body(event, locale);

      Document d = base(id, IndexFields.KIND_ENTRY, event.version());
      keyword(d, IndexFields.LOCALE, locale);
      keyword(d, IndexFields.TYPE, event.contentType());
      d.add(new StoredField(IndexFields.SLUG, event.slug()));
      d.add(new NumericDocValuesField(IndexFields.KEY, key(id, locale)));
      // Shown in results (and their snippets); searched through MATCH.
      d.add(new StoredField(IndexFields.TITLE, title));
      d.add(new StoredField(IndexFields.SUMMARY, summary));
      d.add(new StoredField(IndexFields.BODY, body));
      d.add(
          new Field(
              IndexFields.ALL,
              String.join("\n", title, summary, body, String.join(" ", tags)),
              ALL_TYPE));
      // The words and stems of title, summary, body and tags in one field, each field's text
      // repeated as many times as it weighs: a search matches and ranks on this field alone (BM25F
      // at index time, see ContentSearcher), one posting list per form of a word.
      Analyzer pairs = ContentAnalysis.pairsForLocale(locale);
      for (String text : weighted(title, summary, body, tags)) {
        d.add(new LocalizedText(IndexFields.MATCH, text, analyzer, TextField.TYPE_NOT_STORED));
        d.add(new LocalizedText(IndexFields.PAIRS, text, pairs, PAIRS_TYPE));
      }
      for (String tag : tags) {
        d.add(new StringField(IndexFields.TAGS, ContentAnalysis.fold(tag), Field.Store.NO));
        d.add(new SortedSetDocValuesField(IndexFields.TAGS, new BytesRef(tag)));
        d.add(new StoredField(IndexFields.TAGS, tag));
      }
      for (String channel : new LinkedHashSet<>(event.channels())) {
        // Stored: a hit links to the website only where the entry is on it.
        d.add(new StringField(IndexFields.CHANNEL, channel, Field.Store.YES));
      }
      for (String ref : refs) {
        d.add(new StringField(IndexFields.REF, ref, Field.Store.NO));
      }
      d.add(new LongPoint(IndexFields.PUBLISHED_AT, publishedAt));
      d.add(new StoredField(IndexFields.PUBLISHED_AT, publishedAt));
      startsAt.ifPresent(
          s -> {
            d.add(new LongPoint(IndexFields.STARTS_AT, s.toEpochMilli()));
            d.add(new StoredField(IndexFields.STARTS_AT, s.toEpochMilli()));
          });
      d.add(new LongPoint(IndexFields.DATE, date));
      d.add(new NumericDocValuesField(IndexFields.DATE, date));
      d.add(new StoredField(IndexFields.DATE, date));
      String year = Integer.toString(Instant.ofEpochMilli(date).atZone(ZoneOffset.UTC).getYear());
      d.add(new SortedDocValuesField(IndexFields.YEAR, new BytesRef(year)));
      docs.add(d);
    }
    return docs;
  }

  /**
   * Positions between two texts of the MATCH field, more than a phrase can have words: no phrase
   * matches across the end of one text and the beginning of the next.
   */
  static final int TEXT_GAP = 100;

  /**
   * The texts of the MATCH field: title, summary, body and the tags (as one text, weighing as the
   * body does), each repeated as it weighs.
   */
  static List<String> weighted(String title, String summary, String body, List<String> tags) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < TITLE_WEIGHT; i++) {
      out.add(title);
    }
    for (int i = 0; i < SUMMARY_WEIGHT; i++) {
      out.add(summary);
    }
    out.add(body);
    out.add(String.join(", ", tags));
    return out;
  }

  /**
   * The tie-breaking sort key of an entry's document in a locale: the first 64 bits of the SHA-256
   * of {@code <id>/<locale>}. A number, because a string key cost a terms-dictionary lookup for
   * every hit that entered a page by date; two documents would need the same date and the same 64
   * bits for a cursor to skip one (odds of 1 in 2^64 a pair).
   */
  static long key(String id, String locale) {
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256")
              .digest((id + "/" + locale).getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(h).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The document that remembers an entry's version after its content is gone. */
  static Document tombstone(String id, long version) {
    return base(id, IndexFields.KIND_TOMBSTONE, version);
  }

  private static Document base(String id, String kind, long version) {
    Document d = new Document();
    d.add(new StringField(IndexFields.ID, id, Field.Store.YES));
    d.add(new StringField(IndexFields.KIND, kind, Field.Store.NO));
    d.add(new NumericDocValuesField(IndexFields.VERSION, version));
    d.add(new StoredField(IndexFields.VERSION, version));
    return d;
  }

  private static void keyword(Document d, String field, String value) {
    d.add(new StringField(field, value, Field.Store.YES));
    // One value per document: sorted (not sorted-set) doc values are cheaper to count.
    d.add(new SortedDocValuesField(field, new BytesRef(value)));
  }

  /**
   * The event start: the {@code startsAt} datetime, when the entry has one that the index can hold
   * (a date that is not RFC 3339, or too far from 1970 for epoch milliseconds in a long, is none).
   */
  static Optional<Instant> startsAt(ContentPublished event) {
    return event
        .text(STARTS_AT_FIELD, event.locales().isEmpty() ? "" : event.locales().get(0))
        .flatMap(ContentDocuments::instant);
  }

  private static Optional<Instant> instant(String rfc3339) {
    try {
      Instant instant = OffsetDateTime.parse(rfc3339).toInstant();
      // Parses up to the year 999,999,999, but the index holds epoch milliseconds.
      instant.toEpochMilli();
      return Optional.of(instant);
    } catch (DateTimeParseException | ArithmeticException e) {
      return Optional.empty();
    }
  }

  /** The values of the {@code tags} field, stripped, without repeats. */
  static List<String> tags(ContentPublished event) {
    Set<String> out = new LinkedHashSet<>();
    JsonNode v = event.fields().get(TAGS_FIELD);
    if (v != null && v.isArray()) {
      v.forEach(
          t -> {
            String s = t.asText().strip();
            if (!s.isEmpty() && s.length() <= MAX_KEYWORD_CHARS) {
              out.add(s);
            }
          });
    }
    return List.copyOf(out);
  }

  /** Referenced entry ids as filter terms: {@code id}, {@code leaf:id}, {@code path:id}. */
  static List<String> references(ContentPublished event) {
    Set<String> out = new LinkedHashSet<>();
    for (FieldSchema f : event.schema()) {
      JsonNode v = event.fields().get(f.id());
      if (v != null) {
        collectRefs(f, f.id(), v, out);
      }
    }
    return List.copyOf(out);
  }

  private static void collectRefs(FieldSchema f, String path, JsonNode v, Set<String> out) {
    switch (f.type()) {
      case "reference", "references" -> {
        List<JsonNode> ids = new ArrayList<>();
        if (v.isArray()) {
          v.forEach(ids::add);
        } else {
          ids.add(v);
        }
        for (JsonNode idNode : ids) {
          String id = idNode.asText().strip();
          if (!id.isEmpty() && id.length() <= MAX_KEYWORD_CHARS) {
            out.add(id);
            out.add(f.id() + ":" + id);
            out.add(path + ":" + id);
          }
        }
      }
      case "group" -> {
        if (v.isArray()) {
          for (JsonNode item : v) {
            for (FieldSchema sub : f.fields()) {
              JsonNode sv = item.get(sub.id());
              if (sv != null && !sv.isNull()) {
                collectRefs(sub, path + "." + sub.id(), sv, out);
              }
            }
          }
        }
      }
      default -> {}
    }
  }

  /**
   * Every text-like value of the locale (and the unlocalized ones) except title and summary: text,
   * rich text (as plain text), tags, location names, and the same inside groups.
   */
  static String body(ContentPublished event, String locale) {
    StringBuilder out = new StringBuilder();
    for (FieldSchema f : event.schema()) {
      if (f.id().equals(TITLE_FIELD) || f.id().equals(SUMMARY_FIELD)) {
        continue;
      }
      event.value(f.id(), locale).ifPresent(v -> appendText(f, v, locale, out));
    }
    return out.toString().strip();
  }

  private static void appendText(FieldSchema f, JsonNode v, String locale, StringBuilder out) {
    switch (f.type()) {
      case "text" -> line(v.isValueNode() ? v.asText() : "", out);
      case "richtext" -> line(v.isValueNode() ? RichText.plainText(v.asText()) : "", out);
      case "tags" -> {
        if (v.isArray() && !f.id().equals(TAGS_FIELD)) {
          List<String> words = new ArrayList<>();
          v.forEach(t -> words.add(t.asText()));
          line(String.join(", ", words), out);
        }
      }
      case "location" -> line(v.path("name").asText(""), out);
      case "group" -> {
        if (v.isArray()) {
          for (JsonNode item : v) {
            for (FieldSchema sub : f.fields()) {
              JsonNode sv = item.get(sub.id());
              if (sv != null && !sv.isNull()) {
                // A localized sub-field holds locale → value, as a top-level field does.
                JsonNode inLocale = sub.localized() ? sv.get(locale) : sv;
                if (inLocale != null && !inLocale.isNull()) {
                  appendText(sub, inLocale, locale, out);
                }
              }
            }
          }
        }
      }
      default -> {}
    }
  }

  private static void line(String s, StringBuilder out) {
    String t = s.strip();
    if (!t.isEmpty()) {
      out.append(t).append('\n');
    }
  }

  /**
   * One text of a document's MATCH (or PAIRS) field, analyzed with the analyzer of the document's
   * locale and placed {@link #TEXT_GAP} positions after the previous text. Not stored (the stored
   * fields hold each text once); MATCH has postings with frequencies and positions but no offsets
   * (snippets re-analyze the stored text).
   */
  static final class LocalizedText extends Field {
    private final Analyzer analyzer;

    LocalizedText(String name, String value, Analyzer analyzer, FieldType type) {
      super(name, value, type);
      this.analyzer = analyzer;
    }

    @Override
    public TokenStream tokenStream(Analyzer ignored, TokenStream reuse) {
      return new GapBefore(analyzer.tokenStream(name(), stringValue()));
    }
  }

  /** Moves the first token of a text {@link #TEXT_GAP} positions further. */
  private static final class GapBefore extends TokenFilter {
    private final PositionIncrementAttribute increment =
        addAttribute(PositionIncrementAttribute.class);
    private boolean first = true;

    GapBefore(TokenStream in) {
      super(in);
    }

    @Override
    public boolean incrementToken() throws IOException {
      if (!input.incrementToken()) {
        return false;
      }
      if (first) {
        first = false;
        increment.setPositionIncrement(increment.getPositionIncrement() + TEXT_GAP);
      }
      return true;
    }

    @Override
    public void reset() throws IOException {
      super.reset();
      first = true;
    }
  }
}
