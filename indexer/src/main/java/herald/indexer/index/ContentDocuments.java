package herald.indexer.index;

import com.fasterxml.jackson.databind.JsonNode;
import herald.events.ContentPublished;
import herald.events.FieldSchema;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.lucene.analysis.charfilter.HTMLStripCharFilter;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;

/** Turns events into Lucene documents: one per locale of a published entry, or a tombstone. */
final class ContentDocuments {
  private static final String TEXT_TYPE = "text";
  private static final String RICHTEXT_TYPE = "richtext";
  private static final String TITLE_FIELD = "title";

  private ContentDocuments() {}

  /** One document per locale of the entry; empty when the entry has no locales. */
  static List<Document> of(ContentPublished event) {
    String id = event.entryId().toString();
    long publishedAt = event.occurredAt().toEpochMilli();
    List<Document> docs = new ArrayList<>();
    for (String locale : event.locales()) {
      Document d = base(id, IndexFields.KIND_ENTRY, event.version());
      d.add(new StringField(IndexFields.LOCALE, locale, Field.Store.YES));
      d.add(new StringField(IndexFields.TYPE, event.contentType(), Field.Store.YES));
      d.add(new StringField(IndexFields.SLUG, event.slug(), Field.Store.YES));
      d.add(new TextField(IndexFields.TITLE, event.title(locale), Field.Store.YES));
      d.add(new TextField(IndexFields.TEXT, fullText(event, locale), Field.Store.YES));
      d.add(new LongPoint(IndexFields.PUBLISHED_AT, publishedAt));
      d.add(new NumericDocValuesField(IndexFields.PUBLISHED_AT, publishedAt));
      d.add(new StoredField(IndexFields.PUBLISHED_AT, publishedAt));
      docs.add(d);
    }
    return docs;
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

  /** Every text and rich-text value of the locale (and the unlocalized ones), title excluded. */
  static String fullText(ContentPublished event, String locale) {
    StringBuilder out = new StringBuilder();
    for (FieldSchema f : event.schema()) {
      boolean rich = f.type().equals(RICHTEXT_TYPE);
      if (f.id().equals(TITLE_FIELD) || !(rich || f.type().equals(TEXT_TYPE))) {
        continue;
      }
      Optional<JsonNode> value = event.value(f.id(), locale);
      value.ifPresent(v -> appendText(v, rich, out));
    }
    return out.toString().strip();
  }

  // Rich text may be an HTML string or a structured document (JSON); either way only its words
  // count.
  private static void appendText(JsonNode v, boolean rich, StringBuilder out) {
    if (v.isValueNode()) {
      String s = rich ? stripHtml(v.asText()) : v.asText().strip();
      if (!s.isEmpty()) {
        out.append(s).append('\n');
      }
      return;
    }
    v.forEach(child -> appendText(child, rich, out));
  }

  /** Plain text of an HTML fragment: tags, scripts and styles dropped, entities decoded. */
  static String stripHtml(String html) {
    StringBuilder text = new StringBuilder(html.length());
    try (Reader r = new HTMLStripCharFilter(new StringReader(html))) {
      char[] buf = new char[1024];
      for (int n = r.read(buf); n != -1; n = r.read(buf)) {
        text.append(buf, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read a string", e);
    }
    return text.toString().replaceAll("\\s+", " ").strip();
  }
}
