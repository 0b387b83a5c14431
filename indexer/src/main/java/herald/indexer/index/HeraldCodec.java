package herald.indexer.index;

import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.codecs.StoredFieldsFormat;
import org.apache.lucene.codecs.compressing.CompressionMode;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene90.compressing.Lucene90CompressingStoredFieldsFormat;

/**
 * Lucene's codec with stored fields in small blocks: every search reads the stored fields of its
 * page (title, summary, body for the snippet), and Lucene's default decompresses a shared 8 KB
 * dictionary and an 8 KB block per document read, which was a sixth of the CPU of a search. Here a
 * block holds 8 KB of documents (a few entries), compressed with plain LZ4 and decompressed only up
 * to the document asked for. The index is a little larger.
 *
 * <p>Registered as a service ({@code META-INF/services/org.apache.lucene.codecs.Codec}): Lucene
 * finds a segment's codec by the name written in it.
 */
public final class HeraldCodec extends FilterCodec {
  public static final String NAME = "Herald104";

  private final StoredFieldsFormat storedFields =
      new Lucene90CompressingStoredFieldsFormat(
          "HeraldStoredFields", CompressionMode.FAST, 8 * 1024, 64, 10);

  public HeraldCodec() {
    super(NAME, new Lucene104Codec());
  }

  @Override
  public StoredFieldsFormat storedFieldsFormat() {
    return storedFields;
  }
}
