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
 * Counts, over every match of a search, the values of the facet fields (type, locale, tags, year)
 * from their doc values: one pass, ordinals counted per segment and named once at the end.
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
    // Facets with one value per document (type, locale, year) have sorted doc values; tags have
    // sorted-set ones.
    private SortedDocValues[] single;
    private SortedSetDocValues[] values;
    private int[][] ordCounts;
    private long matches;

    @Override
    public LeafCollector getLeafCollector(LeafReaderContext context) throws IOException {
      flush();
      single = new SortedDocValues[names.length];
      values = new SortedSetDocValues[names.length];
      ordCounts = new int[names.length][];
      for (int i = 0; i < names.length; i++) {
        String field = FIELDS.get(names[i]);
        if (MULTI_VALUED.contains(field)) {
          values[i] = DocValues.getSortedSet(context.reader(), field);
          ordCounts[i] = new int[(int) Math.min(values[i].getValueCount(), Integer.MAX_VALUE)];
        } else {
          single[i] = DocValues.getSorted(context.reader(), field);
          ordCounts[i] = new int[single[i].getValueCount()];
        }
      }
      SortedDocValues[] sdvs = single;
      SortedSetDocValues[] dvs = values;
      int[][] leafCounts = ordCounts;
      return new LeafCollector() {
        @Override
        public void setScorer(Scorable scorer) {}

        @Override
        public void collect(int doc) throws IOException {
          matches++;
          for (int i = 0; i < dvs.length; i++) {
            if (sdvs[i] != null) {
              if (sdvs[i].advanceExact(doc)) {
                leafCounts[i][sdvs[i].ordValue()]++;
              }
              continue;
            }
            SortedSetDocValues dv = dvs[i];
            if (dv.advanceExact(doc)) {
              int n = dv.docValueCount();
              for (int j = 0; j < n; j++) {
                leafCounts[i][(int) dv.nextOrd()]++;
              }
            }
          }
        }
      };
    }

    /** Names the counted ordinals of the segment just collected. */
    void flush() throws IOException {
      if (values == null) {
        return;
      }
      for (int i = 0; i < names.length; i++) {
        int[] c = ordCounts[i];
        Map<String, Long> m = counts.computeIfAbsent(names[i], k -> new HashMap<>());
        for (int ord = 0; ord < c.length; ord++) {
          if (c[ord] > 0) {
            BytesRef value =
                single[i] != null ? single[i].lookupOrd(ord) : values[i].lookupOrd(ord);
            m.merge(value.utf8ToString(), (long) c[ord], Long::sum);
          }
        }
      }
      single = null;
      values = null;
      ordCounts = null;
    }

    @Override
    public ScoreMode scoreMode() {
      return ScoreMode.COMPLETE_NO_SCORES;
    }
  }
}
