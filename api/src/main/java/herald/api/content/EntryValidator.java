package herald.api.content;

import herald.api.http.ProblemException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** Checks an entry's fields and channels against its type and the configured locales. */
public final class EntryValidator {
  public static final int MAX_TEXT = 10_000;
  public static final int MAX_RICHTEXT = 500_000;
  public static final int MAX_ITEMS = 200;
  public static final int MAX_TAG = 100;

  /** Channels an entry can choose; delivery per channel is the publisher's job. */
  public static final Set<String> CHANNELS = Set.of("website", "social", "newsletter", "partners");

  private static final Pattern EMAIL =
      Pattern.compile("[^@\\s]{1,64}@[^@\\s.]+(\\.[^@\\s.]+)+", Pattern.UNICODE_CHARACTER_CLASS);

  /** Admins' field patterns, compiled once; RE2/J matches in time linear in the value. */
  private static final Map<String, java.util.Optional<com.google.re2j.Pattern>> PATTERNS =
      new ConcurrentHashMap<>();

  private final List<String> locales;

  public EntryValidator(List<String> locales) {
    this.locales = List.copyOf(locales);
  }

  /** A reference found in the fields, to be checked against the entries that exist. */
  public record Ref(UUID id, String at, List<String> allowedTypes) {}

  /** The outcome: fields as given (nulls dropped), the entry's locales, channels, references. */
  public record Valid(
      JsonObject fields, List<String> locales, JsonArray channels, List<Ref> refs) {}

  /**
   * Validates; throws a 422 problem listing every error, or a 400 one for text that is not valid
   * Unicode.
   */
  public Valid validate(ContentType type, Object fieldsValue, Object channelsValue) {
    JsonArray errors = new JsonArray();
    List<Ref> refs = new ArrayList<>();
    JsonObject out = new JsonObject();
    Set<String> entryLocales = new TreeSet<>(this::localeOrder);
    if (!(fieldsValue instanceof JsonObject fields)) {
      errors.add(ProblemException.fieldError("fields", "required: an object of field values"));
      throw ProblemException.invalid("The entry is invalid.", errors);
    }
    for (Map.Entry<String, Object> e : fields) {
      FieldDef def = type.field(e.getKey()).orElse(null);
      String at = "fields." + e.getKey();
      if (def == null) {
        errors.add(
            ProblemException.fieldError(
                at, "type '" + type.id() + "' has no field '" + e.getKey() + "'"));
        continue;
      }
      Object v = e.getValue();
      if (v == null) {
        continue;
      }
      if (def.localized()) {
        if (!(v instanceof JsonObject perLocale)) {
          errors.add(
              ProblemException.fieldError(
                  at, "localized field: an object of locale to value, e.g. {\"en\": …}"));
          continue;
        }
        JsonObject kept = new JsonObject();
        for (Map.Entry<String, Object> le : perLocale) {
          String lat = at + "." + le.getKey();
          if (!locales.contains(le.getKey())) {
            errors.add(
                ProblemException.fieldError(
                    lat, "unknown locale '" + le.getKey() + "'; configured: " + locales));
            continue;
          }
          if (le.getValue() == null) {
            continue;
          }
          if (check(def, le.getValue(), lat, errors, refs)) {
            kept.put(le.getKey(), le.getValue());
            entryLocales.add(le.getKey());
          }
        }
        if (!kept.isEmpty()) {
          out.put(def.id(), kept);
        }
      } else if (check(def, v, at, errors, refs)) {
        out.put(def.id(), v);
      }
    }
    if (entryLocales.isEmpty()) {
      entryLocales.add(locales.get(0));
    }
    requireFields(type.fields(), fields, out, entryLocales, errors);
    JsonArray channels = channels(channelsValue, errors);
    if (!errors.isEmpty()) {
      throw ProblemException.invalid("The entry does not fit type '" + type.id() + "'.", errors);
    }
    return new Valid(out, List.copyOf(entryLocales), channels, refs);
  }

  /** The entry's locales given its fields, in configured order. */
  public List<String> localesOf(ContentType type, JsonObject fields) {
    Set<String> ls = new TreeSet<>(this::localeOrder);
    for (FieldDef def : type.fields()) {
      if (def.localized() && fields.getValue(def.id()) instanceof JsonObject perLocale) {
        perLocale.fieldNames().stream().filter(locales::contains).forEach(ls::add);
      }
    }
    if (ls.isEmpty()) {
      ls.add(locales.get(0));
    }
    return List.copyOf(ls);
  }

  private void requireFields(
      List<FieldDef> defs,
      JsonObject given,
      JsonObject out,
      Collection<String> entryLocales,
      JsonArray errors) {
    for (FieldDef def : defs) {
      if (!def.required()
          || given.containsKey(def.id())
              && given.getValue(def.id()) != null
              && !out.containsKey(def.id())) {
        continue; // not required, or already reported as invalid
      }
      if (!out.containsKey(def.id())) {
        errors.add(ProblemException.fieldError("fields." + def.id(), "required"));
      } else if (def.localized()) {
        JsonObject perLocale = out.getJsonObject(def.id());
        for (String l : entryLocales) {
          if (!perLocale.containsKey(l)) {
            errors.add(
                ProblemException.fieldError(
                    "fields." + def.id() + "." + l,
                    "required in every locale the entry has content in"));
          }
        }
      }
    }
  }

  private static JsonArray channels(Object channelsValue, JsonArray errors) {
    JsonArray channels = new JsonArray();
    if (channelsValue == null) {
      channels.add("website");
    } else if (!(channelsValue instanceof JsonArray given)) {
      errors.add(ProblemException.fieldError("channels", "an array of channel names"));
    } else {
      for (Object c : given) {
        if (!(c instanceof String s) || !CHANNELS.contains(s)) {
          errors.add(
              ProblemException.fieldError(
                  "channels", "unknown channel '" + c + "'; known: " + new TreeSet<>(CHANNELS)));
        } else if (!channels.contains(s)) {
          channels.add(s);
        }
      }
    }
    return channels;
  }

  private int localeOrder(String a, String b) {
    return Integer.compare(locales.indexOf(a), locales.indexOf(b));
  }

  /** Checks one value; adds errors and collects references; true when it is valid. */
  private boolean check(FieldDef def, Object v, String at, JsonArray errors, List<Ref> refs) {
    String err = checkValue(def, v, at, errors, refs);
    if (err != null) {
      errors.add(ProblemException.fieldError(at, err));
      return false;
    }
    return true;
  }

  private String checkValue(FieldDef def, Object v, String at, JsonArray errors, List<Ref> refs) {
    switch (def.type()) {
      case TEXT, RICHTEXT -> {
        if (!(v instanceof String s)) {
          return "must be a string";
        }
        checkUnicode(s);
        int max = def.type() == FieldType.TEXT ? MAX_TEXT : MAX_RICHTEXT;
        if (def.maxLength() != null) {
          max = Math.min(max, def.maxLength());
        }
        if (s.length() > max) {
          return "at most " + max + " characters (is " + s.length() + ")";
        }
        if (def.minLength() != null && s.length() < def.minLength()) {
          return "at least " + def.minLength() + " characters (is " + s.length() + ")";
        }
        if (def.pattern() != null) {
          java.util.Optional<com.google.re2j.Pattern> p =
              PATTERNS.computeIfAbsent(def.pattern(), EntryValidator::re2);
          if (p.isEmpty()) {
            // Defined before patterns had to be RE2: the admin must redefine it.
            return "cannot be checked: the type's pattern "
                + def.pattern()
                + " is not RE2 syntax; an admin must redefine it";
          }
          if (!p.get().matcher(s).matches()) {
            return "must match the pattern " + def.pattern();
          }
        }
        return null;
      }
      case NUMBER -> {
        if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
          return "must be a number";
        }
        if (def.min() != null && n.doubleValue() < def.min()) {
          return "must be at least " + def.min();
        }
        if (def.max() != null && n.doubleValue() > def.max()) {
          return "must be at most " + def.max();
        }
        return null;
      }
      case BOOLEAN -> {
        return v instanceof Boolean ? null : "must be true or false";
      }
      case DATE -> {
        if (v instanceof String s) {
          try {
            LocalDate.parse(s);
            return null;
          } catch (DateTimeParseException e) {
            // fall through
          }
        }
        return "must be a date, YYYY-MM-DD";
      }
      case DATETIME -> {
        if (v instanceof String s) {
          try {
            OffsetDateTime.parse(s);
            return null;
          } catch (DateTimeParseException e) {
            // fall through
          }
        }
        return "must be an RFC 3339 date-time with offset, e.g. 2026-02-10T14:00:00+01:00";
      }
      case URL, MEDIA -> {
        return isHttpUrl(v) ? null : "must be an absolute http(s) URL of at most 2048 characters";
      }
      case EMAIL -> {
        if (v instanceof String s) {
          checkUnicode(s);
          if (s.length() <= 254 && EMAIL.matcher(s).matches()) {
            return null;
          }
        }
        return "must be an e-mail address";
      }
      case ENUM -> {
        return v instanceof String s && def.values().contains(s)
            ? null
            : "must be one of " + def.values();
      }
      case TAGS -> {
        if (!(v instanceof JsonArray a)) {
          return "must be an array of tags";
        }
        String count = checkCount(def, a.size());
        if (count != null) {
          return count;
        }
        for (Object t : a) {
          if (!(t instanceof String s) || s.isBlank() || s.length() > MAX_TAG) {
            return "each tag must be a non-blank string of at most " + MAX_TAG + " characters";
          }
          checkUnicode(s);
        }
        return null;
      }
      case LOCATION -> {
        if (v instanceof JsonObject o
            && o.getValue("lat") instanceof Number lat
            && o.getValue("lon") instanceof Number lon
            && Math.abs(lat.doubleValue()) <= 90
            && Math.abs(lon.doubleValue()) <= 180
            && o.fieldNames().stream().allMatch(k -> Set.of("lat", "lon", "name").contains(k))
            && (o.getValue("name") == null
                || o.getValue("name") instanceof String n && n.length() <= 500)) {
          return null;
        }
        return "must be {\"lat\": -90..90, \"lon\": -180..180, \"name\"?: text}";
      }
      case REFERENCE -> {
        UUID id = uuid(v);
        if (id == null) {
          return "must be the id of an entry";
        }
        refs.add(new Ref(id, at, def.referenceTypes()));
        return null;
      }
      case REFERENCES -> {
        if (!(v instanceof JsonArray a)) {
          return "must be an array of entry ids";
        }
        String count = checkCount(def, a.size());
        if (count != null) {
          return count;
        }
        for (int i = 0; i < a.size(); i++) {
          UUID id = uuid(a.getValue(i));
          if (id == null) {
            return "item " + i + " must be the id of an entry";
          }
          refs.add(new Ref(id, at + "[" + i + "]", def.referenceTypes()));
        }
        return null;
      }
      case GROUP -> {
        if (!(v instanceof JsonArray items)) {
          return "must be an array of items, each an object of the group's fields";
        }
        String count = checkCount(def, items.size());
        if (count != null) {
          return count;
        }
        for (int i = 0; i < items.size(); i++) {
          String iat = at + "[" + i + "]";
          if (!(items.getValue(i) instanceof JsonObject item)) {
            errors.add(ProblemException.fieldError(iat, "must be an object"));
            continue;
          }
          for (Map.Entry<String, Object> e : item) {
            FieldDef sub =
                def.fields().stream()
                    .filter(f -> f.id().equals(e.getKey()))
                    .findFirst()
                    .orElse(null);
            if (sub == null) {
              errors.add(
                  ProblemException.fieldError(
                      iat + "." + e.getKey(), "the group has no field '" + e.getKey() + "'"));
            } else if (e.getValue() != null) {
              check(sub, e.getValue(), iat + "." + e.getKey(), errors, refs);
            }
          }
          for (FieldDef sub : def.fields()) {
            if (sub.required() && item.getValue(sub.id()) == null) {
              errors.add(ProblemException.fieldError(iat + "." + sub.id(), "required"));
            }
          }
        }
        // Errors inside items are listed one by one above; the entry is invalid if there are any.
        return null;
      }
      default -> throw new IllegalStateException("unhandled field type " + def.type());
    }
  }

  private static String checkCount(FieldDef def, int n) {
    int max = def.maxLength() == null ? MAX_ITEMS : Math.min(MAX_ITEMS, def.maxLength());
    if (n > max) {
      return "at most " + max + " items (has " + n + ")";
    }
    if (def.minLength() != null && n < def.minLength()) {
      return "at least " + def.minLength() + " items (has " + n + ")";
    }
    return null;
  }

  private static boolean isHttpUrl(Object v) {
    if (v instanceof String s && s.length() <= 2048) {
      checkUnicode(s);
      try {
        URI u = new URI(s);
        return ("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
            && u.getHost() != null;
      } catch (URISyntaxException e) {
        return false;
      }
    }
    return false;
  }

  private static UUID uuid(Object v) {
    if (v instanceof String s && s.length() == 36) {
      try {
        return UUID.fromString(s);
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    return null;
  }

  private static java.util.Optional<com.google.re2j.Pattern> re2(String pattern) {
    try {
      return java.util.Optional.of(com.google.re2j.Pattern.compile(pattern));
    } catch (com.google.re2j.PatternSyntaxException e) {
      return java.util.Optional.empty();
    }
  }

  /** NUL and unpaired surrogates can't be stored or rendered safely: the request is bad. */
  static void checkUnicode(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 0) {
        throw ProblemException.badRequest("Text must not contain NUL characters.");
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        throw ProblemException.badRequest("Text contains an unpaired UTF-16 surrogate.");
      }
      if (Character.isLowSurrogate(c)) {
        throw ProblemException.badRequest("Text contains an unpaired UTF-16 surrogate.");
      }
    }
  }
}
