package herald.api.studio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PasswordsTest {
  // Cheap settings keep the test fast; the format and checks are the same.
  final Passwords passwords = new Passwords(1024, 1, 1);

  @Test
  @DisplayName("a hash is an Argon2id PHC string that verifies only the same password")
  void roundTrip() {
    String h = passwords.hash("Ђорђе's pässwörd");
    assertTrue(h.startsWith("$argon2id$v=19$m=1024,t=1,p=1$"), h);
    assertTrue(passwords.verify("Ђорђе's pässwörd", h));
    assertFalse(passwords.verify("Ђорђе's passwörd", h));
    assertFalse(passwords.verify("", h));
  }

  @Test
  @DisplayName("the same password hashes differently each time (a fresh salt)")
  void salted() {
    assertNotEquals(passwords.hash("same password!"), passwords.hash("same password!"));
  }

  @Test
  @DisplayName(
      "a hash keeps its own cost: it verifies after the settings change, and asks for a rehash")
  void costTravelsWithTheHash() {
    String old = passwords.hash("a password to keep");
    Passwords stronger = new Passwords(2048, 2, 1);
    assertTrue(stronger.verify("a password to keep", old));
    assertTrue(stronger.needsRehash(old));
    assertFalse(passwords.needsRehash(old));
  }

  @Test
  @DisplayName("anything that is not a hash never verifies")
  void malformed() {
    assertFalse(passwords.verify("x", null));
    assertFalse(passwords.verify("x", "plain text"));
    assertFalse(passwords.verify("x", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"));
    assertTrue(passwords.needsRehash("plain"));
  }

  @Test
  @DisplayName("new passwords need 12 characters, at most 256, and not the e-mail address")
  void policy() {
    assertEquals("password.tooShort", Passwords.problem("elevenchars", null));
    assertNull(Passwords.problem("twelve chars", null));
    assertEquals("password.tooLong", Passwords.problem("x".repeat(257), null));
    assertEquals("password.isEmail", Passwords.problem("ana@herald.test", "Ana@Herald.test"));
    assertEquals("password.tooShort", Passwords.problem(null, null));
  }

  @Test
  @DisplayName("Argon2id is deterministic for its inputs and depends on the salt")
  void derivesLikeTheReference() {
    // The same inputs hashed twice give the same bytes, and a one-bit change of the salt does not.
    byte[] salt = new byte[16];
    byte[] a = Passwords.derive("password", salt, 64, 1, 1, 32);
    byte[] b = Passwords.derive("password", salt, 64, 1, 1, 32);
    salt[0] = 1;
    byte[] c = Passwords.derive("password", salt, 64, 1, 1, 32);
    assertEquals(java.util.HexFormat.of().formatHex(a), java.util.HexFormat.of().formatHex(b));
    assertNotEquals(java.util.HexFormat.of().formatHex(a), java.util.HexFormat.of().formatHex(c));
  }
}
