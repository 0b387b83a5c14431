package herald.indexer.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.FixedBitSet;

/**
 * The facet values of every document of a segment, in plain arrays, two ways round: the ordinals of
 * each document (counting a few matches is an array read per match), and the documents of each
 * value (counting most of a segment is, per value, a count of the bits it shares with the matches).
 * Reading the doc values instead (packed and skipped through) cost half of a search that counts
 * facets over 100,000 matches. Built once per segment, on its first facet count, and dropped when
 * Lucene closes the segment. A segment of 100,000 documents takes a few megabytes.
 */
final class FacetOrdinals {
  /**
   * A value held in at least one document in this many has its documents as a bitset (which is then
   * at most as large as the list of its documents); rarer values have the list.
   */
  static final int DENSE = 32;

  /**
   * A segment's values of one field, of {@code valueCount} distinct values.
   *
   * @param single per document, its ordinal or -1 (single-valued fields)
   * @param starts per document, where its ordinals start in {@code ords} (multi-valued fields)
   * @param bits per ordinal, its documents as a bitset (values in one document in {@link #DENSE} or
   *     more), else null
   * @param docs per ordinal, its documents in order (the rarer values), else null
   * @param denseValues how many values have a bitset
   * @param sparseDocs how many documents all the lists hold together
   */
  record Field(
      int valueCount,
      boolean multiValued,
      int[] single,
      int[] starts,
      int[] ords,
      FixedBitSet[] bits,
      int[][] docs,
      int denseValues,
      long sparseDocs) {

    /** Adds one to the count of each value of the document. */
    void count(int doc, int[] counts) {
      if (!multiValued) {
        int ord = single[doc];
        if (ord >= 0) {
          counts[ord]++;
        }
        return;
      }
      for (int i = starts[doc], end = starts[doc + 1]; i < end; i++) {
        counts[ords[i]]++;
      }
    }

    /** Adds to each value's count the number of its documents among the matches. */
    void countAll(FixedBitSet matches, int[] counts) {
      for (int ord = 0; ord < valueCount; ord++) {
        if (bits[ord] != null) {
          counts[ord] += (int) FixedBitSet.intersectionCount(matches, bits[ord]);
        } else {
          int n = 0;
          for (int doc : docs[ord]) {
            if (matches.get(doc)) {
              n++;
            }
          }
          counts[ord] += n;
        }
      }
    }

    /**
     * Whether counting {@code matches} documents of the segment is cheaper value by value ({@link
     * #countAll}) than document by document: a bitset intersection reads a word per 64 documents
     * (and several words at once), a list one entry per document.
     */
    boolean countAllIsCheaper(int matches, int maxDoc) {
      long perValue = denseValues * (long) FixedBitSet.bits2words(maxDoc) / 4 + sparseDocs;
      long perDocument = (long) matches * (multiValued ? 3 : 2);
      return perValue < perDocument;
    }
  }

  private static final Map<Object, Map<String, Field>> BY_SEGMENT = new ConcurrentHashMap<>();

  private FacetOrdinals() {}

  /** The field's values in the segment (built on first use). */
  static Field of(LeafReader reader, String field, boolean multiValued) throws IOException {
    IndexReader.CacheHelper helper = reader.getCoreCacheHelper();
    if (helper == null) {
      return build(reader, field, multiValued);
    }
    Map<String, Field> held =
        BY_SEGMENT.computeIfAbsent(
            helper.getKey(),
            k -> {
              helper.addClosedListener(BY_SEGMENT::remove);
              return new ConcurrentHashMap<>();
            });
    try {
      return held.computeIfAbsent(
          field,
          k -> {
            try {
              return build(reader, field, multiValued);
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** Whether the values of the segment with this core key are in memory (for tests). */
  static boolean held(Object coreKey) {
    return BY_SEGMENT.containsKey(coreKey);
  }

  private static Field build(LeafReader reader, String field, boolean multiValued)
      throws IOException {
    int maxDoc = reader.maxDoc();
    int valueCount;
    int[] single = null;
    int[] starts = null;
    int[] ords;
    if (!multiValued) {
      single = new int[maxDoc];
      Arrays.fill(single, -1);
      SortedDocValues dv = DocValues.getSorted(reader, field);
      for (int doc = dv.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = dv.nextDoc()) {
        single[doc] = dv.ordValue();
      }
      valueCount = dv.getValueCount();
      ords = single;
    } else {
      SortedSetDocValues dv = DocValues.getSortedSet(reader, field);
      starts = new int[maxDoc + 1];
      ords = new int[Math.max(16, maxDoc)];
      int n = 0;
      int next = 0;
      for (int doc = dv.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = dv.nextDoc()) {
        while (next <= doc) {
          starts[next++] = n;
        }
        int count = dv.docValueCount();
        if (n + count > ords.length) {
          ords = Arrays.copyOf(ords, Math.max(ords.length * 2, n + count));
        }
        for (int i = 0; i < count; i++) {
          ords[n++] = (int) dv.nextOrd();
        }
      }
      while (next <= maxDoc) {
        starts[next++] = n;
      }
      ords = Arrays.copyOf(ords, n);
      valueCount = (int) Math.min(dv.getValueCount(), Integer.MAX_VALUE);
    }
    // The other way round: each value's documents.
    int[] frequency = new int[valueCount];
    for (int ord : ords) {
      if (ord >= 0) {
        frequency[ord]++;
      }
    }
    FixedBitSet[] bits = new FixedBitSet[valueCount];
    int[][] docs = new int[valueCount][];
    int dense = 0;
    long sparse = 0;
    for (int ord = 0; ord < valueCount; ord++) {
      if ((long) frequency[ord] * DENSE >= maxDoc) {
        bits[ord] = new FixedBitSet(maxDoc);
        dense++;
      } else {
        docs[ord] = new int[frequency[ord]];
        sparse += frequency[ord];
      }
    }
    int[] filled = new int[valueCount];
    for (int doc = 0; doc < maxDoc; doc++) {
      int from = multiValued ? starts[doc] : doc;
      int to = multiValued ? starts[doc + 1] : doc + 1;
      for (int i = from; i < to; i++) {
        int ord = ords[i];
        if (ord < 0) {
          continue;
        }
        if (bits[ord] != null) {
          bits[ord].set(doc);
        } else {
          docs[ord][filled[ord]++] = doc;
        }
      }
    }
    return new Field(
        valueCount,
        multiValued,
        single,
        starts,
        multiValued ? ords : null,
        bits,
        docs,
        dense,
        sparse);
  }
}
