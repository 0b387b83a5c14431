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
import org.apache.lucene.search.LeafCollector;
import org.apache.lucene.search.Scorable;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.util.BytesRef;

/**
 * Counts, over every match of a search, the values of the facet fields (type, locale, tags, year):
 * one pass, ordinals counted per segment from {@link FacetOrdinals} and named once at the end.
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
      c.flush();
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
    private LeafReader reader;
    private int[][] ordCounts;
    private long matches;

    @Override
    public LeafCollector getLeafCollector(LeafReaderContext context) throws IOException {
      flush();
      reader = context.reader();
      FacetOrdinals.Field[] fields = new FacetOrdinals.Field[names.length];
      ordCounts = new int[names.length][];
      for (int i = 0; i < names.length; i++) {
        String field = FIELDS.get(names[i]);
        fields[i] = FacetOrdinals.of(reader, field, MULTI_VALUED.contains(field));
        ordCounts[i] = new int[fields[i].valueCount()];
      }
      int[][] leafCounts = ordCounts;
      return new LeafCollector() {
        @Override
        public void setScorer(Scorable scorer) {}

        @Override
        public void collect(int doc) {
          matches++;
          for (int i = 0; i < fields.length; i++) {
            fields[i].count(doc, leafCounts[i]);
          }
        }
      };
    }

    /** Names the counted ordinals of the segment just collected. */
    void flush() throws IOException {
      if (reader == null) {
        return;
      }
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
      reader = null;
      ordCounts = null;
    }

    @Override
    public ScoreMode scoreMode() {
      return ScoreMode.COMPLETE_NO_SCORES;
    }
  }
}
