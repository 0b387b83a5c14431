package herald.publisher.channel.newsletter;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("The mails' labels")
class EmailLabelsTest {

  static List<String> configuredLocales() {
    return List.of(NewsletterConfig.DEFAULT_LOCALES.split(","));
  }

  static Properties file(String tag) throws IOException {
    Locale l = Locale.forLanguageTag(tag);
    String suffix =
        tag.equals("en")
            ? ""
            : "_" + l.getLanguage() + (l.getScript().isEmpty() ? "" : "_" + l.getScript());
    String name = EmailLabels.BUNDLE.replace('.', '/') + suffix + ".properties";
    try (InputStream in = EmailLabels.class.getClassLoader().getResourceAsStream(name)) {
      Properties p = new Properties();
      if (in != null) {
        p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
      }
      return p;
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("configuredLocales")
  @DisplayName("every configured locale has its own words for the issue and the confirmation mail")
  void everyLabelInEveryLocale(String tag) throws IOException {
    Properties english = file("en");
    Properties own = file(tag);
    List<String> missing = new ArrayList<>();
    for (String key : english.stringPropertyNames()) {
      if (own.getProperty(key, "").isBlank()) {
        missing.add(key);
      }
    }
    assertEquals(List.of(), missing, "mail labels missing for " + tag);
    EmailLabels labels = EmailLabels.of(tag);
    for (String key : english.stringPropertyNames()) {
      assertEquals(own.getProperty(key), labels.get(key), tag + " " + key);
    }
  }
}
