package herald.indexer.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.search.DocIdSetIterator;

/**
 * The facet values of every document of a segment, as ordinals in plain arrays: counting a match is
 * then an array read per facet, where reading the doc values (which are packed and skipped through)
 * cost half of a search that counts facets over 100,000 matches. Built once per segment, on its
 * first facet count, and dropped when Lucene closes the segment. A segment of 100,000 documents
 * takes about 2 MB.
 */
final class FacetOrdinals {
  /** A segment's ordinals for one field, of {@code valueCount} distinct values. */
  record Field(int valueCount, boolean multiValued, int[] single, int[] starts, int[] ords) {
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
  }

  /**
   * Several single-valued fields of a segment in one number per document (their ordinals, each plus
   * one so that 0 is "no value", in mixed radix): counting a match is one read instead of one per
   * field, from an array a quarter of the size of an int array per field.
   */
  record Combined(Field[] fields, char[] codes, int size) {
    /** The largest number of combinations held in a char. */
    static final int MAX_SIZE = Character.MAX_VALUE + 1;

    /** Splits counts per code into counts per ordinal of each field. */
    void split(int[] codeCounts, int[][] ordCounts) {
      for (int code = 0; code < codeCounts.length; code++) {
        int n = codeCounts[code];
        if (n == 0) {
          continue;
        }
        int rest = code;
        for (int f = fields.length - 1; f >= 0; f--) {
          int radix = fields[f].valueCount() + 1;
          int ord = rest % radix - 1;
          rest /= radix;
          if (ord >= 0) {
            ordCounts[f][ord] += n;
          }
        }
      }
    }
  }

  private static final Map<Object, Map<String, Object>> BY_SEGMENT = new ConcurrentHashMap<>();

  private FacetOrdinals() {}

  /** The field's ordinals in the segment (built on first use). */
  static Field of(LeafReader reader, String field, boolean multiValued) throws IOException {
    return (Field) held(reader, field, () -> build(reader, field, multiValued));
  }

  /**
   * The single-valued fields' ordinals in the segment combined (built on first use), or null when
   * their combinations are too many for a char.
   */
  static Combined combined(LeafReader reader, List<String> fields) throws IOException {
    Field[] each = new Field[fields.size()];
    long size = 1;
    for (int i = 0; i < each.length; i++) {
      each[i] = of(reader, fields.get(i), false);
      size *= each[i].valueCount() + 1L;
    }
    if (size > Combined.MAX_SIZE) {
      return null;
    }
    int combinations = (int) size;
    return (Combined)
        held(
            reader,
            "+" + String.join("+", fields),
            () -> {
              char[] codes = new char[reader.maxDoc()];
              for (int doc = 0; doc < codes.length; doc++) {
                int code = 0;
                for (Field f : each) {
                  code = code * (f.valueCount() + 1) + f.single()[doc] + 1;
                }
                codes[doc] = (char) code;
              }
              return new Combined(each, codes, combinations);
            });
  }

  private interface Build {
    Object build() throws IOException;
  }

  /** What the segment holds under the key, built on first use and dropped when it closes. */
  private static Object held(LeafReader reader, String key, Build build) throws IOException {
    IndexReader.CacheHelper helper = reader.getCoreCacheHelper();
    if (helper == null) {
      return build.build();
    }
    Map<String, Object> held =
        BY_SEGMENT.computeIfAbsent(
            helper.getKey(),
            k -> {
              helper.addClosedListener(BY_SEGMENT::remove);
              return new ConcurrentHashMap<>();
            });
    try {
      return held.computeIfAbsent(
          key,
          k -> {
            try {
              return build.build();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** Whether the ordinals of the segment with this core key are in memory (for tests). */
  static boolean held(Object coreKey) {
    return BY_SEGMENT.containsKey(coreKey);
  }

  private static Field build(LeafReader reader, String field, boolean multiValued)
      throws IOException {
    int maxDoc = reader.maxDoc();
    if (!multiValued) {
      int[] single = new int[maxDoc];
      java.util.Arrays.fill(single, -1);
      SortedDocValues dv = DocValues.getSorted(reader, field);
      for (int doc = dv.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = dv.nextDoc()) {
        single[doc] = dv.ordValue();
      }
      return new Field(dv.getValueCount(), false, single, null, null);
    }
    SortedSetDocValues dv = DocValues.getSortedSet(reader, field);
    int[] starts = new int[maxDoc + 1];
    int[] ords = new int[Math.max(16, maxDoc)];
    int n = 0;
    int next = 0;
    for (int doc = dv.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = dv.nextDoc()) {
      while (next <= doc) {
        starts[next++] = n;
      }
      int count = dv.docValueCount();
      if (n + count > ords.length) {
        ords = java.util.Arrays.copyOf(ords, Math.max(ords.length * 2, n + count));
      }
      for (int i = 0; i < count; i++) {
        ords[n++] = (int) dv.nextOrd();
      }
    }
    while (next <= maxDoc) {
      starts[next++] = n;
    }
    return new Field(
        (int) Math.min(dv.getValueCount(), Integer.MAX_VALUE),
        true,
        null,
        starts,
        java.util.Arrays.copyOf(ords, n));
  }
}
