package herald.api.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LabelsTest {
  @Test
  @DisplayName("every interface language has exactly the English labels")
  void complete() {
    Set<String> en = Labels.keys("en");
    for (String lang : Labels.LANGUAGES) {
      Set<String> missing = new TreeSet<>(en);
      missing.removeAll(Labels.keys(lang));
      Set<String> extra = new TreeSet<>(Labels.keys(lang));
      extra.removeAll(en);
      assertEquals(Set.of(), missing, lang + " lacks labels");
      assertEquals(Set.of(), extra, lang + " has labels English lacks");
    }
  }

  @Test
  @DisplayName(
      "the browser's languages choose the interface: Serbian, Croatian, Bosnian get Serbian Latin")
  void acceptLanguage() {
    assertEquals("sr-Latn", Labels.fromAcceptLanguage("sr-RS,sr;q=0.9,en;q=0.5"));
    assertEquals("sr-Latn", Labels.fromAcceptLanguage("hr"));
    assertEquals("en", Labels.fromAcceptLanguage("de-DE,en;q=0.5"));
    assertEquals("en", Labels.fromAcceptLanguage("not a header;;;"));
    assertEquals("en", Labels.fromAcceptLanguage(null));
  }

  @Test
  @DisplayName("labels with arguments are filled in, in Serbian too")
  void format() {
    assertEquals("Dobro došli, Ana.", Labels.of("sr-Latn").f("dashboard.welcome", "Ana"));
    assertEquals("Welcome, Ana.", Labels.of("xx").f("dashboard.welcome", "Ana"));
  }
}
