package herald.api.studio;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Password hashes with Argon2id (RFC 9106) in the PHC string format ({@code
 * $argon2id$v=19$m=19456,t=2,p=1$salt$hash}), so that the cost can be raised later and old hashes
 * still verify. The default cost is OWASP's recommendation for Argon2id (19 MiB, 2 passes, 1 lane).
 *
 * <p>NOTE: hashing takes tens of milliseconds of CPU on purpose: call it off the event loop.
 */
public final class Passwords {
  /** OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1. */
  public static final int DEFAULT_MEMORY_KB = 19 * 1024;

  public static final int DEFAULT_ITERATIONS = 2;
  public static final int DEFAULT_PARALLELISM = 1;

  /** Shortest password accepted (NIST SP 800-63B asks for at least 8; 12 for single factor). */
  public static final int MIN_LENGTH = 12;

  /** Longest password accepted, so that hashing work is bounded. */
  public static final int MAX_LENGTH = 256;

  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;
  private static final Pattern PHC =
      Pattern.compile(
          "\\$argon2id\\$v=19\\$m=(\\d{1,7}),t=(\\d{1,3}),p=(\\d{1,2})\\$([A-Za-z0-9+/]+)\\$([A-Za-z0-9+/]+)");
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getDecoder();

  private final SecureRandom random = new SecureRandom();
  private final int memoryKb;
  private final int iterations;
  private final int parallelism;
  private volatile String dummy;

  public Passwords(int memoryKb, int iterations, int parallelism) {
    this.memoryKb = memoryKb;
    this.iterations = iterations;
    this.parallelism = parallelism;
  }

  public Passwords() {
    this(DEFAULT_MEMORY_KB, DEFAULT_ITERATIONS, DEFAULT_PARALLELISM);
  }

  /** The PHC string of a new hash of the password, with a fresh random salt. */
  public String hash(String password) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    byte[] out = derive(password, salt, memoryKb, iterations, parallelism, HASH_BYTES);
    return "$argon2id$v=19$m="
        + memoryKb
        + ",t="
        + iterations
        + ",p="
        + parallelism
        + "$"
        + B64.encodeToString(salt)
        + "$"
        + B64.encodeToString(out);
  }

  /** Whether the password matches the stored hash; false for anything that is not a hash. */
  public boolean verify(String password, String stored) {
    if (stored == null) {
      // Spend the same time as a real check, so that unknown addresses do not answer faster.
      if (dummy == null) {
        dummy = hash("a password nobody has, for timing");
      }
      verify(password, dummy);
      return false;
    }
    Matcher m = PHC.matcher(stored);
    if (!m.matches()) {
      return false;
    }
    byte[] salt = B64D.decode(m.group(4));
    byte[] expected = B64D.decode(m.group(5));
    byte[] actual =
        derive(
            password,
            salt,
            Integer.parseInt(m.group(1)),
            Integer.parseInt(m.group(2)),
            Integer.parseInt(m.group(3)),
            expected.length);
    return MessageDigest.isEqual(expected, actual);
  }

  /** Whether a stored hash was made with other settings than the current ones. */
  public boolean needsRehash(String stored) {
    Matcher m = stored == null ? null : PHC.matcher(stored);
    return m == null
        || !m.matches()
        || Integer.parseInt(m.group(1)) != memoryKb
        || Integer.parseInt(m.group(2)) != iterations
        || Integer.parseInt(m.group(3)) != parallelism;
  }

  /** The raw Argon2id output (RFC 9106 section 3), without secret or associated data. */
  static byte[] derive(
      String password, byte[] salt, int memoryKb, int iterations, int parallelism, int length) {
    Argon2Parameters params =
        new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
            .withVersion(Argon2Parameters.ARGON2_VERSION_13)
            .withMemoryAsKB(memoryKb)
            .withIterations(iterations)
            .withParallelism(parallelism)
            .withSalt(salt)
            .build();
    Argon2BytesGenerator gen = new Argon2BytesGenerator();
    gen.init(params);
    byte[] out = new byte[length];
    gen.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
    return out;
  }

  /** Why a new password is not acceptable, as a label key, or null when it is. */
  public static String problem(String password, String email) {
    if (password == null || password.codePointCount(0, password.length()) < MIN_LENGTH) {
      return "password.tooShort";
    }
    if (password.length() > MAX_LENGTH) {
      return "password.tooLong";
    }
    if (email != null && password.equalsIgnoreCase(email)) {
      return "password.isEmail";
    }
    return null;
  }
}
