package herald.api.content;

import herald.api.http.ProblemException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Checks an entry's fields and channels against its type and the configured locales. */
public final class EntryValidator {
  public static final int MAX_TEXT = 10_000;
  public static final int MAX_RICHTEXT = 500_000;
  public static final int MAX_TAGS = 100;
  public static final int MAX_TAG = 100;

  /** Channels an entry can choose; delivery per channel is the publisher's job. */
  public static final Set<String> CHANNELS = Set.of("website", "social", "newsletter", "partners");

  private static final Pattern EMAIL =
      Pattern.compile("[^@\\s]{1,64}@[^@\\s.]+(\\.[^@\\s.]+)+", Pattern.UNICODE_CHARACTER_CLASS);

  private final List<String> locales;

  public EntryValidator(List<String> locales) {
    this.locales = List.copyOf(locales);
  }

  /** The outcome: fields as given (nulls dropped) and the locales the entry has content in. */
  public record Valid(JsonObject fields, List<String> locales, JsonArray channels) {}

  /**
   * Validates; throws a 422 problem listing every error, or a 400 one for text that is not valid
   * Unicode.
   */
  public Valid validate(ContentType type, Object fieldsValue, Object channelsValue) {
    JsonArray errors = new JsonArray();
    JsonObject out = new JsonObject();
    Set<String> entryLocales = new TreeSet<>(this::localeOrder);
    if (!(fieldsValue instanceof JsonObject fields)) {
      errors.add(ProblemException.fieldError("fields", "required: an object of field values"));
      throw ProblemException.invalid("The entry is invalid.", errors);
    }
    for (Map.Entry<String, Object> e : fields) {
      FieldDef def = type.field(e.getKey()).orElse(null);
      if (def == null) {
        errors.add(
            ProblemException.fieldError(
                "fields." + e.getKey(),
                "type '" + type.id() + "' has no field '" + e.getKey() + "'"));
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
                  "fields." + def.id(),
                  "localized field: an object of locale to value, e.g. {\"en\": …}"));
          continue;
        }
        JsonObject kept = new JsonObject();
        for (Map.Entry<String, Object> le : perLocale) {
          String at = "fields." + def.id() + "." + le.getKey();
          if (!locales.contains(le.getKey())) {
            errors.add(
                ProblemException.fieldError(
                    at, "unknown locale '" + le.getKey() + "'; configured: " + locales));
            continue;
          }
          if (le.getValue() == null) {
            continue;
          }
          String err = checkValue(def.type(), le.getValue());
          if (err != null) {
            errors.add(ProblemException.fieldError(at, err));
          } else {
            kept.put(le.getKey(), le.getValue());
            entryLocales.add(le.getKey());
          }
        }
        if (!kept.isEmpty()) {
          out.put(def.id(), kept);
        }
      } else {
        String err = checkValue(def.type(), v);
        if (err != null) {
          errors.add(ProblemException.fieldError("fields." + def.id(), err));
        } else {
          out.put(def.id(), v);
        }
      }
    }
    if (entryLocales.isEmpty()) {
      entryLocales.add(locales.get(0));
    }
    for (FieldDef def : type.fields()) {
      if (!def.required() || fields.containsKey(def.id()) && !out.containsKey(def.id())) {
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
    if (!errors.isEmpty()) {
      throw ProblemException.invalid("The entry does not fit type '" + type.id() + "'.", errors);
    }
    return new Valid(out, List.copyOf(entryLocales), channels);
  }

  private int localeOrder(String a, String b) {
    return Integer.compare(locales.indexOf(a), locales.indexOf(b));
  }

  /** Null when the value fits the type, else what is wrong. */
  static String checkValue(FieldType type, Object v) {
    switch (type) {
      case TEXT, RICHTEXT -> {
        if (!(v instanceof String s)) {
          return "must be a string";
        }
        checkUnicode(s);
        int max = type == FieldType.TEXT ? MAX_TEXT : MAX_RICHTEXT;
        return s.length() > max ? "at most " + max + " characters (is " + s.length() + ")" : null;
      }
      case NUMBER -> {
        return v instanceof Number ? null : "must be a number";
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
      case URL -> {
        if (v instanceof String s && s.length() <= 2048) {
          checkUnicode(s);
          try {
            URI u = new URI(s);
            if (("http".equals(u.getScheme()) || "https".equals(u.getScheme()))
                && u.getHost() != null) {
              return null;
            }
          } catch (URISyntaxException e) {
            // fall through
          }
        }
        return "must be an absolute http(s) URL of at most 2048 characters";
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
      case TAGS -> {
        if (!(v instanceof JsonArray a) || a.size() > MAX_TAGS) {
          return "must be an array of at most " + MAX_TAGS + " tags";
        }
        for (Object t : a) {
          if (!(t instanceof String s) || s.isBlank() || s.length() > MAX_TAG) {
            return "each tag must be a non-blank string of at most " + MAX_TAG + " characters";
          }
          checkUnicode(s);
        }
        return null;
      }
      default -> throw new IllegalStateException("unhandled field type " + type);
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
