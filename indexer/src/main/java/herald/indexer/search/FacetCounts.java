package herald.indexer.search;

import herald.indexer.index.IndexFields;
import herald.indexer.search.SearchResult.FacetValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
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
    // Of the segment being collected: facet names in the order of ordCounts (single-valued first),
    // their counts per ordinal, and the combined single-valued ones with their counts per code.
    private String[] order;
    private int[][] ordCounts;
    private FacetOrdinals.Combined combined;
    private int[] codeCounts;
    private long matches;

    @Override
    public LeafCollector getLeafCollector(LeafReaderContext context) throws IOException {
      flush();
      reader = context.reader();
      // Single-valued fields first, then the multi-valued ones: the names' order in ordCounts.
      List<String> single = new ArrayList<>();
      List<String> multi = new ArrayList<>();
      for (String name : names) {
        (MULTI_VALUED.contains(FIELDS.get(name)) ? multi : single).add(name);
      }
      combined =
          single.size() > 1
              ? FacetOrdinals.combined(reader, single.stream().map(FIELDS::get).toList())
              : null;
      int together = combined == null ? 0 : single.size();
      order = new String[names.length];
      ordCounts = new int[names.length][];
      FacetOrdinals.Field[] separate = new FacetOrdinals.Field[names.length - together];
      int next = 0;
      for (String name : single) {
        FacetOrdinals.Field f = FacetOrdinals.of(reader, FIELDS.get(name), false);
        if (combined == null) {
          separate[next] = f;
        }
        order[next] = name;
        ordCounts[next++] = new int[f.valueCount()];
      }
      for (String name : multi) {
        FacetOrdinals.Field f = FacetOrdinals.of(reader, FIELDS.get(name), true);
        separate[next - together] = f;
        order[next] = name;
        ordCounts[next++] = new int[f.valueCount()];
      }
      codeCounts = combined == null ? null : new int[combined.size()];
      char[] codes = combined == null ? null : combined.codes();
      int[] leafCodeCounts = codeCounts;
      int[][] separateCounts = Arrays.copyOfRange(ordCounts, together, ordCounts.length);
      return new LeafCollector() {
        @Override
        public void setScorer(Scorable scorer) {}

        @Override
        public void collect(int doc) {
          matches++;
          if (codes != null) {
            leafCodeCounts[codes[doc]]++;
          }
          for (int i = 0; i < separate.length; i++) {
            separate[i].count(doc, separateCounts[i]);
          }
        }
      };
    }

    /** Names the counted ordinals of the segment just collected. */
    void flush() throws IOException {
      if (reader == null) {
        return;
      }
      if (combined != null) {
        combined.split(codeCounts, ordCounts);
      }
      for (int i = 0; i < order.length; i++) {
        int[] c = ordCounts[i];
        String field = FIELDS.get(order[i]);
        Map<String, Long> m = counts.computeIfAbsent(order[i], k -> new HashMap<>());
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
      combined = null;
      codeCounts = null;
    }

    @Override
    public ScoreMode scoreMode() {
      return ScoreMode.COMPLETE_NO_SCORES;
    }
  }
}
