package herald.api.content;

import herald.api.http.Bodies;
import herald.api.http.ProblemException;
import io.vertx.core.MultiMap;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A list request of the delivery or preview API, validated against the content type and turned into
 * one parameterised SQL statement with keyset (cursor) pagination.
 *
 * <p>Filters: {@code fields.<id>=v} (equals; for tags and references: contains), {@code
 * fields.<id>[in]=a,b}, {@code [gt] [gte] [lt] [lte]} for numbers, dates and date-times, {@code
 * [contains]} for tags and references, {@code [exists]=true|false}, and {@code
 * fields.<group>.<sub>=v} inside repeatable groups (e.g. events with a given speaker). Sort: {@code
 * publishedAt}, {@code createdAt}, {@code updatedAt} or {@code fields.<id>}, with {@code -} for
 * descending. Only declared fields can be filtered or sorted on.
 */
final class EntryQuery {
  static final int MAX_LIMIT = 100;
  static final int DEFAULT_LIMIT = 20;
  static final int MAX_INCLUDE = 3;
  static final int MAX_IN = 100;

  private static final Pattern FILTER =
      Pattern.compile(
          "fields\\.([A-Za-z][A-Za-z0-9_]*)(?:\\.([A-Za-z][A-Za-z0-9_]*))?"
              + "(?:\\[(eq|in|gt|gte|lt|lte|contains|exists)\\])?");
  private static final Set<String> PARAMS =
      Set.of("type", "locale", "limit", "cursor", "sort", "fields", "include", "slug");

  /** Which state of entries a query reads. */
  enum Source {
    PUBLISHED,
    DRAFT
  }

  final Source source;
  final String typeId;
  final String locale;
  final int limit;
  final int include;
  final Set<String> select;
  private final String sortKey;
  private final boolean desc;
  private final String sortExpr;
  private final String sortCast;
  private final boolean nullable;
  private final List<String> conditions = new ArrayList<>();
  private final List<Object> params = new ArrayList<>();
  private final String fingerprint;
  private final Cursor after;

  /** A position in a list: the sort value and id of the last entry shown. */
  record Cursor(String key, UUID id, String query) {}

  private EntryQuery(
      Source source,
      ContentType type,
      String locale,
      int limit,
      int include,
      Set<String> select,
      String sort,
      String slug,
      List<String[]> filters,
      Cursor after) {
    this.source = source;
    this.typeId = type == null ? null : type.id();
    this.locale = locale;
    this.limit = limit;
    this.include = include;
    this.select = select;
    this.after = after;
    String fieldsCol = source == Source.PUBLISHED ? "published -> 'fields'" : "fields";
    if (source == Source.PUBLISHED) {
      conditions.add("published is not null");
    }
    if (type != null) {
      conditions.add("type_id = " + p(type.id()));
    }
    if (slug != null) {
      conditions.add(
          (source == Source.PUBLISHED ? "published ->> 'slug'" : "slug") + " = " + p(slug));
    }
    for (String[] f : filters) {
      addFilter(fieldsCol, type, f[0], f[1]);
    }
    // Sort.
    desc = sort.startsWith("-");
    sortKey = desc ? sort.substring(1) : sort;
    // Timestamps of entries are never null; only field values can be missing.
    nullable = sortKey.startsWith("fields.");
    switch (sortKey) {
      case "publishedAt" -> {
        if (source != Source.PUBLISHED) {
          throw ProblemException.badRequest("Preview lists sort by createdAt or updatedAt.");
        }
        sortExpr = "first_published_at";
        sortCast = "timestamptz";
      }
      case "createdAt" -> {
        sortExpr = "created_at";
        sortCast = "timestamptz";
      }
      case "updatedAt" -> {
        sortExpr = source == Source.PUBLISHED ? "published_at" : "updated_at";
        sortCast = "timestamptz";
      }
      default -> {
        if (!sortKey.startsWith("fields.")) {
          throw ProblemException.badRequest(
              "sort must be publishedAt, createdAt, updatedAt or fields.<id>, with '-' for"
                  + " descending.");
        }
        FieldDef def = field(type, sortKey.substring(7), "sort");
        if (!def.type().sortable()) {
          throw ProblemException.badRequest(
              "Field '" + def.id() + "' (" + def.type().id() + ") cannot be sorted on.");
        }
        String text = textExpr(fieldsCol, def);
        sortCast = cast(def.type());
        sortExpr = sortCast.equals("text") ? text : "(" + text + ")::" + sortCast;
      }
    }
    TreeMap<String, String> canon = new TreeMap<>();
    canon.put("source", source.name());
    canon.put("type", String.valueOf(typeId));
    canon.put("locale", String.valueOf(locale));
    canon.put("sort", sort);
    canon.put("slug", String.valueOf(slug));
    for (String[] f : filters) {
      canon.merge("f:" + f[0], f[1], (a, b) -> a + "\u0000" + b);
    }
    fingerprint = Integer.toHexString(canon.toString().hashCode());
    if (after != null && !after.query().equals(fingerprint)) {
      throw ProblemException.badRequest(
          "The cursor belongs to another query; start again without it.");
    }
    if (after != null) {
      conditions.add(keyset());
    }
  }

  /** Reads and checks the query parameters. */
  static EntryQuery parse(
      MultiMap q, Source source, ContentType type, List<String> locales, CursorCodec cursors) {
    List<String[]> filters = new ArrayList<>();
    for (String name : q.names()) {
      if (PARAMS.contains(name)) {
        if (q.getAll(name).size() > 1) {
          throw ProblemException.badRequest("Give '" + name + "' once.");
        }
        continue;
      }
      if (!name.startsWith("fields.")) {
        throw ProblemException.badRequest(
            "Unknown query parameter '"
                + name
                + "'; this endpoint takes "
                + new java.util.TreeSet<>(PARAMS)
                + " and filters fields.<id>[op].");
      }
      for (String v : q.getAll(name)) {
        filters.add(new String[] {name, v});
      }
    }
    String locale = q.get("locale");
    if (locale != null && !locales.contains(locale)) {
      throw ProblemException.badRequest(
          "Unknown locale '" + locale + "'; configured locales: " + locales + ".");
    }
    int limit =
        q.get("limit") == null ? DEFAULT_LIMIT : Bodies.limitParam(q.get("limit"), MAX_LIMIT);
    int include = 0;
    if (q.get("include") != null) {
      try {
        include = Integer.parseInt(q.get("include"));
      } catch (NumberFormatException e) {
        include = -1;
      }
      if (include < 0 || include > MAX_INCLUDE) {
        throw ProblemException.badRequest("include must be 0 to " + MAX_INCLUDE + ".");
      }
    }
    Set<String> select = null;
    if (q.get("fields") != null) {
      select = new LinkedHashSet<>(Arrays.asList(q.get("fields").split(",")));
      if (type == null) {
        throw ProblemException.badRequest("Selecting fields needs a type.");
      }
      for (String f : select) {
        field(type, f, "fields");
      }
    }
    if (!filters.isEmpty() && type == null) {
      throw ProblemException.badRequest("Filtering on fields needs a type.");
    }
    String sort = q.get("sort");
    if (sort == null) {
      sort = source == Source.PUBLISHED ? "-publishedAt" : "-createdAt";
    }
    Cursor after = q.get("cursor") == null ? null : cursors.decode(q.get("cursor"));
    String slug = q.get("slug");
    return new EntryQuery(source, type, locale, limit, include, select, sort, slug, filters, after);
  }

  /** The statement: entries plus their sort key, one more than the page to see if more follow. */
  String sql() {
    String order = desc ? "desc" : "asc";
    String key =
        sortCast.equals("timestamptz")
            ? "to_char((" + sortExpr + ") at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
            : "(" + sortExpr + ")::text";
    return "select "
        + EntryRepository.COLUMNS
        + ", "
        + key
        + " as sort_key from entries where "
        // A preview list of every type has no condition at all.
        + (conditions.isEmpty() ? "true" : String.join(" and ", conditions))
        + " order by "
        + (nullable ? "(" + sortExpr + ") is null, " : "")
        + sortExpr
        + " "
        + order
        + ", id "
        + order
        + " limit "
        + (limit + 1);
  }

  Tuple params() {
    return Tuple.from(params);
  }

  /** The cursor for the page after the one ending with this entry and sort key. */
  String next(CursorCodec cursors, String sortKeyValue, UUID id) {
    return cursors.encode(new Cursor(sortKeyValue, id, fingerprint));
  }

  /**
   * Entries after the cursor in (sort key, id) order, nulls last. NOTE: written out rather than as
   * a row comparison, because row comparisons with NULL sort keys are never true.
   */
  private String keyset() {
    String op = desc ? "<" : ">";
    if (!nullable) {
      // A row comparison the (type, first_published_at, id) index can serve.
      return "("
          + sortExpr
          + ", id) "
          + op
          + " ("
          + p(typed(after.key()))
          + "::"
          + sortCast
          + ", "
          + p(after.id())
          + ")";
    }
    String id = p(after.id());
    if (after.key() == null) {
      return "((" + sortExpr + ") is null and id " + op + " " + id + ")";
    }
    String k = p(typed(after.key())) + "::" + sortCast;
    return "(("
        + sortExpr
        + ") "
        + op
        + " "
        + k
        + " or (("
        + sortExpr
        + ") = "
        + k
        + " and id "
        + op
        + " "
        + id
        + ") or ("
        + sortExpr
        + ") is null)";
  }

  /** The cursor's sort value as the Java type the driver encodes for the sort column's type. */
  private Object typed(String key) {
    try {
      return switch (sortCast) {
        case "timestamptz" -> OffsetDateTime.parse(key);
        case "numeric" -> new BigDecimal(key);
        case "boolean" -> Boolean.parseBoolean(key);
        default -> key;
      };
    } catch (RuntimeException e) {
      throw ProblemException.badRequest("The cursor is not one this API gave out.");
    }
  }

  private void addFilter(String fieldsCol, ContentType type, String name, String value) {
    Matcher m = FILTER.matcher(name);
    if (!m.matches()) {
      throw ProblemException.badRequest(
          "Cannot read filter '"
              + name
              + "'; use fields.<id>, fields.<id>[op] with op one of eq,"
              + " in, gt, gte, lt, lte, contains, exists, or fields.<group>.<field>.");
    }
    FieldDef def = field(type, m.group(1), "filter");
    String op = m.group(3) == null ? "eq" : m.group(3);
    if (def.localized() && locale == null) {
      throw ProblemException.badRequest(
          "Field '" + def.id() + "' is localized: give a locale to filter on it.");
    }
    String json = jsonExpr(fieldsCol, def);
    if (m.group(2) != null) {
      groupFilter(def, m.group(2), op, value, json);
      return;
    }
    if (op.equals("exists")) {
      conditions.add(json + (bool(value) ? " is not null" : " is null"));
      return;
    }
    FieldType t = def.type();
    String text = textExpr(fieldsCol, def);
    switch (op) {
      case "eq" -> {
        if (t == FieldType.TAGS || t == FieldType.REFERENCES) {
          conditions.add(json + " @> jsonb_build_array(" + p(value) + "::text)");
        } else {
          conditions.add(compare(def, text, "=", value));
        }
      }
      case "contains" -> {
        if (t != FieldType.TAGS && t != FieldType.REFERENCES) {
          throw ProblemException.badRequest("contains works on tags and references fields.");
        }
        conditions.add(json + " @> jsonb_build_array(" + p(value) + "::text)");
      }
      case "in" -> {
        String[] vs = value.split(",");
        if (vs.length > MAX_IN) {
          throw ProblemException.badRequest("in takes at most " + MAX_IN + " values.");
        }
        List<String> or = new ArrayList<>();
        for (String v : vs) {
          if (t == FieldType.TAGS || t == FieldType.REFERENCES) {
            or.add(json + " @> jsonb_build_array(" + p(v) + "::text)");
          } else {
            or.add(compare(def, text, "=", v));
          }
        }
        conditions.add("(" + String.join(" or ", or) + ")");
      }
      default -> {
        if (t != FieldType.NUMBER && t != FieldType.DATE && t != FieldType.DATETIME) {
          throw ProblemException.badRequest(
              op + " works on number, date and datetime fields, not " + t.id() + ".");
        }
        String sqlOp =
            switch (op) {
              case "gt" -> ">";
              case "gte" -> ">=";
              case "lt" -> "<";
              default -> "<=";
            };
        conditions.add(compare(def, text, sqlOp, value));
      }
    }
  }

  /** Filters on a field inside a repeatable group, by JSON containment. */
  private void groupFilter(FieldDef group, String subId, String op, String value, String json) {
    if (group.type() != FieldType.GROUP) {
      throw ProblemException.badRequest("Field '" + group.id() + "' is not a group.");
    }
    FieldDef sub =
        group.fields().stream()
            .filter(f -> f.id().equals(subId))
            .findFirst()
            .orElseThrow(
                () ->
                    ProblemException.badRequest(
                        "Group '" + group.id() + "' has no field '" + subId + "'."));
    if (!op.equals("eq") && !op.equals("contains")) {
      throw ProblemException.badRequest("Inside groups only equals and contains are supported.");
    }
    String item =
        sub.type() == FieldType.TAGS || sub.type() == FieldType.REFERENCES
            ? "jsonb_build_object("
                + p(sub.id())
                + "::text, jsonb_build_array("
                + p(value)
                + "::text))"
            : "jsonb_build_object(" + p(sub.id()) + "::text, " + p(value) + "::text)";
    if (sub.type() == FieldType.NUMBER || sub.type() == FieldType.BOOLEAN) {
      throw ProblemException.badRequest("Inside groups, filter on text, tags or references.");
    }
    conditions.add(json + " @> jsonb_build_array(" + item + ")");
  }

  private String compare(FieldDef def, String text, String op, String value) {
    switch (def.type()) {
      case NUMBER -> {
        try {
          return "(" + text + ")::numeric " + op + " " + p(new BigDecimal(value)) + "::numeric";
        } catch (NumberFormatException e) {
          throw ProblemException.badRequest("'" + value + "' is not a number.");
        }
      }
      case DATETIME -> {
        OffsetDateTime at;
        try {
          at = OffsetDateTime.parse(value);
        } catch (DateTimeParseException e) {
          throw ProblemException.badRequest("'" + value + "' is not an RFC 3339 date-time.");
        }
        return "(" + text + ")::timestamptz " + op + " " + p(at) + "::timestamptz";
      }
      case DATE -> {
        try {
          LocalDate.parse(value);
        } catch (DateTimeParseException e) {
          throw ProblemException.badRequest("'" + value + "' is not a date (YYYY-MM-DD).");
        }
        return text + " " + op + " " + p(value) + "::text";
      }
      case BOOLEAN -> {
        return text + " " + op + " " + p(String.valueOf(bool(value))) + "::text";
      }
      case GROUP, LOCATION ->
          throw ProblemException.badRequest(
              "Field '" + def.id() + "' (" + def.type().id() + ") cannot be compared.");
      default -> {
        return text + " " + op + " " + p(value) + "::text";
      }
    }
  }

  private static boolean bool(String v) {
    if (!v.equals("true") && !v.equals("false")) {
      throw ProblemException.badRequest("Expected true or false, not '" + v + "'.");
    }
    return v.equals("true");
  }

  private String jsonExpr(String fieldsCol, FieldDef def) {
    String base = "(" + fieldsCol + " -> " + p(def.id()) + "::text)";
    return def.localized() ? "(" + base + " -> " + p(locale) + "::text)" : base;
  }

  private String textExpr(String fieldsCol, FieldDef def) {
    if (def.localized()) {
      if (locale == null) {
        throw ProblemException.badRequest(
            "Field '" + def.id() + "' is localized: give a locale to sort or filter on it.");
      }
      return "(" + fieldsCol + " -> " + p(def.id()) + "::text ->> " + p(locale) + "::text)";
    }
    return "(" + fieldsCol + " ->> " + p(def.id()) + "::text)";
  }

  private static String cast(FieldType t) {
    return switch (t) {
      case NUMBER -> "numeric";
      case DATETIME -> "timestamptz";
      case BOOLEAN -> "boolean";
      default -> "text";
    };
  }

  private static FieldDef field(ContentType type, String id, String what) {
    if (type == null) {
      throw ProblemException.badRequest("Give a type to use fields in " + what + ".");
    }
    return type.field(id)
        .orElseThrow(
            () ->
                ProblemException.badRequest(
                    "Type '" + type.id() + "' has no field '" + id + "' (" + what + ")."));
  }

  private String p(Object v) {
    params.add(v);
    return "$" + params.size();
  }
}
