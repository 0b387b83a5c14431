package herald.indexer.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import herald.indexer.GoldenEvents;
import herald.indexer.index.IndexStore.StartState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.FilterCodec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The index folder with its builds")
class IndexStoreTest {
  @TempDir Path root;

  @Test
  @DisplayName("without an index, an empty one is created and named current")
  void missing() throws IOException {
    IndexStore store = new IndexStore(root);
    IndexStore.Opened opened = store.openCurrent();
    try (ContentIndex index = opened.index()) {
      assertEquals(StartState.MISSING, opened.state());
      assertEquals(index.folder(), store.current().orElseThrow());
      assertEquals(0, index.documentCount());
    }
  }

  @Test
  @DisplayName("an intact index is reopened with its documents and offsets")
  void reopened() throws IOException {
    IndexStore store = new IndexStore(root);
    try (ContentIndex index = store.openCurrent().index()) {
      index.apply(GoldenEvents.published());
      index.advance(GoldenEvents.TOPIC, 0, 7);
    }
    IndexStore.Opened again = new IndexStore(root).openCurrent();
    try (ContentIndex index = again.index()) {
      assertEquals(StartState.OPENED, again.state());
      assertEquals(2, index.documentCount());
      assertEquals(OptionalLong.of(7), index.committedPosition(GoldenEvents.TOPIC, 0));
    }
  }

  @Test
  @DisplayName("a damaged index is set aside and an empty one takes its place")
  void corrupt() throws IOException {
    Path damaged;
    try (ContentIndex index = new IndexStore(root).openCurrent().index()) {
      index.apply(GoldenEvents.published());
      damaged = index.folder();
    }
    try (var files = Files.list(damaged)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        // Every data file of the segment (compound or not), not the commit point or the lock.
        if (!name.startsWith("segments") && !name.equals("write.lock") && Files.size(f) > 0) {
          byte[] b = Files.readAllBytes(f);
          b[b.length / 2] ^= 0x33;
          Files.write(f, b);
        }
      }
    }
    IndexStore.Opened opened = new IndexStore(root).openCurrent();
    try (ContentIndex index = opened.index()) {
      assertEquals(StartState.CORRUPT, opened.state());
      assertEquals(0, index.documentCount());
      assertTrue(Files.isDirectory(damaged.resolveSibling(damaged.getFileName() + ".corrupt")));
      assertFalse(Files.exists(damaged));
    }
  }

  @Test
  @DisplayName("an index written with another document layout is rebuilt")
  void outdated() throws IOException {
    IndexStore store = new IndexStore(root);
    Path old = store.newGeneration();
    try (FSDirectory dir = FSDirectory.open(old);
        IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(new StandardAnalyzer()))) {
      w.commit();
    }
    store.makeCurrent(old);

    IndexStore.Opened opened = new IndexStore(root).openCurrent();
    try (ContentIndex index = opened.index()) {
      assertEquals(StartState.OUTDATED, opened.state());
      assertEquals(ContentIndex.SCHEMA_VERSION, index.schemaVersion());
      assertFalse(Files.exists(old));
    }
  }

  @Test
  @DisplayName("an index whose codec this version lacks (an earlier Lucene's) is rebuilt")
  void unknownCodec() throws IOException {
    IndexStore store = new IndexStore(root);
    Path old = store.newGeneration();
    // A codec that no service file names, as Herald912 is no longer named since Lucene 10.
    Codec gone = new FilterCodec("HeraldGone", Codec.getDefault()) {};
    try (FSDirectory dir = FSDirectory.open(old);
        IndexWriter w =
            new IndexWriter(dir, new IndexWriterConfig(new StandardAnalyzer()).setCodec(gone))) {
      Document d = new Document();
      d.add(new StringField(IndexFields.ID, "x", Field.Store.YES));
      w.addDocument(d);
      w.commit();
    }
    store.makeCurrent(old);

    IndexStore.Opened opened = new IndexStore(root).openCurrent();
    try (ContentIndex index = opened.index()) {
      assertEquals(StartState.OUTDATED, opened.state());
      assertEquals(0, index.documentCount());
      assertEquals(ContentIndex.SCHEMA_VERSION, index.schemaVersion());
      assertFalse(Files.exists(old));
    }
  }

  @Test
  @DisplayName("files of the single-folder layout of earlier versions are removed")
  void legacyLayout() throws IOException {
    Files.writeString(root.resolve("segments_3"), "old");
    IndexStore.Opened opened = new IndexStore(root).openCurrent();
    try (ContentIndex index = opened.index()) {
      assertEquals(StartState.MISSING, opened.state());
      assertFalse(Files.exists(root.resolve("segments_3")));
    }
  }
}
