package herald.api.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TransliterationTest {
  @Test
  @DisplayName("Serbian Cyrillic becomes Latin letter for letter, digraphs and capitals included")
  void toLatin() {
    assertEquals(
        "Vebinar o smanjenju štete u zatvorima",
        Transliteration.toLatin("Вебинар о смањењу штете у затворима"));
    assertEquals(
        "Đorđe Ćirić, Džamija, Ljubljana, Njegoš",
        Transliteration.toLatin("Ђорђе Ћирић, Џамија, Љубљана, Његош"));
    assertEquals("LJUBAV I NJEGOŠ", Transliteration.toLatin("ЉУБАВ И ЊЕГОШ"));
    assertEquals("Niš 2026 – OK", Transliteration.toLatin("Ниш 2026 – OK"));
  }

  @Test
  @DisplayName("Serbian Latin becomes Cyrillic, reading lj, nj and dž as one letter")
  void toCyrillic() {
    assertEquals(
        "Вебинар о смањењу штете у затворима",
        Transliteration.toCyrillic("Vebinar o smanjenju štete u zatvorima"));
    assertEquals(
        "Ђорђе Ћирић, Џамија, Љубљана, Његош",
        Transliteration.toCyrillic("Đorđe Ćirić, Džamija, Ljubljana, Njegoš"));
  }

  @Test
  @DisplayName("a round trip gives the same text back")
  void roundTrip() {
    String s = "Ђурђевдан у Чачку, жеље и џем";
    assertEquals(s, Transliteration.toCyrillic(Transliteration.toLatin(s)));
  }
}
