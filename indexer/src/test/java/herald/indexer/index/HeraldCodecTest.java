package herald.indexer.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.codecs.compressing.Decompressor;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.store.ByteArrayDataInput;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeraldCodecTest {
  @TempDir Path dir;

  @Test
  @DisplayName("stored fields read back as written: small documents, one over many blocks, merged")
  void storedFieldsRoundTrip() throws IOException {
    Random random = new Random(7);
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      // Every 100th body is 100,000 characters: stored across several blocks (Lucene's "sliced"
      // chunks); the others a few hundred, many to a block. Cyrillic makes multi-byte UTF-8.
      bodies.add(text(random, i % 100 == 42 ? 100_000 : 50 + random.nextInt(800)));
    }
    try (FSDirectory d = FSDirectory.open(dir);
        IndexWriter w =
            new IndexWriter(
                d,
                new IndexWriterConfig(new StandardAnalyzer())
                    .setCodec(new HeraldCodec())
                    .setMaxBufferedDocs(97))) {
      for (int i = 0; i < bodies.size(); i++) {
        Document doc = new Document();
        doc.add(new StringField(IndexFields.ID, "e" + i, Field.Store.YES));
        doc.add(new StoredField(IndexFields.BODY, bodies.get(i)));
        doc.add(new StoredField(IndexFields.DATE, 1_700_000_000_000L + i));
        w.addDocument(doc);
      }
      w.commit();
      try (DirectoryReader r = DirectoryReader.open(w)) {
        assertEquals(7, r.leaves().size(), "one segment per 97 documents");
        assertAllRead(r, bodies);
      }
      w.forceMerge(1);
      w.commit();
      try (DirectoryReader r = DirectoryReader.open(w)) {
        assertEquals(1, r.leaves().size());
        assertAllRead(r, bodies);
      }
    }
  }

  @Test
  @DisplayName("a document's bytes are read from its offset in the block, and not past the block")
  void rawDecompressor() throws IOException {
    Decompressor raw = HeraldCodec.RAW.newDecompressor();
    byte[] block = "aaaabbbbbbcc|next".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    ByteArrayDataInput in = new ByteArrayDataInput(block);
    BytesRef out = new BytesRef();
    raw.decompress(in, 12, 4, 6, out);
    assertEquals("bbbbbb", out.utf8ToString());
    assertEquals(12, in.getPosition(), "left at the end of the block");
    assertThrows(
        IllegalArgumentException.class,
        () -> raw.clone().decompress(new ByteArrayDataInput(block), 12, 8, 6, new BytesRef()));
  }

  private static void assertAllRead(DirectoryReader r, List<String> bodies) throws IOException {
    StoredFields stored = r.storedFields();
    // In a shuffled order, so that blocks are read out of order and again.
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < r.maxDoc(); i++) {
      order.add(i);
    }
    java.util.Collections.shuffle(order, new Random(3));
    for (int doc : order) {
      Document d = stored.document(doc);
      int i = Integer.parseInt(d.get(IndexFields.ID).substring(1));
      assertEquals(bodies.get(i), d.get(IndexFields.BODY), "body of e" + i);
      assertEquals(1_700_000_000_000L + i, d.getField(IndexFields.DATE).numericValue().longValue());
    }
  }

  private static String text(Random random, int length) {
    String letters = "abcdefghij klmnopq ršćžđ жџћђ ";
    StringBuilder b = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      b.append(letters.charAt(random.nextInt(letters.length())));
    }
    return b.toString();
  }
}
