package herald.indexer.search;

import herald.indexer.index.IndexFields;
import herald.indexer.search.SearchResult.FacetValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.index.DocValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.SortedSetDocValues;
import org.apache.lucene.search.Collector;
import org.apache.lucene.search.CollectorManager;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.LeafCollector;
import org.apache.lucene.search.Scorable;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.FixedBitSet;

/**
 * Counts, over every match of a search, the values of the facet fields (type, locale, tags, year):
 * one pass that notes each segment's matches, then per segment and field the cheaper count of
 * {@link FacetOrdinals} (document by document for a few matches, value by value for many), and the
 * ordinals named once.
 */
final class FacetCounts implements CollectorManager<FacetCounts.Counter, FacetCounts.Counted> {
  /** The number of matches and the counted facets. */
  record Counted(long matches, Map<String, List<FacetValue>> facets) {}

  /** Facet name in the response → index field; the order of facets is that of {@link #NAMES}. */
  static final Map<String, String> FIELDS =
      Map.of(
          "type", IndexFields.TYPE,
          "locale", IndexFields.LOCALE,
          "tags", IndexFields.TAGS,
          "year", IndexFields.YEAR);

  private static final java.util.Set<String> MULTI_VALUED = java.util.Set.of(IndexFields.TAGS);

  /** Tags are many; the response lists the most frequent. */
  static final int MAX_VALUES = 20;

  /** The facet names that can be asked for, in the order of the response. */
  static final List<String> NAMES = List.of("type", "locale", "tags", "year");

  private final List<String> asked;

  /** Counts the named facets (some of {@link #NAMES}). */
  FacetCounts(java.util.Set<String> names) {
    this.asked = NAMES.stream().filter(names::contains).toList();
  }

  @Override
  public Counter newCollector() {
    return new Counter(asked);
  }

  @Override
  public Counted reduce(Collection<Counter> collectors) throws IOException {
    Map<String, Map<String, Long>> merged = new HashMap<>();
    long matches = 0;
    for (Counter c : collectors) {
      matches += c.matches;
      c.counts.forEach(
          (facet, values) -> {
            Map<String, Long> m = merged.computeIfAbsent(facet, k -> new HashMap<>());
            values.forEach((v, n) -> m.merge(v, n, Long::sum));
          });
    }
    Map<String, List<FacetValue>> out = new LinkedHashMap<>();
    for (String facet : asked) {
      List<FacetValue> values = new ArrayList<>();
      merged.getOrDefault(facet, Map.of()).forEach((v, n) -> values.add(new FacetValue(v, n)));
      Comparator<FacetValue> order =
          facet.equals("year")
              ? Comparator.comparing(FacetValue::value).reversed()
              : Comparator.comparingLong(FacetValue::count)
                  .reversed()
                  .thenComparing(FacetValue::value);
      values.sort(order);
      out.put(facet, values.size() > MAX_VALUES ? values.subList(0, MAX_VALUES) : values);
    }
    return new Counted(matches, out);
  }

  /** Counts one slice of segments. */
  static final class Counter implements Collector {
    Counter(List<String> names) {
      this.names = names.toArray(String[]::new);
    }

    private final Map<String, Map<String, Long>> counts = new HashMap<>();
    private final String[] names;
    private long matches;

    @Override
    public LeafCollector getLeafCollector(LeafReaderContext context) {
      LeafReader reader = context.reader();
      // The segment's matches, counted when it is done: then it is known whether they are few
      // (counted document by document) or many (counted value by value).
      FixedBitSet hits = new FixedBitSet(reader.maxDoc());
      return new LeafCollector() {
        private int n;

        @Override
        public void setScorer(Scorable scorer) {}

        @Override
        public void collect(int doc) {
          hits.set(doc);
          n++;
        }

        @Override
        public void collectRange(int min, int max) {
          hits.set(min, max);
          n += max - min;
        }

        @Override
        public void finish() throws IOException {
          count(reader, hits, n);
        }
      };
    }

    private void count(LeafReader reader, FixedBitSet hits, int n) throws IOException {
      matches += n;
      if (n == 0) {
        return;
      }
      int maxDoc = reader.maxDoc();
      FacetOrdinals.Field[] fields = new FacetOrdinals.Field[names.length];
      int[][] ordCounts = new int[names.length][];
      // The fields counted document by document, in one walk of the matches.
      int[] byDocument = new int[names.length];
      int walked = 0;
      for (int i = 0; i < names.length; i++) {
        String field = FIELDS.get(names[i]);
        fields[i] = FacetOrdinals.of(reader, field, MULTI_VALUED.contains(field));
        ordCounts[i] = new int[fields[i].valueCount()];
        if (fields[i].countAllIsCheaper(n, maxDoc)) {
          fields[i].countAll(hits, ordCounts[i]);
        } else {
          byDocument[walked++] = i;
        }
      }
      if (walked > 0) {
        for (int doc = hits.nextSetBit(0);
            doc != DocIdSetIterator.NO_MORE_DOCS;
            doc = doc + 1 < maxDoc ? hits.nextSetBit(doc + 1) : DocIdSetIterator.NO_MORE_DOCS) {
          for (int k = 0; k < walked; k++) {
            fields[byDocument[k]].count(doc, ordCounts[byDocument[k]]);
          }
        }
      }
      // Names the counted ordinals.
      for (int i = 0; i < names.length; i++) {
        int[] c = ordCounts[i];
        String field = FIELDS.get(names[i]);
        Map<String, Long> m = counts.computeIfAbsent(names[i], k -> new HashMap<>());
        SortedDocValues single =
            MULTI_VALUED.contains(field) ? null : DocValues.getSorted(reader, field);
        SortedSetDocValues values = single == null ? DocValues.getSortedSet(reader, field) : null;
        for (int ord = 0; ord < c.length; ord++) {
          if (c[ord] > 0) {
            BytesRef value = single != null ? single.lookupOrd(ord) : values.lookupOrd(ord);
            m.merge(value.utf8ToString(), (long) c[ord], Long::sum);
          }
        }
      }
    }

    @Override
    public ScoreMode scoreMode() {
      return ScoreMode.COMPLETE_NO_SCORES;
    }
  }
}
