package herald.api.content;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SlugsTest {

  @Test
  @DisplayName("diacritics are stripped and Serbian Cyrillic follows Serbian rules")
  void serbian() {
    assertEquals("milosevic", Slugs.of("Milošević", "en"));
    assertEquals("milosevic", Slugs.of("Милошевић", "sr-Cyrl"));
    assertEquals("djordje-zivkovic", Slugs.of("Ђорђе Живковић", "sr-Cyrl"));
    assertEquals("ljubljana-njegos-dzak", Slugs.of("Љубљана Његош џак", "en"));
  }

  @Test
  @DisplayName("Russian Cyrillic follows Russian rules")
  void russian() {
    assertEquals("shchuka-i-zhuk-yulya", Slugs.of("Щука и жук Юля", "ru"));
    assertEquals("politika-v-oblasti-narkotikov", Slugs.of("Политика в области наркотиков", "ru"));
  }

  @Test
  @DisplayName("punctuation collapses to single dashes and long titles are cut at a word")
  void shape() {
    assertEquals(
        "needle-and-syringe-programmes-nsp-for-people-who-inject-drugs",
        Slugs.of("Needle and Syringe Programmes (NSP) for People Who Inject Drugs", "en"));
    assertEquals("eu-drugs-strategy-2026-2030", Slugs.of("EU Drugs Strategy 2026 – 2030", "en"));
    String longSlug = Slugs.of("word ".repeat(60), "en");
    assertTrue(longSlug.length() <= Slugs.MAX_LENGTH);
    assertFalse(longSlug.endsWith("-"));
    assertEquals("", Slugs.of("!!! ???", "en"));
  }

  @Test
  @DisplayName("only lower-case ASCII words joined by single dashes are valid slugs")
  void validity() {
    assertTrue(Slugs.isValid("a-b-2"));
    assertFalse(Slugs.isValid("A-b"));
    assertFalse(Slugs.isValid("a--b"));
    assertFalse(Slugs.isValid("-a"));
    assertFalse(Slugs.isValid("š"));
  }
}
